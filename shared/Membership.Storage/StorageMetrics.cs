using Azure.Core;
using Azure.Core.Pipeline;

namespace Membership.Storage;

/// <summary>
/// Counts storage round trips (every HTTP request the Azure SDK sends, retries included) and 412 conflicts. The
/// benchmark and tests read it to prove "one read and one transaction per change".
/// </summary>
public sealed class StorageMetrics
{
    private long _requests;
    private long _conflicts;

    public long Requests => Interlocked.Read(ref _requests);

    public long Conflicts => Interlocked.Read(ref _conflicts);

    internal void CountConflict() => Interlocked.Increment(ref _conflicts);

    internal HttpPipelinePolicy CreatePolicy() => new CountingPolicy(this);

    private sealed class CountingPolicy(StorageMetrics metrics) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref metrics._requests);
    }
}
