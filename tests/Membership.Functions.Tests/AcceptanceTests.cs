using System.Text.Json.Nodes;
using Membership.Testing;

namespace Membership.Functions.Tests;

/// <summary>
/// A real Matrix client, matrix-js-sdk (npm, installed at the repository root), drives the running service with
/// access tokens from the admin command issue_token. The script is <c>node/acceptance.mjs</c>, run from its place in
/// the checkout (ESM resolves <c>matrix-js-sdk</c> from the folders above it); it uses only the SDK's own request
/// methods, without <c>startClient()</c> (the service has no /sync).
/// </summary>
public sealed class AcceptanceTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    private static readonly string Script = Path.Combine(RepoPaths.Root, "tests", "Membership.Functions.Tests", "node", "acceptance.mjs");

    private static readonly string[] ExpectedChecks =
    [
        "whoami",
        "whoami bob",
        "createRoom",
        "joined_members after create",
        "joinRoom",
        "joined_members after join",
        "members invite",
        "members kick",
        "members ban",
        "joined_rooms bob banned",
        "join while banned refused",
        "members unban",
        "rejoin",
        "joined_rooms bob joined",
        "members final",
        "members membership=join",
        "members not_membership=leave",
        "joined_members final",
        "joined_rooms bob after leave",
        "joined_rooms alice",
        "joined_rooms carol",
    ];

    [Fact]
    public async Task MatrixJsSdkDrivesMembershipLifecycle()
    {
        var baseUrl = fixture.BaseAddress.ToString().TrimEnd('/');

        var (exitCode, stdout, stderr) = await NodeScript.RunAsync(Script, [baseUrl], timeout: TimeSpan.FromSeconds(120));

        var failure = $"node exited {exitCode}\nstdout:\n{stdout}\nstderr:\n{stderr}";
        Assert.True(exitCode == 0, failure);
        var summaryLine = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        Assert.False(summaryLine is null, failure);
        var summary = JsonNode.Parse(summaryLine)!.AsObject();
        Assert.True((bool?)summary["ok"] == true, failure);
        Assert.StartsWith("!", (string?)summary["roomId"], StringComparison.Ordinal);
        Assert.Equal(ExpectedChecks, summary["checks"]!.AsArray().Select(c => (string)c!).ToArray());
    }
}
