using FsCheck;
using FsCheck.Fluent;
using static Membership.Functions.Tests.FuzzInputs;

namespace Membership.Functions.Tests;

/// <summary>
/// Generators for every client-server endpoint of <c>functions/Endpoints.cs</c>. Each case aims at the fuzz room with
/// a user who could change it and has one thing wrong (body, identifier, credentials, query, method or version),
/// except the "odd" cases: legal identifiers with Table-forbidden characters, sent to the sandbox room.
/// </summary>
public static class FuzzMatrixCases
{
    private const int MaxBody = 65536;

    private static readonly string[] ClientVersions = ["v3", "r0"];
    /// <summary>Not served. (Route matching ignores case, so "V3" would be v3.)</summary>
    private static readonly string[] BadClientVersions = ["v1", "v2", "v4", "r1", "unstable", "v3.0", "v33"];
    private static readonly string[] NotPost = ["GET", "PUT", "DELETE", "PATCH"];
    private static readonly string[] NotGet = ["POST", "PUT", "DELETE", "PATCH"];

    /// <summary>Strings that are neither room IDs nor room aliases (for <c>/join/{roomIdOrAlias}</c> and <c>/knock/...</c>).</summary>
    private static readonly string[] BadAliases = ["#", "#a", "#a:", "#:localhost", "#a\u0000b:localhost", "#a:bad server", "#" + new string('a', 300) + ":localhost", "a", ""];

    public static IReadOnlyList<(string Endpoint, Gen<FuzzCase> Gen, int Count)> All(FuzzWorld w)
    {
        ArgumentNullException.ThrowIfNull(w);
        var fresh = $"@fzfresh:{Server}";
        var victim = Uri.EscapeDataString(w.Victim);
        var sandbox = Uri.EscapeDataString(w.Sandbox);
        Field Reason() => new("reason", Str("fuzz"), BadString(4096));
        string Rooms(string version, string room, string rest) => $"/_matrix/client/{version}/rooms/{room}{rest}";

        var list = new List<(string, Gen<FuzzCase>, int)>
        {
            ("GET versions", Versions(), 30),
            ("GET whoami", Endpoint("GET whoami", HttpMethod.Get, (v, _) => $"/_matrix/client/{v}/account/whoami", string.Empty, w.Member, null, false, null, NotGet, readOnly: true), 60),
            ("POST createRoom", CreateRoom(w), 320),
            ("POST rooms/{roomId}/join", Endpoint("POST rooms/{roomId}/join", HttpMethod.Post, (v, r) => Rooms(v, r, "/join"), victim, w.Member, [Reason()], false, RoomSegments(), NotPost), 120),
            ("POST join/{roomIdOrAlias}", JoinByIdOrAlias(w, sandbox, Reason()), 160),
            ("POST knock/{roomIdOrAlias}", Endpoint("POST knock/{roomIdOrAlias}", HttpMethod.Post, (v, r) => $"/_matrix/client/{v}/knock/{r}", victim, w.Other, [Reason()], false, AliasSegments(), NotPost), 80),
            ("POST rooms/{roomId}/invite", Targeted("invite", w.Owner, fresh, victim, sandbox, oddIsLegal: true), 150),
            ("POST rooms/{roomId}/kick", Targeted("kick", w.Owner, w.Member.UserId, victim, sandbox, oddIsLegal: false), 150),
            ("POST rooms/{roomId}/ban", Targeted("ban", w.Owner, w.Other.UserId, victim, sandbox, oddIsLegal: true), 150),
            ("POST rooms/{roomId}/unban", Targeted("unban", w.Owner, w.Banned.UserId, victim, sandbox, oddIsLegal: false), 150),
            ("POST rooms/{roomId}/leave", Endpoint("POST rooms/{roomId}/leave", HttpMethod.Post, (v, r) => Rooms(v, r, "/leave"), victim, w.Member, [Reason()], false, RoomSegments(), NotPost), 100),
            ("POST rooms/{roomId}/forget", Endpoint("POST rooms/{roomId}/forget", HttpMethod.Post, (v, r) => Rooms(v, r, "/forget"), victim, w.Member, [], true, RoomSegments(), NotPost), 60),
            ("GET rooms/{roomId}/members", Members(w, victim), 120),
            ("GET rooms/{roomId}/joined_members", Endpoint("GET rooms/{roomId}/joined_members", HttpMethod.Get, (v, r) => Rooms(v, r, "/joined_members"), victim, w.Member, null, false, RoomSegments(), NotGet), 60),
            ("GET joined_rooms", Endpoint("GET joined_rooms", HttpMethod.Get, (v, _) => $"/_matrix/client/{v}/joined_rooms", string.Empty, w.Member, null, false, null, NotGet, readOnly: true), 40),
            ("GET rooms/{roomId}/state", GetState(w, victim), 100),
            ("PUT rooms/{roomId}/state", PutState(w, victim, sandbox), 250),
            ("POST api/v1/rooms/{roomId}/{action}", Legacy(w, fresh, victim), 150),
        };
        return list;
    }

    /// <summary>
    /// An endpoint's cases: a bad body (when it takes one), bad credentials, an unknown API version, a wrong method,
    /// and a bad path segment (when it has one). All are refused; for <paramref name="readOnly"/> endpoints without a
    /// segment, junk query parameters are added and may be ignored.
    /// </summary>
    private static Gen<FuzzCase> Endpoint(
        string endpoint,
        HttpMethod method,
        Func<string, string, string> path,
        string segment,
        TestUser actor,
        IReadOnlyList<Field>? schema,
        bool emptyIsInvalid,
        Gen<string>? badSegments,
        string[] wrongMethods,
        bool readOnly = false)
    {
        var validBody = schema is null ? null : Utf8(Render(schema));
        var gens = new List<(int, Gen<FuzzCase>)>
        {
            (2, from v in Gen.Elements(ClientVersions)
                from a in AuthMutations(actor)
                select new FuzzCase(endpoint, "auth:" + a.Kind, method, path(v, segment) + a.Query, validBody, a.Headers, true)),
            (1, from v in Gen.Elements(BadClientVersions)
                select new FuzzCase(endpoint, "version", method, path(v, segment), validBody, Bearer(actor), true)),
            (1, from v in Gen.Elements(ClientVersions)
                from m in Gen.Elements(wrongMethods)
                select new FuzzCase(endpoint, "method", new HttpMethod(m), path(v, segment), validBody, Bearer(actor), true)),
        };
        if (schema is not null)
        {
            gens.Add((6, from v in Gen.Elements(ClientVersions)
                         from b in BadBody(schema, MaxBody, emptyIsInvalid)
                         select new FuzzCase(endpoint, "body:" + b.Kind, method, path(v, segment), b.Body, Bearer(actor), true)));
        }

        if (badSegments is not null)
        {
            gens.Add((3, from v in Gen.Elements(ClientVersions)
                         from s in badSegments
                         select new FuzzCase(endpoint, "path", method, path(v, s), validBody, Bearer(actor), true)));
        }

        if (readOnly)
        {
            gens.Add((1, from v in Gen.Elements(ClientVersions)
                         from q in JunkQueries()
                         select new FuzzCase(endpoint, "junk-query", method, path(v, segment) + q, null, Bearer(actor), false)));
        }

        return Gen.Frequency(gens);
    }

    /// <summary>invite, kick, ban, unban: <c>{"user_id", "reason"}</c>; odd but legal targets go to the sandbox when they could succeed.</summary>
    private static Gen<FuzzCase> Targeted(string action, TestUser owner, string validTarget, string victim, string sandbox, bool oddIsLegal)
    {
        var endpoint = $"POST rooms/{{roomId}}/{action}";
        var schema = new Field[] { new("user_id", Str(validTarget), BadUserIdValue(), Required: true), new("reason", Str("fuzz"), BadString(4096)) };
        var odd = from v in Gen.Elements(ClientVersions)
                  from user in OddUserIds()
                  select new FuzzCase(endpoint, "odd-target", HttpMethod.Post, $"/_matrix/client/{v}/rooms/{(oddIsLegal ? sandbox : victim)}/{action}", Utf8(Obj(("user_id", Str(user)))), Bearer(owner), !oddIsLegal);
        return Gen.Frequency(
            (10, Endpoint(endpoint, HttpMethod.Post, (v, r) => $"/_matrix/client/{v}/rooms/{r}/{action}", victim, owner, schema, true, RoomSegments(), NotPost)),
            (2, odd));
    }

    private static Field[] CreateRoomSchema()
    {
        var invalidPowerLevels = new[]
        {
            "{\"ban\":\"x\"}", "{\"ban\":1.5}", "{\"ban\":1e400}", "{\"ban\":9223372036854775808}", "{\"users\":[]}", "{\"users\":5}",
            "{\"users\":{\"notauser\":50}}", "{\"users\":{\"@a:localhost\":\"high\"}}", "{\"users\":{\"@a:localhost\":1.5}}", "{\"events\":[]}",
            "{\"events\":{\"m.room.name\":\"x\"}}", "{\"users_default\":true}", "{\"kick\":[]}", "{\"invite\":{}}",
        };
        var tooManyInvites = "[" + string.Join(",", Enumerable.Range(0, 41).Select(i => Str($"@fzi{i}:{Server}"))) + "]";
        return
        [
            new("preset", Str("public_chat"), Gen.OneOf(Gen.Elements(NonStrings), Gen.Elements("public", "", "PUBLIC_CHAT", "public_chat ").Select(Str))),
            new("visibility", Str("private"), Gen.OneOf(Gen.Elements(NonStrings), Gen.Elements("hidden", "", "Public").Select(Str))),
            new("room_version", Str("10"), Gen.OneOf(Gen.Elements(NonStrings), Gen.Elements("1", "99", "", "10 ", "v10", "11\u0000").Select(Str))),
            new("name", Str("fuzz"), Gen.Elements(NonStrings)),
            new("room_alias_name", Str("fzcreated"), Gen.OneOf(Gen.Elements(NonStrings), Gen.Elements("a:b", "", "a\u0000b", new string('a', 300), ":").Select(Str))),
            new("invite", "[]", Gen.OneOf(
                Gen.Elements(NonArrays),
                Gen.Elements("[5]", "[null]", "[[]]", "[\"notauser\"]", "[\"@u:bad server\"]", $"[\"@x:{FuzzHost.Origin}\"]", "[\"@a\\u0000b:localhost\"]", tooManyInvites))),
            new("is_direct", "false", Gen.Elements(NonBools)),
            new("power_level_content_override", "{}", Gen.OneOf(Gen.Elements(NonObjects), Gen.Elements(invalidPowerLevels), WithUnsignable("{}"), WithUnsignable("{\"ban\":50}"))),
            new("creation_content", "{}", Gen.OneOf(Gen.Elements(NonObjects), Gen.Elements("{\"m.federate\":\"yes\"}", "{\"m.federate\":1}", "{\"m.federate\":[]}"), WithUnsignable("{}"))),
        ];
    }

    /// <summary>createRoom: one thing wrong, or (legal) a room named with more characters than a Table Storage string holds.</summary>
    private static Gen<FuzzCase> CreateRoom(FuzzWorld w)
    {
        const string Endpoint = "POST createRoom";
        return Gen.Frequency(
            (15, FuzzMatrixCases.Endpoint(Endpoint, HttpMethod.Post, (v, _) => $"/_matrix/client/{v}/createRoom", string.Empty, w.Owner, CreateRoomSchema(), false, null, NotPost)),
            (1, from v in Gen.Elements(ClientVersions)
                from n in LargeLegalSizes()
                select new FuzzCase(Endpoint, "large-name", HttpMethod.Post, $"/_matrix/client/{v}/createRoom", Utf8(Obj(("name", Padding(n)))), Bearer(w.Owner), false)));
    }

    /// <summary>
    /// join/{roomIdOrAlias}, whose whole body becomes the member content: one thing wrong (an unsignable number among
    /// them, or a display name past the PDU limit), or (legal, in the sandbox) a display name of 32-60 K characters.
    /// </summary>
    private static Gen<FuzzCase> JoinByIdOrAlias(FuzzWorld w, string sandbox, Field reason)
    {
        const string Endpoint = "POST join/{roomIdOrAlias}";
        var victim = Uri.EscapeDataString(w.Alias);
        return Gen.Frequency(
            (12, FuzzMatrixCases.Endpoint(Endpoint, HttpMethod.Post, (v, r) => $"/_matrix/client/{v}/join/{r}", victim, w.Member, [reason, new("x", "1", Unsignable())], false, AliasSegments(), NotPost)),
            (1, from v in Gen.Elements(ClientVersions)
                select new FuzzCase(Endpoint, "too-large", HttpMethod.Post, $"/_matrix/client/{v}/join/{victim}", Utf8(Obj(("displayname", Padding(65_400)))), Bearer(w.Member), true)),
            (2, from v in Gen.Elements(ClientVersions)
                from n in LargeLegalSizes()
                select new FuzzCase(Endpoint, "large-displayname", HttpMethod.Post, $"/_matrix/client/{v}/join/{sandbox}", Utf8(Obj(("displayname", Padding(n)))), Bearer(w.Other), false)));
    }

    /// <summary>GET members: bad <c>at</c>, <c>membership</c>, <c>not_membership</c> (refused), plus path, credentials, method.</summary>
    private static Gen<FuzzCase> Members(FuzzWorld w, string victim)
    {
        const string Endpoint = "GET rooms/{roomId}/members";
        var badQueries = Gen.Elements(
            "?at=s", "?at=s0", "?at=s-1", "?at=s1.5", "?at=x1", "?at=s99999999999999999999", "?at=S1", "?at=s%00", "?at=s%201", "?at=1", "?at=%FF",
            "?membership=joined", "?membership=JOIN", "?membership=join,leave", "?membership=%00", "?membership=join&membership=leave",
            "?not_membership=bogus", "?not_membership=%FF", "?at=s1&at=s2");
        return Gen.Frequency(
            (3, from v in Gen.Elements(ClientVersions)
                from q in badQueries
                select new FuzzCase(Endpoint, "query", HttpMethod.Get, $"/_matrix/client/{v}/rooms/{victim}/members{q}", null, Bearer(w.Member), true)),
            (5, FuzzMatrixCases.Endpoint(Endpoint, HttpMethod.Get, (v, r) => $"/_matrix/client/{v}/rooms/{r}/members", victim, w.Member, null, false, RoomSegments(), NotGet)));
    }

    /// <summary>GET state: unknown event types, state keys that are not users or not empty, bad rooms; all refused.</summary>
    private static Gen<FuzzCase> GetState(FuzzWorld w, string victim)
    {
        const string Endpoint = "GET rooms/{roomId}/state";
        var member = Uri.EscapeDataString(w.Member.UserId);
        var badTypeAndKey = Gen.OneOf(
            Gen.Elements("m.room.name/", "m.room.topic/", "m.room.create/", "%00/", "m.room.member%2Fx/" + member, "M.ROOM.MEMBER/" + member, new string('t', 300) + "/",
                "m.room.power_levels/x", "m.room.join_rules/" + member, "m.room.member/", "m.room.member/%FF", "m.room.member/" + Uri.EscapeDataString("@nobody:" + Server)),
            Gen.Elements(BadUserIds).Select(u => "m.room.member/" + Uri.EscapeDataString(u)),
            OddUserIds().Select(u => "m.room.member/" + Uri.EscapeDataString(u)));
        return Gen.Frequency(
            (4, from v in Gen.Elements(ClientVersions)
                from tk in badTypeAndKey
                select new FuzzCase(Endpoint, "type-or-key", HttpMethod.Get, $"/_matrix/client/{v}/rooms/{victim}/state/{tk}", null, Bearer(w.Member), true)),
            (5, FuzzMatrixCases.Endpoint(Endpoint, HttpMethod.Get, (v, r) => $"/_matrix/client/{v}/rooms/{r}/state/m.room.member/{member}", victim, w.Member, null, false, RoomSegments(), ["POST", "DELETE", "PATCH"])));
    }

    /// <summary>
    /// PUT state: member content without a valid membership, invalid power levels and join rules (unsignable numbers and
    /// content past the PDU limit among them), unserved types; and (legal, in the sandbox) join rules of 32-60 K characters.
    /// </summary>
    private static Gen<FuzzCase> PutState(FuzzWorld w, string victim, string sandbox)
    {
        const string Endpoint = "PUT rooms/{roomId}/state";
        var memberKey = Uri.EscapeDataString(w.Member.UserId);
        var memberSchema = new Field[] { new("membership", Str("leave"), Gen.OneOf(Gen.Elements(NonStrings), Gen.Elements("joined", "", "LEAVE", "kick", "leave ").Select(Str)), Required: true), new("x", "1", Unsignable()) };
        var invalidPowerLevels = Gen.OneOf(
            Gen.Elements(
                "{\"ban\":\"x\"}", "{\"ban\":1.5}", "{\"ban\":1e400}", "{\"ban\":9223372036854775808}", "{\"users\":[]}", "{\"users\":{\"notauser\":50}}",
                "{\"users\":{\"@a:localhost\":\"high\"}}", "{\"events\":[]}", "{\"events\":{\"m.room.name\":true}}", "{\"users_default\":\"0\"}", "{\"state_default\":{}}"),
            WithUnsignable("{\"ban\":50}"));
        var invalidJoinRules = Gen.OneOf(
            Gen.Elements("{}", "{\"join_rule\":5}", "{\"join_rule\":null}", "{\"join_rule\":[]}", "{\"join_rule\":{}}", "{\"join_rule\":true}"),
            WithUnsignable("{\"join_rule\":\"invite\"}"),
            Gen.Constant("{\"join_rule\":\"invite\",\"pad\":" + Padding(65_400) + "}"));
        var largeJoinRules = LargeLegalSizes().Select(n => "{\"join_rule\":\"public\",\"pad\":" + Padding(n) + "}");

        // Malformed allow lists are legal: entries that do not match are ignored (MSC3083), so these go to the sandbox.
        var oddAllowLists = Gen.Elements(
            "{\"join_rule\":\"restricted\",\"allow\":\"x\"}", "{\"join_rule\":\"restricted\",\"allow\":[5]}", "{\"join_rule\":\"knock_restricted\",\"allow\":{}}",
            "{\"join_rule\":\"restricted\",\"allow\":[{\"type\":\"m.room_membership\",\"room_id\":5}]}", "{\"join_rule\":\"restricted\",\"allow\":[{\"type\":\"m.room_membership\",\"room_id\":\"notaroom\"}]}",
            "{\"join_rule\":\"restricted\",\"allow\":[{\"type\":\"m.room_membership\",\"room_id\":\"!a\\u0001/b:localhost\"}]}", "{\"join_rule\":\"restricted\",\"allow\":[{\"type\":5}]}");
        var unservedTypes = Gen.Elements("m.room.name/", "m.room.topic/", "m.room.create/", "m.room.power_levels/x", "m.room.join_rules/" + memberKey, "%00/", new string('t', 300) + "/");
        return Gen.Frequency(
            (6, FuzzMatrixCases.Endpoint(Endpoint, HttpMethod.Put, (v, r) => $"/_matrix/client/{v}/rooms/{r}/state/m.room.member/{memberKey}", victim, w.Owner, memberSchema, true, RoomSegments(), ["POST", "DELETE", "PATCH"])),
            (2, from v in Gen.Elements(ClientVersions)
                from body in Gen.OneOf(invalidPowerLevels.Select(b => ("invalid", Utf8(b))), Structural("{\"ban\":50}", MaxBody, false))
                select new FuzzCase(Endpoint, "power-levels:" + body.Item1, HttpMethod.Put, $"/_matrix/client/{v}/rooms/{victim}/state/m.room.power_levels/", body.Item2, Bearer(w.Owner), true)),
            (2, from v in Gen.Elements(ClientVersions)
                from body in Gen.OneOf(invalidJoinRules.Select(b => ("invalid", Utf8(b))), Structural("{\"join_rule\":\"invite\"}", MaxBody, false))
                select new FuzzCase(Endpoint, "join-rules:" + body.Item1, HttpMethod.Put, $"/_matrix/client/{v}/rooms/{victim}/state/m.room.join_rules", body.Item2, Bearer(w.Owner), true)),
            (1, from v in Gen.Elements(ClientVersions)
                from body in oddAllowLists
                select new FuzzCase(Endpoint, "odd-allow-list", HttpMethod.Put, $"/_matrix/client/{v}/rooms/{sandbox}/state/m.room.join_rules", Utf8(body), Bearer(w.Owner), false)),
            (1, from v in Gen.Elements(ClientVersions)
                from body in largeJoinRules
                select new FuzzCase(Endpoint, "large-join-rules", HttpMethod.Put, $"/_matrix/client/{v}/rooms/{sandbox}/state/m.room.join_rules", Utf8(body), Bearer(w.Owner), false)),
            (1, from v in Gen.Elements(ClientVersions)
                from t in unservedTypes
                select new FuzzCase(Endpoint, "unserved-type", HttpMethod.Put, $"/_matrix/client/{v}/rooms/{victim}/state/{t}", Utf8("{\"name\":\"x\"}"), Bearer(w.Owner), true)),
            (1, from v in Gen.Elements(ClientVersions)
                from u in Gen.Elements(BadUserIds)
                select new FuzzCase(Endpoint, "bad-state-key", HttpMethod.Put, $"/_matrix/client/{v}/rooms/{victim}/state/m.room.member/{Uri.EscapeDataString(u)}", Utf8("{\"membership\":\"invite\"}"), Bearer(w.Owner), true)),
            (1, from v in Gen.Elements(ClientVersions)
                from u in OddUserIds()
                select new FuzzCase(Endpoint, "odd-state-key", HttpMethod.Put, $"/_matrix/client/{v}/rooms/{sandbox}/state/m.room.member/{Uri.EscapeDataString(u)}", Utf8("{\"membership\":\"invite\"}"), Bearer(w.Owner), false)));
    }

    /// <summary><c>/_matrix/client/api/v1/rooms/{roomId}/{action}</c>: the six actions' bodies, unknown actions, bad rooms.</summary>
    private static Gen<FuzzCase> Legacy(FuzzWorld w, string fresh, string victim)
    {
        const string Endpoint = "POST api/v1/rooms/{roomId}/{action}";
        Field[] Targeted(string target) => [new("user_id", Str(target), BadUserIdValue(), Required: true), new("reason", Str("fuzz"), BadString(4096))];
        Field[] Self() => [new("reason", Str("fuzz"), BadString(4096))];
        Gen<FuzzCase> Action(string action, TestUser actor, Field[] schema, bool emptyIsInvalid) =>
            from b in BadBody(schema, MaxBody, emptyIsInvalid)
            select new FuzzCase(Endpoint, $"{action}:{b.Kind}", HttpMethod.Post, $"/_matrix/client/api/v1/rooms/{victim}/{action}", b.Body, Bearer(actor), true);
        return Gen.Frequency(
            (2, Action("join", w.Member, Self(), false)),
            (2, Action("leave", w.Member, Self(), false)),
            (2, Action("invite", w.Owner, Targeted(fresh), true)),
            (2, Action("kick", w.Owner, Targeted(w.Member.UserId), true)),
            (2, Action("ban", w.Owner, Targeted(w.Other.UserId), true)),
            (2, Action("unban", w.Owner, Targeted(w.Banned.UserId), true)),
            (1, from a in Gen.Elements("forget", "knock", "JOIN", "join%00", "members", "%FF")
                select new FuzzCase(Endpoint, "unknown-action", HttpMethod.Post, $"/_matrix/client/api/v1/rooms/{victim}/{a}", Utf8("{}"), Bearer(w.Member), true)),
            (1, from s in RoomSegments()
                select new FuzzCase(Endpoint, "path", HttpMethod.Post, $"/_matrix/client/api/v1/rooms/{s}/join", Utf8("{}"), Bearer(w.Member), true)),
            (1, from a in AuthMutations(w.Member)
                select new FuzzCase(Endpoint, "auth:" + a.Kind, HttpMethod.Post, $"/_matrix/client/api/v1/rooms/{victim}/leave{a.Query}", Utf8("{}"), a.Headers, true)),
            (1, from v in Gen.Elements("api/v2", "api/v0", "api", "apiv1")
                select new FuzzCase(Endpoint, "version", HttpMethod.Post, $"/_matrix/client/{v}/rooms/{victim}/leave", Utf8("{}"), Bearer(w.Member), true)));
    }

    /// <summary>GET versions takes nothing: other methods and misspelt paths are refused, junk query parameters ignored.</summary>
    private static Gen<FuzzCase> Versions() => Gen.Frequency(
        (1, from m in Gen.Elements(NotGet)
            select new FuzzCase("GET versions", "method", new HttpMethod(m), "/_matrix/client/versions", Utf8("{}"), [], true)),
        (1, from p in Gen.Elements("/_matrix/client/version", "/_matrix/client/versionsx", "/_matrix/client/v3/versions", "/_matrix/client/versions%00", "/_matrix/client", "/_matrix/")
            select new FuzzCase("GET versions", "path", HttpMethod.Get, p, null, [], true)),
        (1, from q in JunkQueries()
            select new FuzzCase("GET versions", "junk-query", HttpMethod.Get, "/_matrix/client/versions" + q, null, [], false)));

    private static Gen<string> AliasSegments() => Gen.OneOf(
        RoomSegments(),
        Gen.Elements(BadAliases).Select(Uri.EscapeDataString),
        OddText(15).Select(t => Uri.EscapeDataString($"#{t}:{Server}")));

    private static Gen<string> JunkQueries() => Gen.Elements("?x=1", "?via=%00", "?server_name=%FF", "?a=1&a=2&a=3", "?%00=%00", "?" + new string('q', 2000) + "=1", "?=", "?&&&", "?at=s1");

    /// <summary>Credentials that are missing, malformed, unknown, or given twice; every one is refused with 401.</summary>
    private static Gen<(string Kind, string Query, KeyValuePair<string, string>[] Headers)> AuthMutations(TestUser actor) => Gen.Elements<(string, string, KeyValuePair<string, string>[])>(
        ("none", string.Empty, []),
        ("scheme-only", string.Empty, Authorization("Bearer")),
        ("empty-token", string.Empty, Authorization("Bearer ")),
        ("basic", string.Empty, Authorization("Basic dXNlcjpwYXNz")),
        ("unknown-token", string.Empty, Authorization("Bearer mst_notatoken")),
        ("token-and-junk", string.Empty, Authorization($"Bearer {actor.Token} junk")),
        ("token-prefix", string.Empty, Authorization($"Bearer {actor.Token[..^1]}")),
        ("two-headers", string.Empty, [.. Authorization($"Bearer {actor.Token}"), .. Authorization($"Bearer {actor.Token}")]),
        ("header-and-query", $"?access_token={actor.Token}", Authorization($"Bearer {actor.Token}")),
        ("two-query-tokens", $"?access_token={actor.Token}&access_token={actor.Token}", []),
        ("empty-query-token", "?access_token=", []),
        ("x-matrix", string.Empty, Authorization($"X-Matrix origin={FuzzHost.Origin},key=\"ed25519:k1\",sig=\"AAAA\"")),
        ("lowercase-unknown", string.Empty, Authorization("bearer nope")));

    private static KeyValuePair<string, string>[] Authorization(string value) => [new("Authorization", value)];

    public static KeyValuePair<string, string>[] Bearer(TestUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Authorization("Bearer " + user.Token);
    }
}
