using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using static Membership.Functions.Tests.ClientCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// What every client-server request goes through: versions and whoami, access tokens, routing of unknown paths and
/// wrong methods, body parsing and its limits, CORS, and the r0 and api/v1 prefixes.
/// </summary>
public sealed class RequestHandlingTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task VersionsNeedsNoTokenAndListsV3AndR0Versions()
    {
        var response = await fixture.GetAsync("/_matrix/client/versions", null);

        AssertOk(response);
        var versions = response.Body!["versions"]!.AsArray().Select(v => (string)v!).ToList();
        Assert.Contains("v1.1", versions);
        Assert.Contains("r0.6.1", versions);
        Assert.NotNull(response.Body["unstable_features"] as JsonObject);
    }

    [Fact]
    public async Task WhoAmIAnswersTheTokensUser()
    {
        var alice = await fixture.NewUserAsync("alice");

        var response = await fixture.GetAsync($"{V3}/account/whoami", alice);

        AssertOk(response);
        Assert.Equal(alice.UserId, (string?)response.Body!["user_id"]);
        Assert.False((bool)response.Body["is_guest"]!);
    }

    // ---- access tokens ----

    [Theory]
    [InlineData("GET", "/account/whoami")]
    [InlineData("POST", "/createRoom")]
    [InlineData("POST", "/rooms/!r:localhost/join")]
    [InlineData("POST", "/join/!r:localhost")]
    [InlineData("POST", "/knock/!r:localhost")]
    [InlineData("POST", "/rooms/!r:localhost/invite")]
    [InlineData("POST", "/rooms/!r:localhost/kick")]
    [InlineData("POST", "/rooms/!r:localhost/ban")]
    [InlineData("POST", "/rooms/!r:localhost/unban")]
    [InlineData("POST", "/rooms/!r:localhost/leave")]
    [InlineData("POST", "/rooms/!r:localhost/forget")]
    [InlineData("GET", "/rooms/!r:localhost/members")]
    [InlineData("GET", "/rooms/!r:localhost/joined_members")]
    [InlineData("GET", "/joined_rooms")]
    [InlineData("GET", "/rooms/!r:localhost/state/m.room.member/@a:localhost")]
    [InlineData("PUT", "/rooms/!r:localhost/state/m.room.join_rules/")]
    public async Task EveryAuthenticatedEndpointRefusesAMissingToken(string method, string path)
    {
        AssertError(await fixture.SendAsync(new HttpMethod(method), V3 + path, null, "{}"), 401, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task AnUnknownTokenIsUnknownToken()
    {
        var stranger = new TestUser("@nobody:localhost", "mst_not-a-real-token");

        AssertError(await fixture.GetAsync($"{V3}/account/whoami", stranger), 401, "M_UNKNOWN_TOKEN");
        AssertError(await fixture.PostAsync($"{V3}/createRoom", stranger), 401, "M_UNKNOWN_TOKEN");
        AssertError(await fixture.SendRawAsync(HttpMethod.Get, $"{V3}/account/whoami?access_token=mst_wrong"), 401, "M_UNKNOWN_TOKEN");
    }

    [Fact]
    public async Task TheAccessTokenQueryParameterAuthenticates()
    {
        var alice = await fixture.NewUserAsync("alice");

        var whoami = await fixture.GetAsync($"{V3}/account/whoami?access_token={Uri.EscapeDataString(alice.Token)}", null);
        var created = await fixture.PostAsync($"{V3}/createRoom?access_token={Uri.EscapeDataString(alice.Token)}", null);

        AssertOk(whoami);
        Assert.Equal(alice.UserId, (string?)whoami.Body!["user_id"]);
        AssertOk(created);
    }

    [Fact]
    public async Task ATokenInBothTheHeaderAndTheQueryIsRefused()
    {
        var alice = await fixture.NewUserAsync("alice");

        var response = await fixture.GetAsync($"{V3}/account/whoami?access_token={Uri.EscapeDataString(alice.Token)}", alice);

        AssertError(response, 401, "M_MISSING_TOKEN");
    }

    [Fact]
    public async Task NonBearerOrRepeatedAuthorizationIsRefused()
    {
        var alice = await fixture.NewUserAsync("alice");

        AssertError(
            await fixture.SendRawAsync(HttpMethod.Get, $"{V3}/account/whoami", headers: h => h.Authorization = new AuthenticationHeaderValue("Basic", alice.Token)),
            401,
            "M_MISSING_TOKEN");

        // Two Authorization header lines (HttpClient would join them into one, so write the request by hand).
        var (status, text) = await RawHttpAsync(
            $"GET {V3}/account/whoami HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {alice.Token}\r\nAuthorization: Bearer {alice.Token}\r\nConnection: close\r\n\r\n");
        Assert.Equal(401, status);
        Assert.Contains("\"M_MISSING_TOKEN\"", text, StringComparison.Ordinal);
        AssertError(
            await fixture.SendRawAsync(HttpMethod.Get, $"{V3}/account/whoami?access_token="),
            401,
            "M_MISSING_TOKEN");
    }

    // ---- routing ----

    [Theory]
    [InlineData("GET", "/_matrix/client/unknown")]
    [InlineData("GET", "/_matrix/client/v1/unknown")]
    [InlineData("GET", "/_matrix/client/v3/room/unknown")]
    [InlineData("POST", "/_matrix/client/v4/createRoom")]
    [InlineData("POST", "/_matrix/client/v3/rooms/!r:localhost/dance")]
    [InlineData("GET", "/_matrix/nothing")]
    public async Task AnUnknownPathIsUnrecognized404(string method, string path)
    {
        AssertError(await fixture.SendAsync(new HttpMethod(method), path), 404, "M_UNRECOGNIZED");
    }

    [Theory]
    [InlineData("GET", "/_matrix/client/v3/createRoom")]
    [InlineData("PUT", "/_matrix/client/v3/account/whoami")]
    [InlineData("GET", "/_matrix/client/v3/rooms/!r:localhost/join")]
    [InlineData("DELETE", "/_matrix/client/v3/rooms/!r:localhost/members")]
    [InlineData("POST", "/_matrix/client/versions")]
    [InlineData("POST", "/_matrix/client/v3/rooms/!r:localhost/state/m.room.member/@a:localhost")]
    public async Task AWrongMethodOnAKnownPathIsUnrecognized405(string method, string path)
    {
        AssertError(await fixture.SendAsync(new HttpMethod(method), path, null, "{}"), 405, "M_UNRECOGNIZED");
    }

    // ---- bodies ----

    [Theory]
    [InlineData("{")]
    [InlineData("{\"user_id\":}")]
    [InlineData("nonsense")]
    [InlineData("{\"a\":1}{\"b\":2}")]
    [InlineData("{'user_id':'@bob:localhost'}")]
    public async Task InvalidJsonIsNotJson(string body)
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);

        AssertError(await fixture.SendAsync(HttpMethod.Post, Room(room, "/invite"), alice, body), 400, "M_NOT_JSON");
        AssertError(await fixture.SendAsync(HttpMethod.Post, Room(room, "/join"), alice, body), 400, "M_NOT_JSON");
        AssertError(await fixture.SendAsync(HttpMethod.Post, $"{V3}/createRoom", alice, body), 400, "M_NOT_JSON");
    }

    [Fact]
    public async Task InvalidUtf8InsideJsonIsNotJson()
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);
        byte[] Body(string key) => [.. Encoding.ASCII.GetBytes($"{{\"{key}\":\"a"), 0xFF, 0xFE, .. Encoding.ASCII.GetBytes("\"}")];
        void Bearer(HttpRequestHeaders h) => h.Authorization = new AuthenticationHeaderValue("Bearer", alice.Token);

        // A field the endpoint reads, a field it ignores, and the key itself.
        AssertError(await fixture.SendRawAsync(HttpMethod.Post, Room(room, "/leave"), JsonBytes(Body("reason")), Bearer), 400, "M_NOT_JSON");
        AssertError(await fixture.SendRawAsync(HttpMethod.Post, Room(room, "/join"), JsonBytes(Body("ignored")), Bearer), 400, "M_NOT_JSON");
        AssertError(await fixture.SendRawAsync(HttpMethod.Post, $"{V3}/createRoom", JsonBytes(Body("name")), Bearer), 400, "M_NOT_JSON");
        AssertError(await fixture.SendRawAsync(HttpMethod.Post, $"{V3}/join/{Uri.EscapeDataString(room)}", JsonBytes(Body("custom")), Bearer), 400, "M_NOT_JSON");
        byte[] badKey = [.. Encoding.ASCII.GetBytes("{\"k"), 0xC3, 0x28, .. Encoding.ASCII.GetBytes("\":1}")];
        AssertError(await fixture.SendRawAsync(HttpMethod.Post, Room(room, "/join"), JsonBytes(badKey), Bearer), 400, "M_NOT_JSON");
        Assert.Equal("join", await fixture.MembershipAsync(room, alice));
    }

    [Theory]
    [InlineData("leave", """{"reason":"\ud800"}""")]
    [InlineData("join", """{"reason":"a\udc00b"}""")]
    [InlineData("ban", """{"user_id":"@bob:localhost","reason":"\udfff\ud800"}""")]
    [InlineData("leave", """{"k\udc00":1}""")]
    public async Task ALoneSurrogateEscapeIsNotJson(string action, string body)
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);

        AssertError(await fixture.SendAsync(HttpMethod.Post, Room(room, "/" + action), alice, body), 400, "M_NOT_JSON");
        AssertError(await fixture.SendAsync(HttpMethod.Post, $"{V3}/join/{Uri.EscapeDataString(room)}", alice, """{"custom":"\ud800"}"""), 400, "M_NOT_JSON");
        Assert.Equal("join", await fixture.MembershipAsync(room, alice));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[{\"user_id\":\"@bob:localhost\"}]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("true")]
    public async Task JsonThatIsNotAnObjectIsBadJson(string body)
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);

        AssertError(await fixture.SendAsync(HttpMethod.Post, Room(room, "/kick"), alice, body), 400, "M_BAD_JSON");
        AssertError(await fixture.SendAsync(HttpMethod.Post, Room(room, "/leave"), alice, body), 400, "M_BAD_JSON");
        AssertError(await fixture.SendAsync(HttpMethod.Put, Room(room, "/state/m.room.join_rules/"), alice, body), 400, "M_BAD_JSON");
    }

    [Theory]
    [InlineData("invite", """{"user_id":5}""")]
    [InlineData("invite", """{"user_id":["@bob:localhost"]}""")]
    [InlineData("kick", """{"user_id":{"id":"@bob:localhost"}}""")]
    [InlineData("ban", """{"user_id":"@bob:localhost","reason":5}""")]
    [InlineData("unban", """{"user_id":true}""")]
    [InlineData("leave", """{"reason":["x"]}""")]
    [InlineData("join", """{"reason":false}""")]
    public async Task WrongTypesInTheBodyAreBadJson(string action, string body)
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);

        AssertError(await fixture.SendAsync(HttpMethod.Post, Room(room, "/" + action), alice, body), 400, "M_BAD_JSON");
        Assert.Equal("join", await fixture.MembershipAsync(room, alice));
    }

    [Fact]
    public async Task AnEmptyBodyIsTreatedAsAnEmptyObjectOnJoinAndLeave()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        void Bearer(HttpRequestHeaders h) => h.Authorization = new AuthenticationHeaderValue("Bearer", bob.Token);

        AssertOk(ToPair(await fixture.SendRawAsync(HttpMethod.Post, Room(room, "/join"), null, Bearer)));
        Assert.Equal("join", await fixture.MembershipAsync(room, bob));
        AssertOk(ToPair(await fixture.SendRawAsync(HttpMethod.Post, Room(room, "/leave"), JsonBytes([]), Bearer)));
        Assert.Equal("leave", await fixture.MembershipAsync(room, bob));
        AssertOk(ToPair(await fixture.SendRawAsync(HttpMethod.Post, $"{V3}/join/{Uri.EscapeDataString(room)}", JsonBytes(" \r\n"u8.ToArray()), Bearer)));
        Assert.Equal("join", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task ABodyOverTheLimitIsTooLarge()
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);
        void Bearer(HttpRequestHeaders h) => h.Authorization = new AuthenticationHeaderValue("Bearer", alice.Token);
        var padded = PaddedBody(65537);

        // Announced by Content-Length, and streamed (chunked) with no length up front.
        AssertError(await fixture.SendRawAsync(HttpMethod.Post, Room(room, "/leave"), JsonBytes(padded), Bearer), 413, "M_TOO_LARGE");
        using var streamed = new StreamContent(new MemoryStream(padded));
        streamed.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        AssertError(await fixture.SendRawAsync(HttpMethod.Post, Room(room, "/leave"), streamed, Bearer), 413, "M_TOO_LARGE");
        Assert.Equal("join", await fixture.MembershipAsync(room, alice));
    }

    [Fact]
    public async Task ABodyOfExactlyTheLimitIsRead()
    {
        var alice = await fixture.NewUserAsync("alice");
        var room = await fixture.CreateRoomAsync(alice);

        var response = await fixture.SendRawAsync(HttpMethod.Post, Room(room, "/join"), JsonBytes(PaddedBody(65536)), h => h.Authorization = new AuthenticationHeaderValue("Bearer", alice.Token));

        AssertOk(ToPair(response));
    }

    [Fact]
    public async Task AReasonOverTheLimitIsTooLarge()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);

        AssertError(await fixture.PostAsync(Room(room, "/kick"), alice, new JsonObject { ["user_id"] = bob.UserId, ["reason"] = new string('r', 5000) }), 413, "M_TOO_LARGE");
        Assert.Equal("join", await fixture.MembershipAsync(room, bob));
    }

    // ---- CORS ----

    [Fact]
    public async Task EveryClientResponseCarriesCorsHeaders()
    {
        var alice = await fixture.NewUserAsync("alice");
        void Bearer(HttpRequestHeaders h) => h.Authorization = new AuthenticationHeaderValue("Bearer", alice.Token);

        var responses = new[]
        {
            await fixture.SendRawAsync(HttpMethod.Get, "/_matrix/client/versions"),
            await fixture.SendRawAsync(HttpMethod.Get, $"{V3}/account/whoami", headers: Bearer),
            await fixture.SendRawAsync(HttpMethod.Get, $"{V3}/account/whoami"),
            await fixture.SendRawAsync(HttpMethod.Get, $"{V3}/nowhere"),
            await fixture.SendRawAsync(HttpMethod.Post, $"{V3}/createRoom", JsonBytes("{"u8.ToArray()), Bearer),
            await fixture.SendRawAsync(HttpMethod.Get, "/_matrix/key/v2/server"),
        };

        foreach (var response in responses)
        {
            AssertCors(response.Headers);
        }
    }

    [Theory]
    [InlineData("/_matrix/client/v3/rooms/!r:localhost/join")]
    [InlineData("/_matrix/client/v3/account/whoami")]
    [InlineData("/_matrix/client/v3/no/such/path")]
    public async Task APreflightRequestIsAnswered204WithCorsHeaders(string path)
    {
        var response = await fixture.SendRawAsync(HttpMethod.Options, path, headers: h =>
        {
            h.TryAddWithoutValidation("Origin", "https://app.example");
            h.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
            h.TryAddWithoutValidation("Access-Control-Request-Headers", "authorization, content-type");
        });

        Assert.Equal(204, response.Status);
        AssertCors(response.Headers);
    }

    // ---- prefixes ----

    [Fact]
    public async Task TheR0PrefixServesTheSameEndpoints()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        var r0 = $"/_matrix/client/r0/rooms/{Uri.EscapeDataString(room)}";

        AssertOk(await fixture.PostAsync($"{r0}/join", bob));
        var members = await fixture.GetAsync($"/_matrix/client/r0/rooms/{Uri.EscapeDataString(room)}/joined_members", alice);
        AssertOk(members);
        Assert.True(members.Body!["joined"]!.AsObject().ContainsKey(bob.UserId));
        AssertOk(await fixture.PostAsync($"{r0}/kick", alice, new JsonObject { ["user_id"] = bob.UserId }));
        Assert.Equal(alice.UserId, (string?)(await fixture.GetAsync("/_matrix/client/r0/account/whoami", alice)).Body!["user_id"]);
        Assert.Equal("leave", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task TheLegacyApiV1MembershipPathsWork()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice, new JsonObject { ["preset"] = "private_chat" });
        var v1 = $"/_matrix/client/api/v1/rooms/{Uri.EscapeDataString(room)}";

        AssertOk(await fixture.PostAsync($"{v1}/invite", alice, new JsonObject { ["user_id"] = bob.UserId }));
        Assert.Equal("invite", await fixture.MembershipAsync(room, bob));
        var joined = await fixture.PostAsync($"{v1}/join", bob);
        AssertOk(joined);
        Assert.Equal(room, (string?)joined.Body!["room_id"]);
        AssertOk(await fixture.PostAsync($"{v1}/kick", alice, new JsonObject { ["user_id"] = bob.UserId }));
        Assert.Equal("leave", await fixture.MembershipAsync(room, bob));
        AssertOk(await fixture.PostAsync($"{v1}/ban", alice, new JsonObject { ["user_id"] = carol.UserId }));
        Assert.Equal("ban", await fixture.MembershipAsync(room, carol));
        AssertError(await fixture.PostAsync($"{v1}/kick", alice, new JsonObject { ["user_id"] = carol.UserId }), 403, "M_BAD_STATE");
        AssertOk(await fixture.PostAsync($"{v1}/unban", alice, new JsonObject { ["user_id"] = carol.UserId }));
        Assert.Equal("leave", await fixture.MembershipAsync(room, carol));
        AssertOk(await fixture.PostAsync($"{v1}/leave", alice));
        Assert.Equal("leave", await fixture.MembershipAsync(room, alice));
        AssertError(await fixture.PostAsync($"{v1}/kick", null, new JsonObject { ["user_id"] = carol.UserId }), 401, "M_MISSING_TOKEN");
        AssertError(await fixture.PostAsync($"{v1}/forget", alice), 404, "M_UNRECOGNIZED");
    }

    private static void AssertCors(HttpResponseHeaders headers)
    {
        Assert.Equal("*", Assert.Single(headers.GetValues("Access-Control-Allow-Origin")));
        var methods = string.Join(",", headers.GetValues("Access-Control-Allow-Methods"));
        foreach (var method in new[] { "GET", "POST", "PUT", "DELETE", "OPTIONS" })
        {
            Assert.Contains(method, methods, StringComparison.Ordinal);
        }

        var allowed = string.Join(",", headers.GetValues("Access-Control-Allow-Headers"));
        Assert.Contains("Authorization", allowed, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Content-Type", allowed, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Sends a hand-written HTTP/1.1 request and returns the status and the raw response text.</summary>
    private async Task<(int Status, string Text)> RawHttpAsync(string request)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(fixture.BaseAddress.Host, fixture.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        var status = int.Parse(text.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, text);
    }

    private static (int Status, JsonNode? Body) ToPair((int Status, JsonNode? Body, HttpResponseHeaders Headers) response) => (response.Status, response.Body);

    /// <summary>A JSON object of exactly <paramref name="size"/> bytes: <c>{"pad":"xxx..."}</c>.</summary>
    private static byte[] PaddedBody(int size)
    {
        var overhead = "{\"pad\":\"\"}".Length;
        var bytes = Encoding.ASCII.GetBytes($"{{\"pad\":\"{new string('x', size - overhead)}\"}}");
        Assert.Equal(size, bytes.Length);
        return bytes;
    }
}
