using System.Text.Json.Nodes;

namespace Membership.Functions.Client.Versions;

/// <summary>GET /_matrix/client/versions</summary>
internal static class Versions
{
    public static Task Handle(HttpContext http) => ClientJson.WriteAsync(http, new JsonObject
    {
        ["versions"] = new JsonArray("r0.0.1", "r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11"),
        ["unstable_features"] = new JsonObject(),
    });
}
