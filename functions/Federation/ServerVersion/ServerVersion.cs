using System.Reflection;
using System.Text.Json.Nodes;
using Membership.Functions.Client;

namespace Membership.Functions.Federation.ServerVersion;

/// <summary>GET /_matrix/federation/v1/version — the implementation's name and version (unauthenticated, as in the spec).</summary>
internal static class ServerVersion
{
    private static readonly string Version =
        typeof(ServerVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static Task Handle(HttpContext http) =>
        ClientJson.WriteAsync(http, new JsonObject { ["server"] = new JsonObject { ["name"] = "membership", ["version"] = Version } });
}
