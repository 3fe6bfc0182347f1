using System.Collections;
using OpenTelemetry;
using OpenTelemetry.Logs;

namespace Membership.Functions.Hosting;

/// <summary>The log scope of a request; <see cref="RequestIdLogProcessor"/> lifts its RequestId onto exported records.</summary>
internal sealed class RequestScope(string requestId, string function, string? roomId, string? eventId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _items =
    [
        new("RequestId", requestId),
        new("Function", function),
        .. roomId is null ? Array.Empty<KeyValuePair<string, object?>>() : [new("RoomId", roomId)],
        .. eventId is null ? Array.Empty<KeyValuePair<string, object?>>() : [new("EventId", eventId)],
    ];

    public string RequestId { get; } = requestId;

    public int Count => _items.Length;

    public KeyValuePair<string, object?> this[int index] => _items[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(" ", _items.Select(i => $"{i.Key}:{i.Value}"));
}

/// <summary>
/// ASP.NET Core's own request scope also has a "RequestId" (its trace identifier), and Application Insights keeps the first
/// of two equal keys, the outer one; so the request's own RequestId is set on each exported record as an attribute, which
/// the exporter reads before any scope.
/// </summary>
internal sealed class RequestIdLogProcessor : BaseProcessor<LogRecord>
{
    public override void OnEnd(LogRecord data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var found = new StrongBox();
        data.ForEachScope(static (scope, box) => box.Value ??= scope.Scope as RequestScope, found);
        if (found.Value is not { } request || data.Attributes?.Any(a => a.Key == "RequestId") == true)
        {
            return;
        }

        data.Attributes = [.. data.Attributes ?? [], new("RequestId", request.RequestId)];
    }

    private sealed class StrongBox
    {
        public RequestScope? Value { get; set; }
    }
}
