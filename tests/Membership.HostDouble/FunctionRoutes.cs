using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Constraints;

namespace Membership.HostDouble;

/// <summary>What the host reads from a function's metadata and from host.json to route HTTP to it.</summary>
internal static class FunctionMetadataReader
{
    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>
    /// The function's trigger from its raw bindings (function.json objects). An HTTP trigger's route defaults to the
    /// function name and is put under the route prefix as the host does (<c>prefix/route</c>, or the route alone when the
    /// prefix is empty).
    /// </summary>
    public static LoadedFunction Read(string name, string functionId, IEnumerable<string> rawBindings, string routePrefix)
    {
        foreach (var raw in rawBindings)
        {
            using var binding = JsonDocument.Parse(raw, Lenient);
            var root = binding.RootElement;
            var type = Text(root, "type");
            if (type is null || !type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var bindingName = Text(root, "name") ?? throw new InvalidDataException($"function {name}: its trigger binding has no name");
            if (!string.Equals(type, "httpTrigger", StringComparison.OrdinalIgnoreCase))
            {
                return new LoadedFunction(name, functionId, type, bindingName, null, [], null);
            }

            var route = Text(root, "route");
            route = string.IsNullOrEmpty(route) ? name : route;
            route = string.IsNullOrEmpty(routePrefix) ? route : routePrefix + "/" + route;
            List<string> methods = [];
            if (Property(root, "methods") is { ValueKind: JsonValueKind.Array } list)
            {
                methods.AddRange(list.EnumerateArray().Select(m => m.GetString()).OfType<string>().Select(m => m.ToUpperInvariant()));
            }

            return new LoadedFunction(name, functionId, type, bindingName, route, methods, Text(root, "authLevel"));
        }

        throw new InvalidDataException($"function {name} has no trigger binding");
    }

    /// <summary><c>extensions.http.routePrefix</c> from the app's host.json; the host's default is <c>api</c>.</summary>
    public static string RoutePrefix(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(path))
        {
            return "api";
        }

        using var hostJson = JsonDocument.Parse(File.ReadAllText(path), Lenient);
        var prefix = Property(hostJson.RootElement, "extensions") is { } extensions && Property(extensions, "http") is { } http
            ? Text(http, "routePrefix")
            : null;
        return prefix?.Trim('/') ?? "api";
    }

    // Property names are matched without regard to case, as the host's configuration binding does.
    private static JsonElement? Property(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static string? Text(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
}

/// <summary>A request matched to a function, with its route values.</summary>
internal sealed record RouteMatch(LoadedFunction Function, RouteValueDictionary Values, IReadOnlyList<string> AlsoMatched);

/// <summary>
/// The host's HTTP routing: one ASP.NET Core (pre-endpoint) <see cref="Route"/> per HTTP function, built as the host's
/// WebJobs router builds them (inline constraints resolved by the routing services, an <see cref="HttpMethodRouteConstraint"/>
/// when the function lists methods), tried in load order, the first match wins. A method the function does not accept is
/// no match, so it ends in a 404 like an unknown path, not a 405.
/// </summary>
internal sealed class RouteTable
{
    private readonly List<(LoadedFunction Function, Route Route)> _routes = [];

    public RouteTable(IEnumerable<LoadedFunction> functions, IInlineConstraintResolver constraintResolver)
    {
        foreach (var function in functions.Where(f => f.IsHttp))
        {
            var constraints = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
            if (function.Methods.Count > 0)
            {
                constraints["httpMethod"] = new HttpMethodRouteConstraint([.. function.Methods]);
            }

            _routes.Add((function, new Route(MatchTarget.Instance, function.Name, function.Route, null, constraints, null, constraintResolver)));
        }
    }

    public async Task<RouteMatch?> MatchAsync(HttpContext context)
    {
        RouteMatch? first = null;
        List<string> others = [];
        foreach (var (function, route) in _routes)
        {
            var attempt = new RouteContext(context);
            await route.RouteAsync(attempt);
            if (attempt.Handler is null)
            {
                continue;
            }

            if (first is null)
            {
                first = new RouteMatch(function, attempt.RouteData.Values, others);
            }
            else
            {
                others.Add(function.Name);
            }
        }

        return first;
    }

    /// <summary>Marks a match; the front door does the work itself.</summary>
    private sealed class MatchTarget : IRouter
    {
        public static readonly MatchTarget Instance = new();

        private static readonly RequestDelegate Matched = _ => Task.CompletedTask;

        public Task RouteAsync(RouteContext context)
        {
            context.Handler = Matched;
            return Task.CompletedTask;
        }

        public VirtualPathData? GetVirtualPath(VirtualPathContext context) => null;
    }
}
