using System.Reflection;
using Membership.Functions.Hosting;

namespace Membership.Functions.Federation.ServerVersion;

/// <summary>The implementation's name and version.</summary>
/// <remarks>Unauthenticated, as in the spec.</remarks>
internal sealed class ServerVersion
{
    private static readonly ServerVersionReply Reply = new(new ServerSoftware(
        "membership",
        typeof(ServerVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0"));

    [Function(nameof(ServerVersion))]
    public Task<MatrixJson<ServerVersionReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = "_matrix/federation/v1/version")] HttpRequest req) =>
        Task.FromResult(MatrixJson.Of(Reply));
}

internal sealed record ServerVersionReply(ServerSoftware Server);

internal sealed record ServerSoftware(string Name, string Version);
