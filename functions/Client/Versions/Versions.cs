using System.Text.Json.Nodes;
using Membership.Functions.Hosting;

namespace Membership.Functions.Client.Versions;

/// <summary>The client-server API versions this server speaks.</summary>
/// <remarks>No authentication.</remarks>
internal sealed class Versions
{
    private static readonly VersionsReply Reply = new(["r0.0.1", "r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11"], []);

    [Function(nameof(Versions))]
    public Task<MatrixJson<VersionsReply>> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = "_matrix/client/versions")] HttpRequest req) =>
        Task.FromResult(MatrixJson.Of(Reply));
}

internal sealed record VersionsReply(IReadOnlyList<string> Versions, JsonObject UnstableFeatures);
