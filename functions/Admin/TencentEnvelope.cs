namespace Membership.Functions.Admin;

/// <summary>The Tencent envelope's request ID: unique per request, answered in the envelope and written to the request's log scope.</summary>
internal static class TencentEnvelope
{
    public const string RequestIdItem = "Tencent.RequestId";

    private static long s_sequence;

    public static string RequestIdOf(HttpContext http)
    {
        if (http.Items[RequestIdItem] is string id)
        {
            return id;
        }

        id = $"Id-{Guid.NewGuid():N}-O-Seq-{Interlocked.Increment(ref s_sequence)}";
        http.Items[RequestIdItem] = id;
        return id;
    }
}
