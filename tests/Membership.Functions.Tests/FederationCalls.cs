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

    /// <summary>A Matrix error with this status and errcode whose message names what failed.</summary>
    public static void AssertError((int Status, JsonNode? Body) response, int status, string errcode, string messagePart)
    {
        Assert.True(status == response.Status, $"expected {status} {errcode}, got {response.Status} {response.Body?.ToJsonString()}");
        Assert.Equal(errcode, (string?)response.Body?["errcode"]);
        Assert.Contains(messagePart, (string?)response.Body?["error"], StringComparison.Ordinal);
    }

    private static string Origin(JsonObject ev) => ((string)ev["sender"]!).Split(':', 2)[1];
}
