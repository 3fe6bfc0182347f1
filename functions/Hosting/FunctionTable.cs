using System.Collections.Frozen;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Membership.Functions.Hosting;

/// <summary>
/// Every function of the app, as its <c>[Function]</c> declaration says: written at compile time by
/// FunctionTableGenerator (shared/Membership.Functions.Generators), so routes and methods are written once, in the
/// trigger attributes. The standalone and custom-handler hosts map this table; the Functions host reads the same
/// declarations from <c>functions.metadata</c> (worker) or the generated <c>function.json</c> files (custom handler).
/// </summary>
internal static partial class FunctionTable
{
    public static IReadOnlyList<HttpFunction> Http { get; } = CreateHttp();

    public static IReadOnlyList<TimerFunction> Timers { get; } = CreateTimers();

    private static readonly FrozenDictionary<string, HttpFunction> ByName =
        Http.ToFrozenDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The HTTP function called <paramref name="name"/> (the worker names the function it invokes).</summary>
    public static HttpFunction? Find(string name) => ByName.GetValueOrDefault(name);

    private static partial IReadOnlyList<HttpFunction> CreateHttp();

    private static partial IReadOnlyList<TimerFunction> CreateTimers();
}

/// <summary>One HTTP-triggered function: its declaration, and how to call it without the worker's reflection.</summary>
/// <param name="Name">The function's name (<c>[Function("Name")]</c>), also its OpenAPI operation ID.</param>
/// <param name="Methods">Upper-case HTTP methods of its trigger.</param>
/// <param name="Route">The trigger's route template (no leading slash; host.json's routePrefix is empty).</param>
/// <param name="Summary">The function class's XML summary.</param>
/// <param name="Description">The function class's XML remarks.</param>
/// <param name="RequestBody">The type its request body is read as, when it reads one.</param>
/// <param name="FindMethod">Finds its method by reflection (only the OpenAPI document needs it, so never at start-up).</param>
/// <param name="Invoke">Builds the function's class from the services and runs it.</param>
/// <param name="Describe">Adds its result type's response metadata (status, schema) to an endpoint.</param>
internal sealed record HttpFunction(
    string Name,
    IReadOnlyList<string> Methods,
    string Route,
    string? Summary,
    string? Description,
    Type? RequestBody,
    Func<System.Reflection.MethodInfo> FindMethod,
    Func<IServiceProvider, HttpRequest, Task<IResult>> Invoke,
    Action<EndpointBuilder> Describe)
{
    /// <summary>The surface, decided once from the route (<see cref="Surfaces.Of(string)"/>).</summary>
    public Surface Surface { get; } = Surfaces.Of(Route);

    public RoutePattern Pattern { get; } = RoutePatternFactory.Parse(Route);

    /// <summary>The function's method: the API explorer describes an operation by it.</summary>
    public System.Reflection.MethodInfo Method => FindMethod();
}

/// <summary>One timer-triggered function.</summary>
/// <param name="Name">The function's name.</param>
/// <param name="Schedule">Its NCRONTAB schedule (six fields, seconds first).</param>
/// <param name="Invoke">Builds the function's class from the services and runs it once.</param>
internal sealed record TimerFunction(string Name, string Schedule, Func<IServiceProvider, CancellationToken, Task> Invoke);
