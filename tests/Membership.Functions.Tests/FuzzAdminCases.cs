using FsCheck;
using FsCheck.Fluent;
using Membership.Protocols;
using static Membership.Functions.Tests.FuzzInputs;

namespace Membership.Functions.Tests;

/// <summary>
/// Generators for every admin command: the Room Engine commands of <c>functions/RoomEngine/RoomEngineEndpoints.cs</c>,
/// <c>membership_admin/issue_token</c> and unknown commands (<c>functions/Endpoints.cs</c>). Each case has one thing
/// wrong: a field (type, length, grammar, range), the body's structure, a query parameter or the signature, the method.
/// Valid, each would change the fuzz room (or make a room or a token), so each must answer a non-zero ErrorCode.
/// </summary>
public static class FuzzAdminCases
{
    private const int MaxBody = 1 << 20;

    public static IReadOnlyList<(string Endpoint, Gen<FuzzCase> Gen, int Count)> All(FuzzWorld w)
    {
        ArgumentNullException.ThrowIfNull(w);
        var victim = Str(w.VictimRoomId);
        var owner = Str(RoomEngineCalls.AccountOf(w.Owner));
        var member = Str(RoomEngineCalls.AccountOf(w.Member));
        var other = Str(RoomEngineCalls.AccountOf(w.Other));
        var banned = Str(RoomEngineCalls.AccountOf(w.Banned));

        Field RoomId() => new("RoomId", victim, BadRoomIdValue(allowOdd: true), Required: true);
        Field Reason() => new("Reason", Str("fuzz"), BadString(1000), Required: true);

        var createInfo = new Field[]
        {
            new("RoomId", Str("fzcreated"), BadRoomIdValue(allowOdd: false), Required: true),
            new("RoomType", Str("Conference"), Gen.OneOf(Gen.Elements(NonStrings), Gen.Elements("Meeting", "", "conference", "Live ").Select(Str)), Required: true),
            new("RoomName", Str("n"), BadString(100)),
            new("Owner_Account", owner, BadAccount()),
            new("MaxMemberCount", "300", Gen.Elements(Plus(NonIntegers, "0", "-1", "100001"))),
            new("ScheduleStartTime", "1700000000", Gen.Elements(Plus(NonIntegers, "-1", "4294967296"))),
            new("ScheduleEndTime", "1700003600", Gen.Elements(Plus(NonIntegers, "-1", "1700000001"))),
            new("IsVideoDisabled", "false", Gen.Elements(NonBools)),
            new("IsSeatEnabled", "false", Gen.Elements(NonBools)),
            new("MaxSeatCount", "0", Gen.Elements(Plus(NonIntegers, "-1", "1001"))),
            new("CustomInfo", Str("c"), BadString(500)),
            new("TakeSeatMode", Str("FreeToTake"), Gen.OneOf(Gen.Elements(NonStrings), Gen.Elements("free", "", "None").Select(Str))),
        };
        var updateInfo = new Field[]
        {
            RoomId(),
            new("RoomName", Str("renamed"), BadString(100)),
            new("MaxMemberCount", "500", Gen.Elements(Plus(NonIntegers, "0", "-1", "1", "100001"))),
            new("IsMessageDisabled", "true", Gen.Elements(NonBools)),
            new("CustomInfo", Str("c2"), BadString(500)),
            new("TakeSeatMode", Str("ApplyToTake"), Gen.OneOf(Gen.Elements(NonStrings), Gen.Elements("apply", "").Select(Str))),
        };
        var memberInfo = new Field[]
        {
            new("Member_Account", member, Gen.OneOf(BadAccount(), OddAccounts()), Required: true),
            new("Role", Str("Admin"), Gen.OneOf(Gen.Elements(NonStrings), Gen.Elements("Owner", "admin", "", "Admin ").Select(Str))),
            new("NameCard", Str("n"), BadString(32)),
            new("CustomInfo", Str("c"), BadString(60)),
        };

        var commands = new (string Command, Field[] Schema, int Count)[]
        {
            ("create_room", [Nested("RoomInfo", createInfo), new("ScheduleInviteeList_Account", "[]", Gen.OneOf(BadAccountList(emptyIsValid: true), Gen.Elements($"[{owner}]", $"[\"@x:{FuzzHost.Origin}\"]")))], 160),
            ("destroy_room", [RoomId()], 80),
            ("get_room_info", [RoomId()], 80),
            ("update_room_info", [Nested("RoomInfo", updateInfo)], 140),
            ("get_room_member_list", [RoomId(), new("Count", "10", Gen.Elements(Plus(NonIntegers, "0", "101", "-1"))), new("Next", Str(string.Empty), BadCursor())], 100),
            ("update_room_member_info", [RoomId(), Nested("MemberInfo", memberInfo)], 120),
            ("change_room_owner", [RoomId(), new("NewOwner_Account", member, Gen.OneOf(BadAccount(), OddAccounts()), Required: true), new("From_Account", owner, Gen.OneOf(BadAccount(), Gen.Constant(other)))], 100),
            ("kick_user_out", [RoomId(), new("MemberList_Account", $"[{member}]", Gen.OneOf(BadAccountList(), OddAccounts().Select(a => $"[{a}]")), Required: true), Reason()], 140),
            ("ban_room_member", [RoomId(), new("MemberList_Account", $"[{other}]", BadAccountList(), Required: true), Reason(), new("Duration", "60", Gen.Elements(Plus(NonIntegers, "0", "-1", "4294967296")), Required: true)], 140),
            ("unban_room_member", [RoomId(), new("MemberList_Account", $"[{banned}]", BadAccountList(), Required: true)], 100),
            ("get_banned_member_list", [RoomId(), new("Limit", "10", Gen.Elements(Plus(NonIntegers, "0", "101", "-1"))), new("Next", Str(string.Empty), Gen.Elements("\"%%\"", "\"abc\"", "\"1e3\"", "\" 1\"", "-1", "1.5", "2000000", "[]", "{}", "true")), new("Offset", "0", Gen.Elements(Plus(NonIntegers, "-1", "1000001")))], 80),
            ("mark_room_member", [RoomId(), new("CommandType", "1", Gen.Elements(Plus(NonIntegers, "0", "3", "-1")), Required: true), new("MemberList", $"[{{\"Member_Account\":{member},\"Marks\":[1000]}}]", Gen.OneOf(BadAccountList(), Gen.Elements($"[{{\"Member_Account\":{member},\"Marks\":[999]}}]", $"[{{\"Member_Account\":{member},\"Marks\":[1.5]}}]", $"[{{\"Member_Account\":{member},\"Marks\":[1000,1001,1002,1003]}}]", $"[{{\"Marks\":[1000]}}]", $"[{{\"Member_Account\":{member},\"Marks\":\"1000\"}}]", "[[]]", "[null]")), Required: true)], 100),
        };

        var sigs = new Signatures();
        var list = commands
            .Select(c => ($"room_engine_http_srv/{c.Command}", Command($"room_engine_http_srv/{c.Command}", c.Schema, sigs), c.Count))
            .ToList();
        var issueToken = new Field[] { new("UserId", Str("fzissued"), Gen.OneOf(Gen.Elements(NonStrings), Gen.Elements("", "a:b", "@a:bad server", "a\u0000b", new string('a', 300), $"@x:{FuzzHost.Origin}", "@", "@:localhost").Select(Str)), Required: true) };
        list.Add(("membership_admin/issue_token", Command("membership_admin/issue_token", issueToken, sigs), 120));
        list.Add(("unknown commands", UnknownCommands(victim, sigs), 60));
        return list;
    }

    private static string[] Plus(string[] values, params string[] more) => [.. values, .. more];

    /// <summary>A command's cases: a bad body, a bad query string (parameters or UserSig), a method other than POST.</summary>
    private static Gen<FuzzCase> Command(string command, IReadOnlyList<Field> schema, Signatures sigs)
    {
        var path = "/v4/" + command;
        var valid = Utf8(Render(schema));
        return Gen.Frequency(
            (6, from b in BadBody(schema, MaxBody, emptyIsInvalid: true)
                select new FuzzCase(command, "body:" + b.Kind, HttpMethod.Post, $"{path}?{sigs.Valid}", b.Body, [], true)),
            (3, from q in QueryMutations(sigs)
                select new FuzzCase(command, "query:" + q.Kind, HttpMethod.Post, $"{path}?{q.Query}", valid, [], true)),
            (1, from m in Gen.Elements("GET", "PUT", "DELETE", "PATCH")
                select new FuzzCase(command, "method", new HttpMethod(m), $"{path}?{sigs.Valid}", valid, [], true)));
    }

    private static Gen<FuzzCase> UnknownCommands(string victim, Signatures sigs) =>
        from path in Gen.Elements(
            "/v4/room_engine_http_mic/take_seat", "/v4/room_engine_http_srv/nope", "/v4/foo/bar", "/v4/room_engine_http_srv/kick_user_out/extra",
            "/v4/membership_admin/issue_tokens", "/v4/a/b/c", "/v4/room_engine_http_srv/%00", "/v4/%FF/%FF", "/v4", "/v4/room_engine_http_srv")
        select new FuzzCase("unknown commands", "unknown", HttpMethod.Post, $"{path}?{sigs.Valid}", Utf8(Obj(("RoomId", victim))), [], true);

    /// <summary>A nested object field: the wrong type, or the object with one of its own fields wrong.</summary>
    private static Field Nested(string key, Field[] inner) =>
        new(key, Render(inner), Gen.OneOf(Gen.Elements(NonObjects), FuzzInputs.Mutated(inner).Select(m => m.Text)), Required: true);

    /// <summary>RoomIds that are not RoomIds (type, empty, ':', over 48 bytes, NUL); with <paramref name="allowOdd"/>, legal ones nobody made.</summary>
    private static Gen<string> BadRoomIdValue(bool allowOdd)
    {
        var bad = Gen.OneOf(
            Gen.Elements(NonStrings),
            Gen.Elements("", "a:b", ":", new string('r', 49), string.Concat(Enumerable.Repeat("é", 25)), "a\u0000b", "!a:localhost").Select(Str));
        return allowOdd ? Gen.OneOf(bad, OddText(12).Where(t => System.Text.Encoding.UTF8.GetByteCount(t) <= 48).Select(Str)) : bad;
    }

    /// <summary>Accounts that are not accounts: wrong type, empty, a ':' without being a user ID, NUL, too long, another server's grammar broken.</summary>
    private static Gen<string> BadAccount() => Gen.OneOf(
        Gen.Elements(NonStrings),
        Gen.Elements("", "a:b", "@a:bad server", "a\u0000b", "@" + new string('a', 300) + ":localhost", new string('a', 300), "@a:localhost:123456", ":").Select(Str));

    /// <summary>Legal accounts (odd characters, no ':') of users who are not in the room.</summary>
    private static Gen<string> OddAccounts() => OddText(15).Select(Str);

    /// <summary>Lists that are not 1 to 20 distinct accounts (with <paramref name="emptyIsValid"/>, an empty list is fine).</summary>
    private static Gen<string> BadAccountList(bool emptyIsValid = false) => Gen.OneOf(
        Gen.Elements(NonArrays),
        Gen.Constant(emptyIsValid ? "[5]" : "[]"),
        Gen.Elements(
            "[5]", "[null]", "[[]]", "[\"\"]", "[\"a:b\"]", "[\"a\\u0000b\"]", "[\"x\",\"x\"]", "[{}]",
            "[" + string.Join(",", Enumerable.Range(0, 21).Select(i => Str($"fz{i}"))) + "]"),
        BadAccount().Select(a => $"[{a}]"));

    private static Gen<string> BadCursor() => Gen.OneOf(
        Gen.Elements(NonStrings),
        Gen.Elements("!!!", "AAAA", "bm90YXVzZXI", "%%%", new string('A', 1025), "QA", "=", "0=").Select(Str));

    /// <summary>Query strings with one parameter missing, wrong, duplicated, or a UserSig that does not hold.</summary>
    private static Gen<(string Kind, string Query)> QueryMutations(Signatures sigs)
    {
        var names = new[] { "sdkappid", "identifier", "usersig", "random", "contenttype" };
        var valid = new[] { ServiceFixture.SdkAppId.ToString(System.Globalization.CultureInfo.InvariantCulture), ServiceFixture.Admin, Uri.EscapeDataString(sigs.Admin), "12345", "json" };
        var bad = new[]
        {
            new[] { string.Empty, "abc", "-1", "99999999999999999999", "1400000001", "%201400000000", "1400000000%20", "1.4e9", "0x5", "%00" },
            [string.Empty, "nobody", "Administrator", "administrator%00", "administrator%20", new string('a', 300), "%FF"],
            [string.Empty, "garbage", "%25%25%25", Uri.EscapeDataString(sigs.Admin[..^4]), Uri.EscapeDataString(sigs.OtherIdentifier), Uri.EscapeDataString(sigs.OtherKey), Uri.EscapeDataString(sigs.OtherApp), Uri.EscapeDataString(sigs.Expired), "eJyrVgrxCdZRsgJRZkYGBgYGBgA", "%00"],
            [string.Empty, "-1", "4294967296", "abc", "1.5", "%00", "99999999999999999999"],
            [string.Empty, "xml", "JSON", "json%00", "json%20"],
        };
        string Query(Func<int, string?> value) => string.Join("&", names.Select((n, i) => (n, v: value(i))).Where(p => p.v is not null).Select(p => $"{p.n}={p.v}"));
        return Gen.OneOf(
            Gen.Choose(0, names.Length - 1).Select(i => ($"missing:{names[i]}", Query(j => j == i ? null : valid[j]))),
            from i in Gen.Choose(0, names.Length - 1)
            from b in Gen.Elements(bad[i])
            select ($"bad:{names[i]}", Query(j => j == i ? b : valid[j])),
            from i in Gen.Choose(0, names.Length - 1)
            from b in Gen.Elements(bad[i].Where(x => x.Length > 0).ToArray())
            select ($"twice:{names[i]}", Query(j => valid[j]) + $"&{names[i]}={b}"),
            Gen.Elements(
                ("not-an-admin", $"sdkappid={valid[0]}&identifier=nobody&usersig={Uri.EscapeDataString(sigs.Nobody)}&random=1&contenttype=json"),
                ("empty", string.Empty),
                ("only-junk", "a=1&b=2")));
    }

    /// <summary>UserSigs: the admin's, and ones that must not pass (another identifier, key or App, expired).</summary>
    private sealed class Signatures
    {
        private const string OtherSecret = "0000000000000000000000000000000000000000000000000000000000000000";

        public Signatures()
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Admin = UserSig.Generate(ServiceFixture.SdkAppId, ServiceFixture.SecretKey, ServiceFixture.Admin, 86400, now);
            OtherIdentifier = UserSig.Generate(ServiceFixture.SdkAppId, ServiceFixture.SecretKey, "nobody", 86400, now);
            Nobody = OtherIdentifier;
            OtherKey = UserSig.Generate(ServiceFixture.SdkAppId, OtherSecret, ServiceFixture.Admin, 86400, now);
            OtherApp = UserSig.Generate(ServiceFixture.SdkAppId + 1, ServiceFixture.SecretKey, ServiceFixture.Admin, 86400, now);
            Expired = UserSig.Generate(ServiceFixture.SdkAppId, ServiceFixture.SecretKey, ServiceFixture.Admin, 60, now - 3600);
            Valid = ServiceFixture.AdminQuery(ServiceFixture.Admin, Admin);
        }

        public string Admin { get; }

        public string OtherIdentifier { get; }

        public string Nobody { get; }

        public string OtherKey { get; }

        public string OtherApp { get; }

        public string Expired { get; }

        public string Valid { get; }
    }
}
