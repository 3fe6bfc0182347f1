namespace Membership.HostDouble.Tests;

public sealed class FunctionMetadataReaderTests : IDisposable
{
    private readonly string _app = Directory.CreateTempSubdirectory("hostdouble-").FullName;

    [Fact]
    public void AnHttpTriggerGivesItsRouteUnderThePrefixItsMethodsAndAuthLevel()
    {
        var function = FunctionMetadataReader.Read("Hello", "id-1", [Http("""["get","post"]""", "\"rooms/{roomId}/hello\"")], "api");

        Assert.Equal(new LoadedFunction("Hello", "id-1", "httpTrigger", "req", "api/rooms/{roomId}/hello", function.Methods, "Anonymous"), function);
        Assert.Equal(["GET", "POST"], function.Methods);
        Assert.True(function.IsHttp);
    }

    [Fact]
    public void AnEmptyPrefixLeavesTheRouteAlone() =>
        Assert.Equal("rooms/{roomId}", FunctionMetadataReader.Read("F", "id", [Http("[\"get\"]", "\"rooms/{roomId}\"")], string.Empty).Route);

    [Fact]
    public void AnHttpTriggerWithoutRouteIsRoutedByItsFunctionName() =>
        Assert.Equal("api/Hello", FunctionMetadataReader.Read("Hello", "id", [Http("[\"get\"]", "null")], "api").Route);

    [Fact]
    public void AnHttpTriggerWithoutMethodsAcceptsAny() =>
        Assert.Empty(FunctionMetadataReader.Read("F", "id", [Http("null", "\"x\"")], string.Empty).Methods);

    [Fact]
    public void ATimerTriggerGivesItsBindingNameAndNoRoute()
    {
        string[] bindings =
        [
            """{"name":"$return","direction":"Out","type":"http"}""",
            """{"name":"myTimer","direction":"In","type":"timerTrigger","schedule":"0 */5 * * * *","properties":{}}""",
        ];
        var function = FunctionMetadataReader.Read("Sweep", "id", bindings, "api");

        Assert.Equal(("timerTrigger", "myTimer", (string?)null), (function.TriggerType, function.TriggerBinding, function.Route));
        Assert.True(function.IsTimer);
    }

    [Fact]
    public void AFunctionWithoutATriggerIsRefused() =>
        Assert.Throws<InvalidDataException>(() => FunctionMetadataReader.Read("F", "id", ["""{"name":"out","type":"queue","direction":"Out"}"""], "api"));

    [Fact]
    public void WithoutHostJsonThePrefixIsApi() => Assert.Equal("api", FunctionMetadataReader.RoutePrefix(_app));

    [Theory]
    [InlineData("""{ "version": "2.0", "extensions": { "http": { "routePrefix": "" } } }""", "")]
    [InlineData("""{ "extensions": { "http": { "routePrefix": "/v1/" } } }""", "v1")]
    [InlineData("""{ "Extensions": { "HTTP": { "RoutePrefix": "x" } } }""", "x")]
    [InlineData("""{ "version": "2.0", /* comment */ "extensions": { "http": { "routePrefix": "", }, }, }""", "")]
    [InlineData("""{ "version": "2.0" }""", "api")]
    [InlineData("""{ "extensions": { "queues": {} } }""", "api")]
    public void HostJsonGivesThePrefix(string hostJson, string prefix)
    {
        File.WriteAllText(Path.Combine(_app, "host.json"), hostJson);
        Assert.Equal(prefix, FunctionMetadataReader.RoutePrefix(_app));
    }

    public void Dispose() => Directory.Delete(_app, recursive: true);

    private static string Http(string methods, string route) =>
        $$$"""{"name":"req","direction":"In","type":"httpTrigger","authLevel":"Anonymous","methods":{{{methods}}},"route":{{{route}}},"properties":{}}""";
}
