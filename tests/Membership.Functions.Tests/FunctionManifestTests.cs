using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Membership.Functions.Docs;
using Membership.Functions.Hosting;
using Membership.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Functions.Tests;

/// <summary>
/// Each function is declared once, by its <c>[Function]</c> method and trigger attribute; everything else is derived
/// from that: the worker's <c>functions.metadata</c> (the Worker SDK), the function table (our generator) and from it
/// the standalone routes, the custom handler's <c>function.json</c> files and the OpenAPI paths. These prove the derived
/// sets equal, both ways, and that no route relies on the host's route order.
/// </summary>
public sealed partial class FunctionManifestTests
{
    [Fact]
    public void EveryFunctionIsDeclaredByAnAttributeInItsOwnFolder()
    {
        var declared = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "functions"), "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(p => FunctionAttribute().Matches(File.ReadAllText(p)).Select(m => (Name: m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value, Path: p)))
            .ToList();

        Assert.Equal(FunctionTable.Http.Select(f => f.Name).Concat(FunctionTable.Timers.Select(t => t.Name)).Order(StringComparer.Ordinal), declared.Select(d => d.Name).Order(StringComparer.Ordinal));
        foreach (var (name, path) in declared)
        {
            Assert.EndsWith($"{Path.DirectorySeparatorChar}{name}{Path.DirectorySeparatorChar}{name}.cs", path, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void NoFunctionJsonIsKeptInTheRepository()
    {
        var manifests = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "functions"), "function.json", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        Assert.Empty(manifests);
    }

    [Fact]
    public void WorkerMetadataListsEveryFunctionWithItsTrigger()
    {
        var metadata = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata")))!.AsArray();
        var fromMetadata = metadata.Select(f =>
        {
            var trigger = f!["bindings"]!.AsArray().Single(b => ((string)b!["type"]!).EndsWith("Trigger", StringComparison.Ordinal))!;
            return (string)trigger["type"]! == "httpTrigger"
                ? Http((string)f["name"]!, trigger["methods"]!.AsArray().Select(m => (string)m!), (string)trigger["route"]!, (string)trigger["authLevel"]!)
                : Timer((string)f["name"]!, (string)trigger["schedule"]!);
        });

        Assert.Equal(Table().Order(StringComparer.Ordinal), fromMetadata.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CustomHandlerManifestsAreDerivedFromTheDeclarations()
    {
        var directory = Directory.CreateTempSubdirectory("custom-handler-").FullName;
        try
        {
            CustomHandlerPackage.Write(directory, File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")));
            var written = Directory.EnumerateFiles(directory, "function.json", SearchOption.AllDirectories).Select(path =>
            {
                var name = new DirectoryInfo(Path.GetDirectoryName(path)!).Name;
                var trigger = JsonNode.Parse(File.ReadAllText(path))!["bindings"]!.AsArray().Single(b => ((string)b!["type"]!).EndsWith("Trigger", StringComparison.Ordinal))!;
                return (string)trigger["type"]! == "httpTrigger"
                    ? Http(name, trigger["methods"]!.AsArray().Select(m => (string)m!), (string)trigger["route"]!, (string)trigger["authLevel"]!)
                    : Timer(name, (string)trigger["schedule"]!);
            });
            Assert.Equal(Table().Order(StringComparer.Ordinal), written.Order(StringComparer.Ordinal));

            var host = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "host.json")))!;
            Assert.Equal("membership", (string?)host["customHandler"]!["description"]!["defaultExecutablePath"]);
            Assert.True((bool?)host["customHandler"]!["enableProxyingHttpRequest"]);
            Assert.Equal(string.Empty, (string?)host["extensions"]!["http"]!["routePrefix"]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task StandaloneHostMapsExactlyTheDeclaredFunctions()
    {
        // Building the app maps the routes without starting a server or touching storage.
        await using var app = MembershipApp.Build(["--urls", "http://127.0.0.1:0"]);
        var mapped = ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>() is not null)
            .Select(e => (Name: e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName, Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [], Route: e.RoutePattern.RawText!.TrimStart('/')))
            .ToList();

        var http = FunctionTable.Http.Select(f => $"{f.Name} {string.Join(',', f.Methods)} {f.Route}");
        var timers = FunctionTable.Timers.Select(t => $"{t.Name} POST {t.Name}");
        Assert.Equal(http.Concat(timers).Order(StringComparer.Ordinal), mapped.Select(m => $"{m.Name} {string.Join(',', m.Methods)} {m.Route}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task OpenApiDocumentHasAnOperationForEveryFunctionAndNothingElse()
    {
        var document = JsonNode.Parse(await ApiDocument.BuildAsync(FunctionTable.Http))!;
        var operations = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => (string)o.Value!["operationId"]! + " " + o.Key.ToUpperInvariant() + " " + p.Key))
            .Order(StringComparer.Ordinal);

        var expected = FunctionTable.Http
            .SelectMany(f => f.Methods.Where(m => m is not ("OPTIONS" or "HEAD")).Select(m => $"{f.Name} {m} {OpenApiPath(f.Pattern)}"))
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, operations);
    }

    [Fact]
    public void EveryPathIsTakenByOneFunctionOnlySoHostRouteOrderCannotMatter()
    {
        // The Functions host tries routes in the order it loads functions, not the most specific first.
        foreach (var function in FunctionTable.Http)
        {
            var sample = "/" + string.Join('/', function.Pattern.PathSegments.Select(Sample));
            foreach (var method in function.Methods)
            {
                var takers = FunctionRoutes.Matching(sample).Where(f => f.Methods.Contains(method)).Select(f => f.Name).ToList();
                Assert.True(takers is [var only] && only == function.Name, $"{method} {sample} is taken by {string.Join(", ", takers)}");
            }
        }
    }

    [Fact]
    public async Task EveryFunctionsServicesAreRegistered()
    {
        await using var app = MembershipApp.Build(["--urls", "http://127.0.0.1:0"]);
        var registered = app.Services.GetRequiredService<IServiceProviderIsService>();
        foreach (var function in FunctionTable.Http)
        {
            var type = function.Method.DeclaringType!;
            foreach (var parameter in type.GetConstructors().Single().GetParameters())
            {
                Assert.True(registered.IsService(parameter.ParameterType), $"{function.Name} needs {parameter.ParameterType.Name}, which is not registered");
            }
        }
    }

    [Fact]
    public void WorkerHostJsonHasNoRoutePrefixNoBundleAndNoCustomHandler()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")))!;
        Assert.Equal("2.0", (string?)host["version"]);
        Assert.Equal(string.Empty, (string?)host["extensions"]!["http"]!["routePrefix"]);

        // A bundle makes an isolated app load no functions; customHandler would make the host start us as a custom handler.
        Assert.Null(host["extensionBundle"]);
        Assert.Null(host["customHandler"]);
    }

    private static IEnumerable<string> Table() =>
        FunctionTable.Http.Select(f => Http(f.Name, f.Methods, f.Route, "anonymous"))
            .Concat(FunctionTable.Timers.Select(t => Timer(t.Name, t.Schedule)));

    private static string Http(string name, IEnumerable<string> methods, string route, string authLevel) =>
        $"{name} http {authLevel.ToLowerInvariant()} {string.Join(',', methods.Select(m => m.ToUpperInvariant()).Order(StringComparer.Ordinal))} {route}";

    private static string Timer(string name, string schedule) => $"{name} timer {schedule}";

    /// <summary>The route as OpenAPI writes a path: parameters without their constraints or optional marks.</summary>
    private static string OpenApiPath(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            _ => string.Empty,
        }))));

    /// <summary>A value for a route segment that its constraints accept.</summary>
    private static string Sample(RoutePatternPathSegment segment) => string.Concat(segment.Parts.Select(part => part switch
    {
        RoutePatternLiteralPart literal => literal.Content,
        RoutePatternParameterPart { IsCatchAll: true } => "a/b",
        RoutePatternParameterPart parameter => Candidates.First(c => parameter.ParameterPolicies.All(p => p.Content is not { } content || !content.StartsWith("regex(", StringComparison.Ordinal) || Regex.IsMatch(c, content[6..^1], RegexOptions.IgnoreCase))),
        _ => string.Empty,
    }));

    private static readonly string[] Candidates = ["x1", "v3", "join"];

    [GeneratedRegex("""^\s*\[Function\((?:nameof\((\w+)\)|"(\w+)")\)\]""", RegexOptions.Multiline)]
    private static partial Regex FunctionAttribute();
}
