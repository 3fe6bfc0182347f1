using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.HostDouble.Tests;

public sealed class RouteTableTests : IDisposable
{
    // Routes resolve their loggers from the request services, as in the double's server.
    private readonly ServiceProvider _services = new ServiceCollection().AddLogging().AddRouting().BuildServiceProvider();

    [Fact]
    public async Task TheFirstFunctionInLoadOrderWinsAndTheOthersAreReported()
    {
        var table = Table(Http("Action", "rooms/{roomId}/{action}"), Http("Hello", "rooms/{roomId}/hello"));

        var match = await table.MatchAsync(Request("GET", "/rooms/abc/hello"));

        Assert.Equal("Action", match!.Function.Name);
        Assert.Equal(["Hello"], match.AlsoMatched);
        Assert.Equal("hello", match.Values["action"]);
    }

    [Fact]
    public async Task AMethodTheFunctionDoesNotAcceptIsNoMatch()
    {
        var table = Table(Http("Get", "things/{id}", "GET"));

        Assert.Null(await table.MatchAsync(Request("POST", "/things/1")));
        Assert.NotNull(await table.MatchAsync(Request("get", "/things/1")));
    }

    [Fact]
    public async Task AFunctionWithoutMethodsAcceptsAny() =>
        Assert.NotNull(await Table(Http("Any", "things")).MatchAsync(Request("PATCH", "/things")));

    [Fact]
    public async Task AnUnknownPathIsNoMatch() =>
        Assert.Null(await Table(Http("Hello", "rooms/{roomId}/hello")).MatchAsync(Request("GET", "/rooms/abc/bye")));

    [Fact]
    public async Task LiteralSegmentsMatchWithoutRegardToCase() =>
        Assert.NotNull(await Table(Http("Hello", "rooms/{roomId}/hello")).MatchAsync(Request("GET", "/Rooms/abc/HELLO")));

    [Theory]
    [InlineData("/_matrix/client/v3/rooms/!r:x/state/m.room.name", true)]
    [InlineData("/_matrix/client/r0/rooms/!r:x/state/m.room.name", true)]
    [InlineData("/_matrix/client/v2/rooms/!r:x/state/m.room.name", false)]
    [InlineData("/_matrix/client/v3x/rooms/!r:x/state/m.room.name", false)]
    public async Task InlineRegexConstraintsApply(string path, bool matches)
    {
        var table = Table(Http("State", "_matrix/client/{version:regex(^(v3|r0)$)}/rooms/{roomId}/state/{eventType}/{stateKey?}"));
        Assert.Equal(matches, await table.MatchAsync(Request("GET", path)) is not null);
    }

    [Fact]
    public async Task AnAbsentOptionalSegmentGivesNoRouteValueAndDecodedValuesComeThrough()
    {
        var table = Table(Http("State", "rooms/{roomId}/state/{eventType}/{stateKey?}"));

        var without = await table.MatchAsync(Request("GET", "/rooms/!r:x/state/m.room.name"));
        var with = await table.MatchAsync(Request("GET", "/rooms/!r:x/state/m.room.member/@a:x"));

        Assert.False(without!.Values.ContainsKey("stateKey"));
        Assert.Equal(("!r:x", "@a:x"), (with!.Values["roomId"], with.Values["stateKey"]));
    }

    [Fact]
    public async Task TimerFunctionsAreNotRouted()
    {
        var table = Table(new LoadedFunction("Sweep", "id", "timerTrigger", "timer", null, [], null));
        Assert.Null(await table.MatchAsync(Request("GET", "/Sweep")));
    }

    public void Dispose() => _services.Dispose();

    private static LoadedFunction Http(string name, string route, params string[] methods) =>
        new(name, name + "-id", "httpTrigger", "req", route, methods, "Anonymous");

    private RouteTable Table(params LoadedFunction[] functions) => new(functions, _services.GetRequiredService<IInlineConstraintResolver>());

    private DefaultHttpContext Request(string method, string decodedPath)
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        context.Request.Method = method;
        context.Request.Path = new PathString(decodedPath);
        return context;
    }
}
