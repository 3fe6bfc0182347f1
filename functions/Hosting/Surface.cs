namespace Membership.Functions.Hosting;

/// <summary>The service's faces, each with its own authentication, error envelope and telemetry tag.</summary>
internal enum Surface
{
    /// <summary>Matrix client-server (<c>/_matrix/client</c>): access tokens, <c>{errcode, error}</c>, CORS.</summary>
    Client,

    /// <summary>Matrix server-server and keys (<c>/_matrix/federation</c>, <c>/_matrix/key</c>): X-Matrix, <c>{errcode, error}</c>.</summary>
    Federation,

    /// <summary>Tencent Room Engine-style admin (<c>/v4</c>): UserSig, HTTP 200 with the Tencent envelope.</summary>
    Admin,

    /// <summary>The service's own pages (<c>/docs</c>, <c>/openapi</c>): Matrix-style errors.</summary>
    Service,
}

/// <summary>The one place a request's surface is decided: from the first segments of its route or path.</summary>
internal static class Surfaces
{
    public static Surface Of(string routeOrPath)
    {
        var path = routeOrPath.AsSpan().TrimStart('/');
        return path.StartsWith("v4/") || path.SequenceEqual("v4") ? Surface.Admin
            : path.StartsWith("_matrix/client/") || path.SequenceEqual("_matrix/client") ? Surface.Client
            : path.StartsWith("_matrix/") || path.SequenceEqual("_matrix") ? Surface.Federation
            : Surface.Service;
    }

    /// <summary>The telemetry tag and log value of a surface.</summary>
    public static string Tag(this Surface surface) => surface switch
    {
        Surface.Client => "client",
        Surface.Federation => "federation",
        Surface.Admin => "admin",
        _ => "service",
    };

    /// <summary>Errors in <c>{errcode, error}</c>, the Matrix shape, rather than the Tencent envelope.</summary>
    public static bool UsesMatrixErrors(this Surface surface) => surface != Surface.Admin;
}
