using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Membership.Storage;

namespace Membership.Functions.Tests;

/// <summary>Small client-server helpers over <see cref="ServiceFixture"/>: paths, fresh users and rooms, and status assertions.</summary>
internal static class ClientCalls
{
    public const string V3 = "/_matrix/client/v3";

    /// <summary>A localpart no other test uses, so tests sharing a fixture never share data.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..12]}";

    /// <summary>The path of a room under the current prefix, the room ID percent-encoded as a client must.</summary>
    public static string Room(string roomId, string rest = "") => $"{V3}/rooms/{Uri.EscapeDataString(roomId)}{rest}";

    public static Task<TestUser> NewUserAsync(this ServiceFixture fixture, string prefix = "user") => fixture.UserAsync(Unique(prefix));

    public static Task<(int Status, JsonNode? Body)> PostAsync(this ServiceFixture fixture, string path, TestUser? user, JsonNode? body = null) =>
        fixture.SendAsync(HttpMethod.Post, path, user, (body ?? new JsonObject()).ToJsonString());

    public static Task<(int Status, JsonNode? Body)> PutAsync(this ServiceFixture fixture, string path, TestUser? user, JsonNode body) =>
        fixture.SendAsync(HttpMethod.Put, path, user, body.ToJsonString());

    public static Task<(int Status, JsonNode? Body)> GetAsync(this ServiceFixture fixture, string path, TestUser? user) =>
        fixture.SendAsync(HttpMethod.Get, path, user);

    /// <summary>Creates a room over HTTP and returns its ID.</summary>
    public static async Task<string> CreateRoomAsync(this ServiceFixture fixture, TestUser creator, JsonObject? body = null)
    {
        var response = await fixture.PostAsync($"{V3}/createRoom", creator, body ?? new JsonObject { ["preset"] = "public_chat" });
        AssertOk(response);
        return (string)response.Body!["room_id"]!;
    }

    public static async Task JoinAsync(this ServiceFixture fixture, TestUser user, string roomId) =>
        AssertOk(await fixture.PostAsync(Room(roomId, "/join"), user));

    public static async Task ActAsync(this ServiceFixture fixture, string action, TestUser sender, string roomId, TestUser target) =>
        AssertOk(await fixture.PostAsync(Room(roomId, "/" + action), sender, new JsonObject { ["user_id"] = target.UserId }));

    /// <summary>The user's membership as the member row in storage has it (null: no row).</summary>
    public static async Task<MemberRecord?> MemberRowAsync(this ServiceFixture fixture, string roomId, string userId)
    {
        var read = await fixture.Get<MembershipStore>().ReadRoomAsync(roomId, [userId]);
        return read?.Members.GetValueOrDefault(userId);
    }

    public static async Task<string?> MembershipAsync(this ServiceFixture fixture, string roomId, TestUser user) =>
        (await fixture.MemberRowAsync(roomId, user.UserId))?.Membership;

    public static async Task<RoomHead> HeadAsync(this ServiceFixture fixture, string roomId) =>
        (await fixture.Get<MembershipStore>().ReadRoomAsync(roomId, []))?.Head ?? throw new InvalidOperationException($"no room {roomId}");

    public static async Task<IReadOnlyList<EventRecord>> EventsAsync(this ServiceFixture fixture, string roomId) =>
        await fixture.Get<MembershipStore>().ReadEventsAsync(roomId, 1, long.MaxValue);

    /// <summary>A request with exact bytes and headers (invalid UTF-8, oversized or streamed bodies, several credentials).</summary>
    public static async Task<(int Status, JsonNode? Body, HttpResponseHeaders Headers)> SendRawAsync(
        this ServiceFixture fixture,
        HttpMethod method,
        string path,
        HttpContent? content = null,
        Action<HttpRequestHeaders>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        headers?.Invoke(request.Headers);
        using var response = await fixture.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response.Headers);
    }

    public static ByteArrayContent JsonBytes(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public static void AssertOk((int Status, JsonNode? Body) response) =>
        Assert.True(response.Status == 200, $"expected 200, got {response.Status}: {response.Body?.ToJsonString()}");

    /// <summary>A Matrix error: the status, the errcode, and (as the spec requires of every error) a non-empty <c>error</c>.</summary>
    public static void AssertError((int Status, JsonNode? Body) response, int status, string errcode)
    {
        Assert.True(response.Status == status, $"expected {status} {errcode}, got {response.Status}: {response.Body?.ToJsonString()}");
        Assert.NotNull(response.Body);
        Assert.Equal(errcode, (string?)response.Body["errcode"]);
        Assert.False(string.IsNullOrEmpty((string?)response.Body["error"]), "every error carries a message in 'error'");
    }

    public static void AssertError((int Status, JsonNode? Body, HttpResponseHeaders Headers) response, int status, string errcode) =>
        AssertError((response.Status, response.Body), status, errcode);

    /// <summary>Members from a <c>/members</c> chunk: user ID to membership.</summary>
    public static Dictionary<string, string> Memberships(JsonNode? body) =>
        body!["chunk"]!.AsArray().ToDictionary(e => (string)e!["state_key"]!, e => (string)e!["content"]!["membership"]!, StringComparer.Ordinal);
}
