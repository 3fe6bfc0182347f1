using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Membership.Protocols;
using static Membership.Functions.Tests.FuzzInputs;

namespace Membership.Functions.Tests;

/// <summary>
/// Generators for the federation endpoints (<c>functions/Federation/FederationEndpoints.cs</c>). The invite cases are
/// signed by the fake server <see cref="FuzzHost.Origin"/> (its key served on loopback), so they get past X-Matrix to
/// the receiver's checks: each damages one thing (the event before or after signing, the body, the path, the
/// X-Matrix signature). A few are valid or only odd (controls); the rest must be refused and create no stub room.
/// </summary>
public static class FuzzFederationCases
{
    private const int MaxBody = 256 * 1024;
    private const string Invitee = "@fzinvitee:" + Server;

    private static readonly string[] NotGet = ["POST", "PUT", "DELETE", "PATCH"];

    public static IReadOnlyList<(string Endpoint, Gen<FuzzCase> Gen, int Count)> All(FakeServer remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        return
        [
            ("GET key/v2/server", ReadOnly("GET key/v2/server", "/_matrix/key/v2/server", ["/_matrix/key/v2/server/ed25519:local", "/_matrix/key/v2/query", "/_matrix/key/v3/server", "/_matrix/key/v2/serverx"]), 30),
            ("GET federation/v1/version", ReadOnly("GET federation/v1/version", "/_matrix/federation/v1/version", ["/_matrix/federation/v1/versions", "/_matrix/federation/v2/version", "/_matrix/federation/version"]), 30),
            ("PUT federation/v2/invite", Invites(remote, v2: true), 350),
            ("PUT federation/v1/invite", Invites(remote, v2: false), 200),
            ("PUT federation/v2/invite", Controls(remote, v2: true), 5),
            ("PUT federation/v1/invite", Controls(remote, v2: false), 5),
        ];
    }

    private static Gen<FuzzCase> ReadOnly(string endpoint, string path, string[] unknownPaths) => Gen.Frequency(
        (1, from m in Gen.Elements(NotGet) select new FuzzCase(endpoint, "method", new HttpMethod(m), path, Utf8("{}"), [], true)),
        (1, from p in Gen.Elements(unknownPaths) select new FuzzCase(endpoint, "path", HttpMethod.Get, p, null, [], true)),
        (1, from q in Gen.Elements("?x=1", "?%00=%FF", "?a=1&a=2", "?" + new string('q', 2000)) select new FuzzCase(endpoint, "junk-query", HttpMethod.Get, path + q, null, [], false)));

    /// <summary>Signed invites with one thing wrong (or controls), and unsigned or badly signed ones with damaged bodies.</summary>
    private static Gen<FuzzCase> Invites(FakeServer remote, bool v2)
    {
        var endpoint = v2 ? "PUT federation/v2/invite" : "PUT federation/v1/invite";
        var valid = Build(remote, v2, 0, Mutations(v2)[0]);
        var structural = from b in Structural(Describe(valid.Body), MaxBody, emptyIsInvalid: true)
                         from header in Gen.Elements(BadHeaders())
                         select valid with { Kind = "unsigned-body:" + b.Kind, Body = b.Body, Headers = header, RemoteRoom = null };
        var signed = from n in Gen.Choose(1, int.MaxValue)
                     from m in Gen.Elements(Mutations(v2))
                     select Build(remote, v2, n, m);
        return Gen.Frequency((2, structural), (8, signed)) .Select(c => c with { Endpoint = endpoint });
    }

    /// <summary>Valid signed invites: they must be accepted, or the damaged ones prove nothing about the checks behind X-Matrix.</summary>
    private static Gen<FuzzCase> Controls(FakeServer remote, bool v2) =>
        from n in Gen.Choose(1, int.MaxValue)
        select Build(remote, v2, n, Mutations(v2)[0]) with { Endpoint = v2 ? "PUT federation/v2/invite" : "PUT federation/v1/invite" };

    private static string Describe(byte[]? body) => body is null ? string.Empty : System.Text.Encoding.UTF8.GetString(body);

    private static KeyValuePair<string, string>[][] BadHeaders() =>
    [
        [],
        [new("Authorization", "X-Matrix")],
        [new("Authorization", "X-Matrix garbage")],
        [new("Authorization", $"X-Matrix origin={FuzzHost.Origin}")],
        [new("Authorization", $"X-Matrix origin={FuzzHost.Origin},key=\"ed25519:k1\",sig=\"AAAA\"")],
        [new("Authorization", "X-Matrix origin=bad_server!,key=\"ed25519:k1\",sig=\"AAAA\"")],
        [new("Authorization", $"X-Matrix origin={FuzzHost.Origin},destination=\"other.test\",key=\"ed25519:k1\",sig=\"AAAA\"")],
        [new("Authorization", "Bearer mst_notatoken")],
        [new("Authorization", $"X-Matrix origin=\"{FuzzHost.Origin},key=ed25519:k1,sig=")],
    ];

    private enum Signing
    {
        Valid,
        Unsigned,
        WrongDestination,
        WrongKey,
        UnknownKeyId,
        OtherBody,
        OtherMethod,
        OtherUri,
    }

    /// <summary>
    /// One way to damage an invite. <see cref="Edit"/> changes the event before it is signed (a well-signed, wrong
    /// event), <see cref="Tamper"/> after (signature or hash no longer hold), <see cref="Body"/> the request body.
    /// </summary>
    private sealed record Mutation(string Name, bool MustReject, Action<JsonObject>? Edit = null, Action<JsonObject>? Tamper = null, Func<JsonNode, JsonNode>? Body = null, string? PathRoom = null, string? PathEvent = null, Signing Signing = Signing.Valid);

    private static Mutation[] Mutations(bool v2)
    {
        static Action<JsonObject> Set(string key, JsonNode? value) => ev => ev[key] = value?.DeepClone();
        static Action<JsonObject> Remove(string key) => ev => ev.Remove(key);
        static Action<JsonObject> Content(string key, JsonNode? value) => ev => ev["content"]!.AsObject()[key] = value?.DeepClone();
        static Func<JsonNode, JsonNode> BodySet(string key, JsonNode? value) => body => { body.AsObject()[key] = value?.DeepClone(); return body; };
        static Func<JsonNode, JsonNode> BodyRemove(string key) => body => { body.AsObject().Remove(key); return body; };

        var list = new List<Mutation>
        {
            new("valid", false),
            new("unsigned-added", false, Tamper: Set("unsigned", new JsonObject { ["age"] = 5 })),
            new("content-extra", false, Edit: Content("x", new JsonArray(1, 2))),
            new("type-message", true, Edit: Set("type", "m.room.message")),
            new("type-number", true, Edit: Set("type", 5)),
            new("membership-join", true, Edit: Content("membership", "join")),
            new("membership-number", true, Edit: Content("membership", 1)),
            new("membership-missing", true, Edit: ev => ev["content"]!.AsObject().Remove("membership")),
            new("content-string", true, Edit: Set("content", "x")),
            new("content-array", true, Edit: Set("content", new JsonArray())),
            new("sender-other-server", true, Edit: Set("sender", "@alice:other.test")),
            new("sender-not-a-user", true, Edit: Set("sender", "alice")),
            new("sender-number", true, Edit: Set("sender", 5)),
            new("state-key-remote", true, Edit: Set("state_key", $"@bob:{FuzzHost.Origin}")),
            new("state-key-not-a-user", true, Edit: Set("state_key", "bob")),
            new("state-key-missing", true, Edit: Remove("state_key")),
            new("state-key-number", true, Edit: Set("state_key", 5)),
            new("state-key-nul", true, Edit: Set("state_key", $"@a\u0000b:{Server}")),
            new("state-key-long", true, Edit: Set("state_key", $"@{new string('a', 300)}:{Server}")),
            new("room-hosted-here", true, Edit: Set("room_id", $"!fzlocal:{Server}")),
            new("room-not-a-room", true, Edit: Set("room_id", "nonsense")),
            new("room-number", true, Edit: Set("room_id", 5)),
            new("event-too-large", true, Edit: Content("pad", new string('a', 70_000))),
            new("event-larger-than-a-table-string", false, Edit: Content("pad", new string('a', 40_000))),
            new("content-fraction", true, Edit: Content("n", 1.5)),
            new("content-integer-past-2^53", true, Edit: Content("n", JsonNode.Parse("18446744073709551616"))),
            new("content-nested-fraction", true, Edit: Content("n", new JsonObject { ["y"] = new JsonArray(0.25) })),
            new("tampered-content", true, Tamper: Content("displayname", "Mallory")),
            new("signatures-removed", true, Tamper: Remove("signatures")),
            new("signatures-string", true, Tamper: Set("signatures", "x")),
            new("signatures-wrong-shape", true, Tamper: Set("signatures", new JsonObject { [FuzzHost.Origin] = 5 })),
            new("signatures-empty", true, Tamper: Set("signatures", new JsonObject())),
            new("hashes-garbage", true, Tamper: Set("hashes", new JsonObject { ["sha256"] = "!!" })),
            new("hashes-removed", true, Tamper: Remove("hashes")),
            new("depth-changed", true, Tamper: Set("depth", "7")),
            new("timestamp-changed", true, Tamper: Set("origin_server_ts", 1)),
            new("path-room-other", true, PathRoom: $"!other:{FuzzHost.Origin}"),
            new("path-room-nul", true, PathRoom: "\u0000"),
            new("path-room-not-a-room", true, PathRoom: "nonsense"),
            new("path-event-other", true, PathEvent: "$nope"),
            new("path-event-empty", true, PathEvent: string.Empty),
            new("unsigned-request", true, Signing: Signing.Unsigned),
            new("x-matrix-wrong-destination", true, Signing: Signing.WrongDestination),
            new("x-matrix-wrong-key", true, Signing: Signing.WrongKey),
            new("x-matrix-unknown-key-id", true, Signing: Signing.UnknownKeyId),
            new("x-matrix-other-body", true, Signing: Signing.OtherBody),
            new("x-matrix-other-method", true, Signing: Signing.OtherMethod),
            new("x-matrix-other-uri", true, Signing: Signing.OtherUri),
            new("body-array", true, Body: _ => new JsonArray()),
            new("body-string", true, Body: _ => JsonValue.Create("x")),
        };
        if (v2)
        {
            list.AddRange(
            [
                new("stripped-state-missing", false, Body: BodyRemove("invite_room_state")),
                new("stripped-state-odd-items", false, Body: BodySet("invite_room_state", new JsonArray(5, "x", new JsonObject { ["type"] = 5 }))),
                new("stripped-state-entry-past-the-pdu-limit", false, Body: BodySet("invite_room_state", new JsonArray(new JsonObject { ["type"] = "m.room.name", ["state_key"] = string.Empty, ["sender"] = $"@alice:{FuzzHost.Origin}", ["content"] = new JsonObject { ["name"] = new string('n', 70_000) } }))),
                new("room-version-missing", true, Body: BodyRemove("room_version")),
                new("room-version-number", true, Body: BodySet("room_version", 10)),
                new("room-version-unknown", true, Body: BodySet("room_version", "99")),
                new("room-version-empty", true, Body: BodySet("room_version", string.Empty)),
                new("room-version-1", true, Body: BodySet("room_version", "1")),
                new("event-missing", true, Body: BodyRemove("event")),
                new("event-string", true, Body: BodySet("event", "x")),
                new("event-array", true, Body: BodySet("event", new JsonArray())),
                new("stripped-state-string", true, Body: BodySet("invite_room_state", "x")),
                new("stripped-state-huge", true, Body: BodySet("invite_room_state", new JsonArray([.. Enumerable.Range(0, 300).Select(i => (JsonNode)new JsonObject { ["type"] = "m.room.name", ["state_key"] = string.Empty, ["content"] = new JsonObject { ["name"] = new string('n', 1000) } })]))),
            ]);
        }
        else
        {
            list.Add(new("stripped-state-odd", false, Tamper: Set("unsigned", new JsonObject { ["invite_room_state"] = new JsonArray(5, "x") })));
        }

        return [.. list];
    }

    /// <summary>Builds the signed invite, damages it as <paramref name="m"/> says, and signs the request (or not).</summary>
    private static FuzzCase Build(FakeServer remote, bool v2, int n, Mutation m)
    {
        var version = v2 ? "10" : "1";
        var room = $"!fz{(m.MustReject ? "no" : "ok")}{n}:{FuzzHost.Origin}";
        JsonObject ev;
        try
        {
            ev = FederationCalls.Invite(remote.Name, remote.Key, room, Invitee, version, edit: m.Edit);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or CanonicalJsonException)
        {
            // An event the signer cannot sign (content not an object): sign the plain one, then damage it.
            ev = FederationCalls.Invite(remote.Name, remote.Key, room, Invitee, version);
            m.Edit?.Invoke(ev);
        }

        var eventId = (string?)ev["event_id"] ?? TryEventId(ev, version) ?? "$unknown";
        m.Tamper?.Invoke(ev);
        JsonNode body = v2
            ? new JsonObject
            {
                ["room_version"] = version,
                ["event"] = ev,
                ["invite_room_state"] = FederationCalls.StrippedState(remote.Name, version),
            }
            : ev;
        body = m.Body?.Invoke(body) ?? body;
        var pathRoom = m.PathRoom ?? (ev["room_id"] is JsonValue r && r.TryGetValue(out string? id) ? id : room);
        var target = FederationCalls.InvitePath(v2 ? "v2" : "v1", pathRoom, m.PathEvent ?? eventId);
        return new FuzzCase(string.Empty, "signed:" + m.Name, HttpMethod.Put, target, Utf8(body.ToJsonString()), Header(remote, target, body, m.Signing), m.MustReject)
        {
            RemoteRoom = room,
        };
    }

    private static KeyValuePair<string, string>[] Header(FakeServer remote, string target, JsonNode body, Signing signing)
    {
        if (signing == Signing.Unsigned)
        {
            return [];
        }

        var key = signing switch
        {
            Signing.WrongKey => FakeServer.KeyFrom("fuzz/impostor", remote.Key.KeyId),
            Signing.UnknownKeyId => FakeServer.KeyFrom("fuzz/unknown", "ed25519:nope"),
            _ => remote.Key,
        };
        var method = signing == Signing.OtherMethod ? "POST" : "PUT";
        var uri = signing == Signing.OtherUri ? target + "x" : target;
        var destination = signing == Signing.WrongDestination ? "other.test" : Server;
        var content = signing == Signing.OtherBody ? new JsonObject { ["other"] = true } : body;
        try
        {
            return [new("Authorization", XMatrix.CreateHeader(method, uri, remote.Name, destination, content, key))];
        }
        catch (CanonicalJsonException)
        {
            // A body with no canonical form (a float, say) cannot be signed; the request goes with a signature that cannot hold.
            return [new("Authorization", $"X-Matrix origin={remote.Name},destination=\"{Server}\",key=\"{key.KeyId}\",sig=\"AAAA\"")];
        }
    }

    private static string? TryEventId(JsonObject ev, string version)
    {
        try
        {
            return EventSigning.ComputeEventId(ev, version);
        }
        catch (Exception ex) when (ex is ArgumentException or CanonicalJsonException)
        {
            return null;
        }
    }
}
