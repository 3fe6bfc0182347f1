using System.Diagnostics.Metrics;

namespace Membership.Service;

/// <summary>
/// Instruments of the group commit, on the service's meter <c>Membership</c> (the one the telemetry pipeline exports):
/// every caller's change is counted once with its outcome, every room transaction once with the number of changes it
/// carried, so "changes per transaction" is visible beside the storage counters.
/// </summary>
public sealed class GroupCommitMetrics
{
    public const string MeterName = "Membership";

    /// <summary>Callers' changes answered, by <c>membership.outcome</c> (changed, unchanged, denied, not_found, failed, cancelled).</summary>
    public const string Changes = "membership.changes";

    /// <summary>Room transactions committed (one group may need several).</summary>
    public const string Transactions = "membership.room.transactions";

    /// <summary>Callers' changes in each committed room transaction.</summary>
    public const string ChangesPerTransaction = "membership.room.transaction.changes";

    /// <summary>Changes waiting for their room's next group, across rooms.</summary>
    public const string Queued = "membership.room.queued";

    private readonly Counter<long> _changes;
    private readonly Counter<long> _transactions;
    private readonly Histogram<int> _changesPerTransaction;
    private long _queued;

    public GroupCommitMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _changes = meter.CreateCounter<long>(Changes, unit: "{change}", description: "Callers' membership changes answered, by outcome.");
        _transactions = meter.CreateCounter<long>(Transactions, unit: "{transaction}", description: "Room transactions committed (head, member rows and events of one or more changes).");
        _changesPerTransaction = meter.CreateHistogram<int>(ChangesPerTransaction, unit: "{change}", description: "Callers' changes carried by each committed room transaction.");
        meter.CreateObservableGauge(Queued, () => Interlocked.Read(ref _queued), unit: "{change}", description: "Changes waiting for their room's next group commit.");
    }

    internal void CountChange(string outcome)
    {
        if (_changes.Enabled)
        {
            _changes.Add(1, new KeyValuePair<string, object?>("membership.outcome", outcome));
        }
    }

    internal void CountTransaction(int changes)
    {
        _transactions.Add(1);
        _changesPerTransaction.Record(changes);
    }

    internal void Enqueued(int count) => Interlocked.Add(ref _queued, count);
}
