using System.Text.Json.Nodes;
using Membership.Functions.Hosting;
using Membership.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Functions.Tests;

/// <summary>
/// The Functions host sees one HTTP-triggered function per <c>function.json</c>; the app serves what it maps. Since
/// <c>func</c> cannot run here, this proves the two agree: no function without an endpoint, no endpoint without a function.
/// </summary>
public sealed class FunctionManifestTests
{
    [Fact]
    public async Task EveryFunctionManifestMatchesAnEndpointAndEveryEndpointHasOne()
    {
        var manifests = Manifests().ToList();
        var endpoints = await MappedEndpointsAsync();

        Assert.NotEmpty(manifests);
        Assert.Equal(endpoints.OrderBy(e => e), manifests.Select(m => m.Key).OrderBy(k => k));
    }

    [Fact]
    public void EveryFunctionFolderIsNamedAfterItsCodeAndUsesAnonymousHttp()
    {
        foreach (var path in ManifestPaths())
        {
            var folder = new DirectoryInfo(Path.GetDirectoryName(path)!);
            Assert.True(File.Exists(Path.Combine(folder.FullName, folder.Name + ".cs")), $"{folder.Name} has no {folder.Name}.cs beside its function.json");
            var bindings = JsonNode.Parse(File.ReadAllText(path))!["bindings"]!.AsArray();
            if (!IsHttp(bindings))
            {
                // A non-HTTP trigger (the webhook sweep's timer): one input trigger binding, no HTTP output.
                Assert.Single(bindings, b => ((string?)b!["type"])!.EndsWith("Trigger", StringComparison.Ordinal) && (string?)b["direction"] == "in");
                continue;
            }

            var trigger = bindings.Single(b => (string?)b!["type"] == "httpTrigger")!;
            Assert.Equal("anonymous", (string?)trigger["authLevel"]);
            Assert.Equal("in", (string?)trigger["direction"]);
            Assert.Contains(bindings, b => (string?)b!["type"] == "http" && (string?)b["direction"] == "out");
        }
    }

    [Fact]
    public void HostJsonProxiesToTheCustomHandlerWithNoRoutePrefix()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")))!;
        Assert.Equal("2.0", (string?)host["version"]);
        Assert.True((bool?)host["customHandler"]!["enableProxyingHttpRequest"]);
        Assert.Equal("membership", (string?)host["customHandler"]!["description"]!["defaultExecutablePath"]);
        Assert.Equal(string.Empty, (string?)host["extensions"]!["http"]!["routePrefix"]);
    }

    private static IEnumerable<string> ManifestPaths() =>
        Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "functions"), "function.json", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    /// <summary>
    /// "METHOD route" for every method of every manifest. A non-HTTP function (a timer) is invoked by the Functions host
    /// as <c>POST /{functionName}</c> with the invocation envelope, so it counts as "POST {FolderName}".
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string>> Manifests()
    {
        foreach (var path in ManifestPaths())
        {
            var bindings = JsonNode.Parse(File.ReadAllText(path))!["bindings"]!.AsArray();
            if (!IsHttp(bindings))
            {
                yield return new($"POST {new DirectoryInfo(Path.GetDirectoryName(path)!).Name}", path);
                continue;
            }

            var trigger = bindings.Single(b => (string?)b!["type"] == "httpTrigger")!;
            foreach (var method in trigger["methods"]!.AsArray())
            {
                yield return new($"{((string)method!).ToUpperInvariant()} {(string)trigger["route"]!}", path);
            }
        }
    }

    private static bool IsHttp(JsonArray bindings) => bindings.Any(b => (string?)b!["type"] == "httpTrigger");

    private static async Task<List<string>> MappedEndpointsAsync()
    {
        // Building the app maps the routes without starting a server or touching storage.
        await using var app = MembershipApp.Build(["--urls", "http://127.0.0.1:0"]);
        var sources = ((IEndpointRouteBuilder)app).DataSources;
        return [.. sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText!.TrimStart('/')}"))];
    }
}
