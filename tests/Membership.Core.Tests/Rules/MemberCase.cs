using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;

namespace Membership.Core.Tests.Rules;

/// <summary>
/// One row of the membership rules table: in the base room (<see cref="BaseRoom"/>) whose <see cref="Target"/> currently
/// has membership <see cref="From"/>, <see cref="Sender"/> does <see cref="Action"/>; the rules must answer
/// <see cref="Expected"/> (<c>allowed</c>, <c>unchanged</c>, or an errcode). Users are short names of the base room
/// (<c>mod</c> is <c>@mod:example.org</c>); a name with a colon is on another server (<c>dave:elsewhere.org</c>).
/// The <c>with</c>-helpers vary the base room for the rows that need it.
/// </summary>
public sealed record MemberCase(string Name, string Sender, string Target, string From, MembershipAction Action, string Expected)
{
    /// <summary>The target has no member event at all.</summary>
    public const string None = "none";

    public const string Allowed = "allowed";
    public const string Unchanged = "unchanged";
    public const string Forbidden = "M_FORBIDDEN";
    public const string BadState = "M_BAD_STATE";
    public const string BadJson = "M_BAD_JSON";

    public JoinRule JoinRule { get; init; } = JoinRule.Public;

    /// <summary>Who sent the target's current member event; by default the target (join, leave, knock) or alice (invite, ban).</summary>
    public string? FromSetBy { get; init; }

    /// <summary>For <see cref="MembershipAction.SetState"/>: the <c>membership</c> of the content (null: no such key).</summary>
    public string? StateMembership { get; init; }

    /// <summary>Extra content keys (a JSON object), merged over the content the action builds.</summary>
    public string? ExtraContent { get; init; }

    /// <summary>Extra keys of the room's power levels content (a JSON object), merged over the base levels.</summary>
    public string? ExtraLevels { get; init; }

    public bool ByServerAdmin { get; init; }

    public bool Federate { get; init; } = true;

    /// <summary>The room has only its create event: no members, no join rules event (so invite-only).</summary>
    public bool OnlyCreateEvent { get; init; }

    public int? JoinedCount { get; init; }

    public int? MaxMembers { get; init; }

    public MemberCase In(JoinRule rule) => this with { JoinRule = rule };

    public MemberCase SetBy(string user) => this with { FromSetBy = user };

    public MemberCase WithContent(string json) => this with { ExtraContent = json };

    public MemberCase WithLevels(string json) => this with { ExtraLevels = json };

    public MemberCase Via(string user) => WithContent($$"""{"join_authorised_via_users_server":"{{BaseRoom.Id(user)}}"}""");

    public MemberCase AsServerAdmin() => this with { ByServerAdmin = true };

    public MemberCase NotFederated() => this with { Federate = false };

    public MemberCase Fresh() => this with { OnlyCreateEvent = true, JoinRule = JoinRule.Default };

    public MemberCase Capped(int joined, int max) => this with { JoinedCount = joined, MaxMembers = max };

    /// <summary>A <c>PUT /state/m.room.member/{target}</c> row: the membership comes from the content, no API-level checks.</summary>
    public static MemberCase State(string name, string sender, string target, string from, string? membership, string expected) =>
        new(name, sender, target, from, MembershipAction.SetState, expected) { StateMembership = membership };

    public (RoomSnapshot Room, MembershipChange Change) Build()
    {
        var (sender, target) = (BaseRoom.Id(Sender), BaseRoom.Id(Target));
        var members = OnlyCreateEvent ? [] : BaseRoom.Members();
        if (From == None)
        {
            members.Remove(target);
        }
        else
        {
            var setBy = FromSetBy ?? (From is "invite" or "ban" ? "alice" : Target);
            members[target] = BaseRoom.Member(target, new RoomMembership(From), BaseRoom.Id(setBy));
        }

        var room = new RoomSnapshot(
            BaseRoom.RoomId,
            "10",
            BaseRoom.Id("alice"),
            Federate,
            JoinRule,
            [],
            PowerLevels.Parse(BaseRoom.Levels(ExtraLevels)),
            members,
            JoinedCount ?? members.Values.Count(m => m.Membership == RoomMembership.Join),
            MaxMembers)
        {
            HasOnlyCreateEvent = OnlyCreateEvent,
        };

        var content = Action == MembershipAction.SetState
            ? StateMembership is null ? [] : new JsonObject { ["membership"] = StateMembership }
            : MembershipChange.ContentFor(Action, reason: null);
        BaseRoom.Merge(content, ExtraContent);
        return (room, new MembershipChange(Action, sender, target, content, ByServerAdmin));
    }

    public override string ToString() => Name;
}

/// <summary>
/// The room every row starts from: <c>!room:example.org</c>, created by alice (100). Joined: alice, mod (50), peer (50),
/// bob (0, users_default). exmod (50) has left; invitedmod (50) is invited by alice; outlaw (50) is banned by alice.
/// carol (0) and everyone else has no member event unless the row gives the target one. Levels are the spec defaults: ban 50, kick 50, invite 0.
/// </summary>
public static class BaseRoom
{
    public const string Server = "example.org";

    public static RoomId RoomId { get; } = RoomId.Parse("!room:example.org");

    public static UserId Id(string name) =>
        UserId.Parse(name.Contains(':', StringComparison.Ordinal) ? "@" + name : $"@{name}:{Server}");

    public static Dictionary<UserId, MemberState> Members()
    {
        var alice = Id("alice");
        var members = new Dictionary<UserId, MemberState>();
        foreach (var name in new[] { "alice", "mod", "peer", "bob" })
        {
            members[Id(name)] = Member(Id(name), RoomMembership.Join, Id(name));
        }

        members[Id("exmod")] = Member(Id("exmod"), RoomMembership.Leave, Id("exmod"));
        members[Id("invitedmod")] = Member(Id("invitedmod"), RoomMembership.Invite, alice);
        members[Id("outlaw")] = Member(Id("outlaw"), RoomMembership.Ban, alice);
        return members;
    }

    public static MemberState Member(UserId user, RoomMembership membership, UserId sender) => new(
        user,
        membership,
        sender,
        new JsonObject { ["membership"] = membership.ToString() },
        "$" + user.Localpart + "-" + membership,
        Sequence: 1,
        DateTimeOffset.UnixEpoch);

    public static JsonObject Levels(string? extra)
    {
        var levels = new JsonObject
        {
            ["users"] = new JsonObject
            {
                [Id("alice").Value] = 100,
                [Id("mod").Value] = 50,
                [Id("peer").Value] = 50,
                [Id("exmod").Value] = 50,
                [Id("invitedmod").Value] = 50,
                [Id("outlaw").Value] = 50,
            },
        };
        Merge(levels, extra);
        return levels;
    }

    /// <summary>JSON merge: objects merge key by key (recursively), anything else replaces.</summary>
    public static void Merge(JsonObject into, string? json)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (json is not null)
        {
            Merge(into, JsonNode.Parse(json)!.AsObject());
        }
    }

    private static void Merge(JsonObject into, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is JsonObject obj && into[key] is JsonObject existing)
            {
                Merge(existing, obj);
            }
            else
            {
                into[key] = value?.DeepClone();
            }
        }
    }
}
