using System.Text;
using System.Text.Json.Nodes;
using Membership.Protocols;

namespace Membership.Functions.Tests;

/// <summary>Hand-built federation traffic: invite PDUs signed by a key the test holds, and X-Matrix-signed requests.</summary>
public static class FederationCalls
{
    /// <summary>
    /// An invite PDU sent by <paramref name="sender"/> (default <c>@alice:{origin}</c>), hashed and signed as its origin
    /// server would. <paramref name="edit"/> changes the event before signing.
    /// </summary>
    public static JsonObject Invite(string origin, SigningKey key, string roomId, string target, string roomVersion = "10", string? sender = null, Action<JsonObject>? edit = null)
    {
        var ev = new JsonObject
        {
            ["auth_events"] = new JsonArray("$create", "$power"),
            ["content"] = new JsonObject { ["membership"] = "invite", ["displayname"] = "Bob" },
            ["depth"] = 7,
            ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["prev_events"] = new JsonArray("$previous"),
            ["room_id"] = roomId,
            ["sender"] = sender ?? $"@alice:{origin}",
            ["state_key"] = target,
            ["type"] = "m.room.member",
        };
        if (roomVersion is "1" or "2")
        {
            ev["event_id"] = $"${Guid.NewGuid():N}:{origin}";
            ev["origin"] = origin;
        }

        edit?.Invoke(ev);
        EventSigning.Sign(ev, roomVersion, origin, key);
        return ev;
    }

    /// <summary>Stripped state as a v1.15 server sends it: the room's create event and its name.</summary>
    public static JsonArray StrippedState(string origin, string roomVersion = "10") =>
    [
        new JsonObject { ["type"] = "m.room.create", ["state_key"] = string.Empty, ["sender"] = $"@alice:{origin}", ["content"] = new JsonObject { ["room_version"] = roomVersion } },
        new JsonObject { ["type"] = "m.room.name", ["state_key"] = string.Empty, ["sender"] = $"@alice:{origin}", ["content"] = new JsonObject { ["name"] = "Over there" } },
    ];

    /// <summary>The v2 request body.</summary>
    public static JsonObject V2Body(JsonObject ev, string roomVersion = "10", JsonArray? state = null) => new()
    {
        ["room_version"] = roomVersion,
        ["event"] = ev.DeepClone(),
        ["invite_room_state"] = state ?? StrippedState(Origin(ev)),
    };

    /// <summary>The federation path of an invite, its arguments percent-encoded as Synapse does.</summary>
    public static string InvitePath(string version, string roomId, string eventId) =>
        $"/_matrix/federation/{version}/invite/{Uri.EscapeDataString(roomId)}/{Uri.EscapeDataString(eventId)}";

    /// <summary>The v2 invite path of an event, from its own IDs.</summary>
    public static string V2Path(JsonObject ev, string roomVersion = "10") => InvitePath("v2", (string)ev["room_id"]!, EventSigning.ComputeEventId(ev, roomVersion));

    /// <summary>
    /// A request signed with X-Matrix as <paramref name="origin"/> with <paramref name="key"/>. The signature covers
    /// <paramref name="signedBody"/> when given (to sign something other than what is sent), else the body.
    /// </summary>
    public static async Task<(int Status, JsonNode? Body)> SendSignedAsync(
        HomeServer to, string method, string target, JsonNode? body, string origin, SigningKey key, string? destination = null, JsonNode? signedBody = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), target);
        request.Headers.TryAddWithoutValidation("Authorization", XMatrix.CreateHeader(method, target, origin, destination ?? to.Name, signedBody ?? body, key));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return await HomeServer.ReadAsync(await to.Http.SendAsync(request));
    }

    /// <summary>PUTs a v2 invite from a fake server, signed by it, to the event's own path.</summary>
    public static Task<(int Status, JsonNode? Body)> PutV2Async(HomeServer to, FakeServer from, JsonObject ev, string roomVersion = "10") =>
        SendSignedAsync(to, "PUT", V2Path(ev, roomVersion), V2Body(ev, roomVersion), from.Name, from.Key);

    /// <summary>GET make_join or make_leave (<paramref name="endpoint"/>) for a user, signed as <paramref name="origin"/>.</summary>
    public static Task<(int Status, JsonNode? Body)> MakeAsync(HomeServer to, string endpoint, string roomId, string userId, string origin, SigningKey key, string query = "?ver=10&ver=11") =>
        SendSignedAsync(to, "GET", $"/_matrix/federation/v1/{endpoint}/{Uri.EscapeDataString(roomId)}/{Uri.EscapeDataString(userId)}{query}", null, origin, key);

    /// <summary>The event of a make_join/make_leave answer as the joining server completes and signs it.</summary>
    public static JsonObject FromTemplate(JsonNode answer, string origin, SigningKey key, Action<JsonObject>? edit = null)
    {
        var ev = answer["event"]!.DeepClone().AsObject();
        ev["origin"] = origin;
        ev["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        edit?.Invoke(ev);
        EventSigning.Sign(ev, (string)answer["room_version"]!, origin, key);
        return ev;
    }

    /// <summary>The path of send_join or send_leave (<paramref name="endpoint"/>) for an event, from its own IDs.</summary>
    public static string MembershipPath(string endpoint, string version, JsonObject ev, string roomVersion = "10") =>
        $"/_matrix/federation/{version}/{endpoint}/{Uri.EscapeDataString((string)ev["room_id"]!)}/{Uri.EscapeDataString(EventSigning.ComputeEventId(ev, roomVersion))}";

    /// <summary>PUTs an event to send_join or send_leave at its own path, signed as <paramref name="origin"/>.</summary>
    public static Task<(int Status, JsonNode? Body)> PutMembershipAsync(HomeServer to, string endpoint, string version, JsonObject ev, string origin, SigningKey key) =>
        SendSignedAsync(to, "PUT", MembershipPath(endpoint, version, ev), ev, origin, key);

    /// <summary>make_join then send_join (v2) for a user of <paramref name="origin"/>; returns the join and the answer.</summary>
    public static async Task<(JsonObject Join, JsonObject Answer)> JoinAsync(HomeServer to, string roomId, string userId, string origin, SigningKey key)
    {
        var (status, template) = await MakeAsync(to, "make_join", roomId, userId, origin, key);
        Assert.True(status == 200, $"make_join: {status} {template?.ToJsonString()}");
        var join = FromTemplate(template!, origin, key);
        var (sent, answer) = await PutMembershipAsync(to, "send_join", "v2", join, origin, key);
        Assert.True(sent == 200, $"send_join: {sent} {answer?.ToJsonString()}");
        return (join, answer!.AsObject());
    }

    /// <summary>PUTs a transaction of PDUs, signed as <paramref name="origin"/>.</summary>
    public static Task<(int Status, JsonNode? Body)> PutTransactionAsync(HomeServer to, string txnId, string origin, SigningKey key, params JsonObject[] pdus) =>
        SendSignedAsync(to, "PUT", $"/_matrix/federation/v1/send/{txnId}", new JsonObject
        {
            ["origin"] = origin,
            ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["pdus"] = new JsonArray([.. pdus.Select(p => (JsonNode)p.DeepClone())]),
        }, origin, key);

    /// <summary>Waits (up to 30 s) until <paramref name="condition"/> holds; fails with <paramref name="what"/> otherwise.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting: {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>The server's current key as its own key endpoint publishes it, checked against its self-signature.</summary>
    public static async Task<(string KeyId, byte[] Key)> PublishedKeyAsync(HomeServer server)
    {
        var (_, body) = await server.SendAsync(HttpMethod.Get, "/_matrix/key/v2/server");
        var (keyId, entry) = body!["verify_keys"]!.AsObject().Single();
        Assert.True(UnpaddedBase64.TryDecode((string)entry!["key"]!, out var key));
        Assert.Equal(SignatureCheck.Valid, JsonSigning.Verify(body.AsObject(), server.Name, keyId, key));
        return (keyId, key);
    }

    /// <summary>A Matrix error with this status and errcode whose message names what failed.</summary>
    public static void AssertError((int Status, JsonNode? Body) response, int status, string errcode, string messagePart)
    {
        Assert.True(status == response.Status, $"expected {status} {errcode}, got {response.Status} {response.Body?.ToJsonString()}");
        Assert.Equal(errcode, (string?)response.Body?["errcode"]);
        Assert.Contains(messagePart, (string?)response.Body?["error"], StringComparison.Ordinal);
    }

    private static string Origin(JsonObject ev) => ((string)ev["sender"]!).Split(':', 2)[1];
}
