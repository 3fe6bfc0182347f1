using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rooms;
using Membership.Core.Rules;
using Membership.Service;
using Membership.Storage;
using Membership.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Functions.Tests;

/// <summary>
/// Two instances of the app on one Azurite and one table prefix: A reaches storage through a <see cref="StorageProxy"/>
/// (which can slow or cut its requests), B directly. The tests make a group deterministic by holding A's room lock
/// while the changes queue: the group is taken once the lock is free, so it holds all of them.
/// </summary>
public sealed class GroupCommitHost : IAsyncLifetime
{
    public Azurite Storage { get; } = new();

    public StorageProxy Proxy { get; private set; } = null!;

    public TestApp A { get; private set; } = null!;

    public TestApp B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Storage.InitializeAsync();
        Proxy = new StorageProxy(Storage.Port);
        var prefix = TestApp.NewTablePrefix("g");
        A = await TestApp.StartAsync(Storage.ConnectionString, Settings(prefix, Storage.ConnectionString.Replace($":{Storage.Port}/", $":{Proxy.Port}/", StringComparison.Ordinal)));
        B = await TestApp.StartAsync(Storage.ConnectionString, Settings(prefix, Storage.ConnectionString));
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        Proxy.Dispose();
        await Storage.DisposeAsync();
    }

    private static Dictionary<string, string?> Settings(string prefix, string connection) => new()
    {
        ["Membership:Storage:TablePrefix"] = prefix,
        ["Membership:Storage:ConnectionString"] = connection,
        ["Membership:RateLimits:ClientWritesPerSecond"] = "0",
    };
}

/// <summary>
/// Group commit (README "Group commit"): changes that queue behind a room's commit are read once, decided in arrival
/// order against the room as the ones before them left it, committed in as few transactions as Table Storage's limits
/// allow, and each caller gets the answer its own change deserves.
/// </summary>
public sealed class GroupCommitTests(GroupCommitHost host) : IClassFixture<GroupCommitHost>
{
    private const string Server = "localhost";

    private RoomService Rooms => host.A.Services.GetRequiredService<RoomService>();

    private MembershipStore Store => host.A.Services.GetRequiredService<MembershipStore>();

    [Fact]
    public async Task SixtyFourMixedChangesInOneGroupGetTheAnswersTheRulesGiveInArrivalOrder()
    {
        var admin = User("admin");
        var mods = new[] { User("mod"), User("mod") };
        var members = Enumerable.Range(0, 10).Select(_ => User("member")).ToArray();
        var room = await CreateRoomAsync(admin, new JsonObject { [admin.Value] = 100, [mods[0].Value] = 50, [mods[1].Value] = 50 });
        foreach (var user in mods.Concat(members.Take(5)))
        {
            Assert.Equal(ChangeStatus.Changed, (await JoinAsync(room, user)).Status);
        }

        // A plan with every kind of change, senders without the power for some (refusals), and identical repeats.
        var random = new Random(4242);
        var plan = new List<MembershipChange>();
        for (var i = 0; i < 64; i++)
        {
            if (i % 9 == 8)
            {
                plan.Add(plan[random.Next(plan.Count)]);
                continue;
            }

            var target = members[random.Next(members.Length)];
            var action = (MembershipAction)random.Next(6); // join, invite, leave, kick, ban, unban
            var sender = action is MembershipAction.Join or MembershipAction.Leave
                ? target
                : random.Next(4) == 0 ? members[random.Next(members.Length)] : new[] { admin, mods[0], mods[1] }[random.Next(3)];
            plan.Add(new MembershipChange(action, sender, target, MembershipChange.ContentFor(action, action is MembershipAction.Kick or MembershipAction.Ban ? "plan" : null)));
        }

        var before = (await Store.ReadRoomAsync(room.Value, users: null))!;
        using var meter = new GroupCommitMeter(host.A);
        var results = await AsOneGroupAsync(room, plan.Select(c => (Func<Task<ChangeResult>>)(() => Rooms.ChangeAsync(room, [c], "client", c.Action.ToString().ToLowerInvariant()))));

        // The oracle: the pure rules, applied change by change in arrival order to the room as it was.
        var snapshot = SnapshotOf(before);
        var allowed = new List<MembershipChange>();
        for (var i = 0; i < plan.Count; i++)
        {
            var decision = MembershipRules.Decide(snapshot, plan[i]);
            switch (decision.Kind)
            {
                case DecisionKind.Allowed:
                    Assert.True(results[i].Status == ChangeStatus.Changed, $"change {i} ({plan[i].Action} of {plan[i].Target} by {plan[i].Sender}) was answered {results[i].Status}, the rules allow it");
                    Assert.Single(results[i].EventIds);
                    allowed.Add(plan[i]);
                    snapshot = Apply(snapshot, plan[i]);
                    break;
                case DecisionKind.Unchanged:
                    Assert.True(results[i].Status == ChangeStatus.Unchanged, $"change {i} repeats the room's state but was answered {results[i].Status}");
                    break;
                default:
                    Assert.True(results[i].Status == ChangeStatus.Denied, $"change {i} ({plan[i].Action} of {plan[i].Target} by {plan[i].Sender}) was answered {results[i].Status}, the rules refuse it");
                    Assert.Equal(decision.Code, results[i].FirstDenial.Code);
                    break;
            }
        }

        Assert.Contains(results, r => r.Status == ChangeStatus.Denied);
        Assert.Contains(results, r => r.Status == ChangeStatus.Unchanged);

        // Committed together (one transaction: fewer than 50 changes), in arrival order, one event each.
        Assert.Equal([allowed.Count], meter.ChangesPerTransaction);
        var events = await AssertLogMatchesRowsAsync(room);
        var added = events.Where(e => e.Seq > before.Head.Seq).ToList();
        Assert.Equal(allowed.Count, added.Count);
        for (var i = 0; i < allowed.Count; i++)
        {
            var pdu = JsonNode.Parse(added[i].Pdu)!;
            Assert.Equal(allowed[i].Target.Value, added[i].StateKey);
            Assert.Equal(allowed[i].Sender.Value, added[i].Sender);
            Assert.Equal(allowed[i].NewMembership.ToString(), (string?)pdu["content"]!["membership"]);
            Assert.Equal(added[i].Seq, added[i].ChangeSeq);
        }

        Assert.Equal(added.Select(e => e.EventId), results.Where(r => r.Status == ChangeStatus.Changed).Select(r => r.EventIds[0]));
    }

    [Fact]
    public async Task AGroupLargerThanOneTransactionCommitsInSeveralInArrivalOrder()
    {
        var admin = User("admin");
        var room = await CreateRoomAsync(admin);
        var joiners = Enumerable.Range(0, 120).Select(_ => User("j")).ToArray();
        using var meter = new GroupCommitMeter(host.A);

        var results = await AsOneGroupAsync(room, joiners.Select(u => (Func<Task<ChangeResult>>)(() => JoinAsync(room, u))));

        Assert.All(results, r => Assert.Equal(ChangeStatus.Changed, r.Status));

        // 120 joins: 104 member rows fill a group's read, in three transactions (a head and 49 joins make 99
        // operations); the 16 that did not fit follow as the next group.
        Assert.Equal([49, 49, 6, 16], meter.ChangesPerTransaction);
        var events = await AssertLogMatchesRowsAsync(room);
        Assert.Equal(joiners.Select(u => u.Value), events.TakeLast(120).Select(e => e.StateKey));
        Assert.Equal(results.Select(r => r.EventIds[0]), events.TakeLast(120).Select(e => e.EventId));
        Assert.Equal(121, (await Store.ReadRoomAsync(room.Value, []))!.Head.JoinedCount);
    }

    [Fact]
    public async Task ABusyRoomTellsNewcomersFromReturningMembersAndFromUsersAnotherInstanceGaveARow()
    {
        var admin = User("admin");
        var room = await CreateRoomAsync(admin);
        var returning = Enumerable.Range(0, 20).Select(_ => User("back")).ToArray();
        foreach (var user in returning)
        {
            Assert.Equal(ChangeStatus.Changed, (await JoinAsync(room, user)).Status);
            Assert.Equal(ChangeStatus.Changed, (await Rooms.ChangeAsync(room, [new MembershipChange(MembershipAction.Leave, user, user, MembershipChange.ContentFor(MembershipAction.Leave, null))], "client", "leave")).Status);
        }

        // 121 joins: 100 newcomers, the 20 members coming back, and someone who has never been in the room. The first
        // group (104 users, a full read) makes the room busy: from then on only users known to have a row are read,
        // the others are known to have none. Instance B bans the last one after that list was taken (while the
        // group's first transaction is held by the proxy, which then loses to it), so this instance can only know of
        // the ban's row from the log.
        var banned = User("banned");
        var plan = Enumerable.Range(0, 100).Select(_ => User("new")).Concat(returning).Append(banned).ToArray();
        host.Proxy.Delay = TimeSpan.FromMilliseconds(500);
        ChangeResult[] results;
        try
        {
            var requests = host.Proxy.Requests;
            var group = AsOneGroupAsync(room, plan.Select(u => (Func<Task<ChangeResult>>)(() => JoinAsync(room, u))));
            await WaitUntilAsync(() => host.Proxy.Requests >= requests + 8 + 1 + 1, "the first group's reads, its listing and its first transaction reached the proxy");
            Assert.Equal(ChangeStatus.Changed, (await host.B.Services.GetRequiredService<RoomService>().ChangeAsync(room, [new MembershipChange(MembershipAction.Ban, admin, banned, MembershipChange.ContentFor(MembershipAction.Ban, "meanwhile"))], "client", "ban")).Status);
            results = await group;
        }
        finally
        {
            host.Proxy.Delay = TimeSpan.Zero;
        }

        Assert.All(results.Take(120), r => Assert.Equal(ChangeStatus.Changed, r.Status));
        Assert.Equal(ChangeStatus.Denied, results[120].Status);
        var events = await AssertLogMatchesRowsAsync(room);
        Assert.Equal(plan.Take(120).Select(u => u.Value), events.TakeLast(120).Select(e => e.StateKey));
        var read = (await Store.ReadRoomAsync(room.Value, users: null))!;
        Assert.All(plan.Take(120), u => Assert.Equal("join", read.Members[u.Value].Membership));
        Assert.Equal("ban", read.Members[banned.Value].Membership);
    }

    [Fact]
    public async Task AGroupWhoseRowsPassFourMebibytesIsSplitBeforeItsOperationsWouldBe()
    {
        var room = await CreateRoomAsync(User("admin"));
        var joiners = Enumerable.Range(0, 49).Select(_ => User("big")).ToArray();

        // Each join's display name is 15,000 backslashes, escaped twice on the way (in the row's content JSON, then in
        // the request's JSON): about 100 KB of request body per join, so 49 of them (99 operations, one transaction by
        // count) would be over the 4 MiB storage refuses.
        var name = new string('\\', 15_000);
        using var meter = new GroupCommitMeter(host.A);
        var results = await AsOneGroupAsync(room, joiners.Select(u => (Func<Task<ChangeResult>>)(() =>
            Rooms.ChangeAsync(room, [new MembershipChange(MembershipAction.Join, u, u, MembershipChange.ContentFor(MembershipAction.Join, null, new JsonObject { ["displayname"] = name }))], "client", "join"))));

        Assert.All(results, r => Assert.Equal(ChangeStatus.Changed, r.Status));
        Assert.True(meter.ChangesPerTransaction.Count > 1, $"49 large joins went in {meter.ChangesPerTransaction.Count} transaction(s)");
        Assert.Equal(49, meter.ChangesPerTransaction.Sum());
        var events = await AssertLogMatchesRowsAsync(room);
        Assert.Equal(joiners.Select(u => u.Value), events.TakeLast(49).Select(e => e.StateKey));
    }

    [Fact]
    public async Task AGroupThatLosesTheRaceToAnotherInstanceIsDecidedAgainAgainstWhatWon()
    {
        var admin = User("admin");
        var mallory = User("mallory");
        var room = await CreateRoomAsync(admin);
        var joiners = Enumerable.Range(0, 10).Select(_ => User("r")).ToArray();
        var conflictsBefore = Store.Metrics.Conflicts;

        // A's group (ten joins, then mallory's) is read, and while its transaction is held by the proxy, instance B
        // bans mallory. A's transaction then meets a changed head (412); the group is read and decided again.
        var plan = joiners.Append(mallory).ToList();
        host.Proxy.Delay = TimeSpan.FromMilliseconds(700);
        Task<ChangeResult[]> group;
        try
        {
            var requests = host.Proxy.Requests;
            group = AsOneGroupAsync(room, plan.Select(u => (Func<Task<ChangeResult>>)(() => JoinAsync(room, u))));
            await WaitUntilAsync(() => host.Proxy.Requests >= requests + 2, "A's read and transaction reached the proxy");
            var ban = await host.B.Services.GetRequiredService<RoomService>().ChangeAsync(room, [new MembershipChange(MembershipAction.Ban, admin, mallory, MembershipChange.ContentFor(MembershipAction.Ban, "raced"))], "client", "ban");
            Assert.Equal(ChangeStatus.Changed, ban.Status);
            await group;
        }
        finally
        {
            host.Proxy.Delay = TimeSpan.Zero;
        }

        var results = await group;
        Assert.True(Store.Metrics.Conflicts > conflictsBefore, "A's transaction never met B's change");
        Assert.All(results.Take(10), r => Assert.Equal(ChangeStatus.Changed, r.Status));
        Assert.Equal(ChangeStatus.Denied, results[10].Status);
        Assert.Equal(ErrorCode.BadState, results[10].FirstDenial.Code);

        // The log: B's ban, then A's ten joins; nothing of the lost attempt.
        var events = await AssertLogMatchesRowsAsync(room);
        Assert.Equal([mallory.Value, .. joiners.Select(u => u.Value)], events.TakeLast(11).Select(e => e.StateKey));
        Assert.Equal("ban", (await Store.ReadRoomAsync(room.Value, [mallory.Value]))!.Members[mallory.Value].Membership);
    }

    [Fact]
    public async Task StorageCutInTheMiddleOfAGroupAnswersEveryCallerAndHalfAppliesNothing()
    {
        var admin = User("admin");
        var room = await CreateRoomAsync(admin);
        var tokens = host.A.Services.GetRequiredService<TokenService>();
        var joiners = new List<(UserId User, string Token)>();
        for (var i = 0; i < 100; i++)
        {
            var user = User("cut");
            joiners.Add((user, (await tokens.IssueAsync(user)).Token));
        }

        using var meter = new GroupCommitMeter(host.A);
        var locks = host.A.Services.GetRequiredService<RoomLocks>();
        var transactions = host.Proxy.Transactions;
        (int Status, JsonNode? Body)[] answers;
        var held = await locks.AcquireAsync(room.Value, CancellationToken.None);
        try
        {
            var joins = joiners.Select(j => JoinOverHttpAsync(room, j.Token)).ToList();
            await WaitUntilAsync(() => meter.Queued() == joiners.Count, "all 100 joins queued behind the room's lock");

            // One group of 100 joins: three transactions. The first reaches storage whole, the rest are cut off
            // half-sent (with the SDK's retries), as a connection lost in the middle of a write.
            host.Proxy.Delay = TimeSpan.FromMilliseconds(300);
            held.Dispose();
            await WaitUntilAsync(() => host.Proxy.Transactions > transactions, "the first transaction went through");
            host.Proxy.CutTransactions = true;
            answers = await Task.WhenAll(joins);
        }
        finally
        {
            held.Dispose();
            host.Proxy.CutTransactions = false;
            host.Proxy.Delay = TimeSpan.Zero;
        }

        // Every caller has an answer: 200, or 503 in the Matrix envelope; some of each.
        Assert.All(answers, a => Assert.True(a.Status == 200 || (a.Status == 503 && (string?)a.Body?["errcode"] == "M_UNKNOWN"), $"answer {a.Status}: {a.Body?.ToJsonString()}"));
        Assert.Contains(answers, a => a.Status == 200);
        Assert.Contains(answers, a => a.Status == 503);

        // Exactly the joins answered 200 are in the room (a cut transaction never reaches the table); the log is whole.
        var events = await AssertLogMatchesRowsAsync(room);
        var read = (await Store.ReadRoomAsync(room.Value, users: null))!;
        for (var i = 0; i < joiners.Count; i++)
        {
            var user = joiners[i].User.Value;
            var joinEvents = events.Count(e => e.StateKey == user);
            Assert.Equal(answers[i].Status == 200 ? 1 : 0, joinEvents);
            Assert.Equal(answers[i].Status == 200 ? "join" : null, read.Members.GetValueOrDefault(user)?.Membership);
        }

        // With storage whole again, the callers who got 503 retry, and succeed.
        var retried = await Task.WhenAll(joiners.Where((_, i) => answers[i].Status == 503).Select(j => JoinOverHttpAsync(room, j.Token)));
        Assert.All(retried, a => Assert.Equal(200, a.Status));
        Assert.Equal(101, (await Store.ReadRoomAsync(room.Value, []))!.Head.JoinedCount);
    }

    [Fact]
    public async Task AnIdenticalRepeatInOneGroupIsANoOpAndARefusedChangeIsTakenBackWholeWithoutHoldingTheOthersBack()
    {
        var admin = User("admin");
        var (bob, carol, dave, erin, nobody) = (User("bob"), User("carol"), User("dave"), User("erin"), User("nobody"));
        var room = await CreateRoomAsync(admin);
        foreach (var user in new[] { carol, dave, erin })
        {
            Assert.Equal(ChangeStatus.Changed, (await JoinAsync(room, user)).Status);
        }

        // bob joins twice; carol (no power) kicks the admin; the admin kicks dave, erin and someone not in the room
        // (one request: all or nothing, so dave's and erin's kicks, decided first, are taken back); dave leaves, which
        // he can only do if that kick was taken back; carol leaves.
        var kick = (UserId target) => new MembershipChange(MembershipAction.Kick, admin, target, MembershipChange.ContentFor(MembershipAction.Kick, "all or nothing"));
        var results = await AsOneGroupAsync(room,
        [
            () => JoinAsync(room, bob),
            () => JoinAsync(room, bob),
            () => Rooms.ChangeAsync(room, [new MembershipChange(MembershipAction.Kick, carol, admin, MembershipChange.ContentFor(MembershipAction.Kick, null))], "client", "kick"),
            () => Rooms.ChangeAsync(room, [kick(dave), kick(erin), kick(nobody)], RoomService.AdminSurface, "kick_user_out"),
            () => Rooms.ChangeAsync(room, [new MembershipChange(MembershipAction.Leave, dave, dave, MembershipChange.ContentFor(MembershipAction.Leave, null))], "client", "leave"),
            () => Rooms.ChangeAsync(room, [new MembershipChange(MembershipAction.Leave, carol, carol, MembershipChange.ContentFor(MembershipAction.Leave, null))], "client", "leave"),
        ]);

        Assert.Equal([ChangeStatus.Changed, ChangeStatus.Unchanged, ChangeStatus.Denied, ChangeStatus.Denied, ChangeStatus.Changed, ChangeStatus.Changed], results.Select(r => r.Status));
        Assert.Equal(ErrorCode.Forbidden, results[2].FirstDenial.Code);
        Assert.Equal(nobody, Assert.Single(results[3].Denials).Target);
        var events = await AssertLogMatchesRowsAsync(room);
        Assert.Equal([bob.Value, dave.Value, carol.Value], events.TakeLast(3).Select(e => e.StateKey));
        Assert.Equal(dave.Value, events[^2].Sender);
        Assert.Single(events, e => e.StateKey == bob.Value);
        Assert.Equal("join", (await Store.ReadRoomAsync(room.Value, [erin.Value]))!.Members[erin.Value].Membership);
    }

    [Fact]
    public async Task AChangeWhoseCallerGaveUpBeforeItsGroupIsNeverCommittedAndOneTakenIsCommittedWhole()
    {
        var room = await CreateRoomAsync(User("admin"));
        var (early, late, other) = (User("early"), User("late"), User("other"));
        var locks = host.A.Services.GetRequiredService<RoomLocks>();
        using var gaveUpEarly = new CancellationTokenSource();
        using var gaveUpLate = new CancellationTokenSource();

        Task<ChangeResult> earlyJoin, lateJoin, otherJoin;
        var held = await locks.AcquireAsync(room.Value, CancellationToken.None);
        try
        {
            earlyJoin = JoinAsync(room, early, gaveUpEarly.Token);
            lateJoin = JoinAsync(room, late, gaveUpLate.Token);
            otherJoin = JoinAsync(room, other);

            // The first caller goes away while its change waits: it is dropped when the group is taken.
            await gaveUpEarly.CancelAsync();
            host.Proxy.Delay = TimeSpan.FromMilliseconds(300);
            var requests = host.Proxy.Requests;
            held.Dispose();

            // The second goes away once its group has been read: its change is committed with the group.
            await WaitUntilAsync(() => host.Proxy.Requests > requests, "the group's read reached the proxy");
            await gaveUpLate.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => earlyJoin);
            await Task.WhenAll(lateJoin, otherJoin);
        }
        finally
        {
            held.Dispose();
            host.Proxy.Delay = TimeSpan.Zero;
        }

        Assert.Equal(ChangeStatus.Changed, (await lateJoin).Status);
        Assert.Equal(ChangeStatus.Changed, (await otherJoin).Status);
        var events = await AssertLogMatchesRowsAsync(room);
        Assert.DoesNotContain(events, e => e.StateKey == early.Value);
        Assert.Equal([late.Value, other.Value], events.TakeLast(2).Select(e => e.StateKey));
    }

    // ---------------------------------------------------------------- helpers

    private static UserId User(string prefix) => UserId.Parse($"@{prefix}{Guid.NewGuid().ToString("N")[..10]}:{Server}");

    private async Task<RoomId> CreateRoomAsync(UserId creator, JsonObject? users = null) =>
        await Rooms.CreateRoomAsync(new CreateRoomSpec(creator, "client")
        {
            JoinRule = JoinRule.Public,
            PowerLevelOverride = users is null ? null : new JsonObject { ["users"] = users },
        });

    private Task<ChangeResult> JoinAsync(RoomId room, UserId user, CancellationToken cancellationToken = default) =>
        Rooms.ChangeAsync(room, [new MembershipChange(MembershipAction.Join, user, user, MembershipChange.ContentFor(MembershipAction.Join, null))], "client", "join", cancellationToken: cancellationToken);

    private async Task<(int Status, JsonNode? Body)> JoinOverHttpAsync(RoomId room, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room.Value)}/join") { Content = new StringContent("{}") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await host.A.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>
    /// Starts the calls while holding A's lock of the room, so they all queue, then lets go: the first caller's group
    /// is taken with the lock, and holds every one of them, in the order they were started.
    /// </summary>
    private async Task<ChangeResult[]> AsOneGroupAsync(RoomId room, IEnumerable<Func<Task<ChangeResult>>> calls)
    {
        var locks = host.A.Services.GetRequiredService<RoomLocks>();
        List<Task<ChangeResult>> running;
        using (await locks.AcquireAsync(room.Value, CancellationToken.None))
        {
            running = [.. calls.Select(call => call())];
        }

        return await Task.WhenAll(running);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 3000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), "timed out waiting until " + what);
    }

    /// <summary>
    /// The room's log is one gap-free chain, the head names its last event and counts, and the member rows are exactly
    /// the log folded; returns the log.
    /// </summary>
    private async Task<IReadOnlyList<EventRecord>> AssertLogMatchesRowsAsync(RoomId room)
    {
        var events = await Store.ReadEventsAsync(room.Value, 1, long.MaxValue);
        var read = (await Store.ReadRoomAsync(room.Value, users: null))!;
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal(events.Count, read.Head.Seq);
        Assert.Equal(events[^1].EventId, read.Head.LastEventId);
        var folded = new Dictionary<string, (string Membership, string EventId)>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var pdu = JsonNode.Parse(events[i].Pdu)!;
            string[] previous = i == 0 ? [] : [events[i - 1].EventId];
            Assert.Equal(previous, pdu["prev_events"]!.AsArray().Select(e => (string)e!));
            if (events[i].Type == "m.room.member")
            {
                folded[events[i].StateKey!] = ((string)pdu["content"]!["membership"]!, events[i].EventId);
            }
        }

        Assert.Equal(folded.Keys.Order(StringComparer.Ordinal), read.Members.Keys.Order(StringComparer.Ordinal));
        Assert.All(read.Members.Values, m => Assert.Equal(folded[m.UserId], (m.Membership, m.EventId)));
        Assert.Equal(read.Members.Values.Count(m => m.Membership == "join"), read.Head.JoinedCount);
        Assert.Equal(read.Members.Values.Count(m => m.Membership == "invite"), read.Head.InvitedCount);
        return events;
    }

    /// <summary>The room as the rules see it (the oracle's starting point).</summary>
    private static RoomSnapshot SnapshotOf(RoomRead read)
    {
        var head = read.Head;
        var members = read.Members.Values.ToDictionary(m => UserId.Parse(m.UserId), m => new MemberState(
            UserId.Parse(m.UserId), new RoomMembership(m.Membership), UserId.Parse(m.Sender), JsonNode.Parse(m.Content)!.AsObject(), m.EventId, m.Seq, m.Timestamp, m.BanExpiresAt));
        return new RoomSnapshot(
            RoomId.Parse(head.RoomId),
            head.RoomVersion,
            UserId.Parse(head.Creator),
            head.Federate,
            new JoinRule((string)JsonNode.Parse(head.JoinRulesContent)!["join_rule"]!),
            [],
            PowerLevels.Parse(JsonNode.Parse(head.PowerLevelsContent)!.AsObject()),
            members,
            head.JoinedCount,
            head.MaxMembers);
    }

    /// <summary>The snapshot after an allowed change: the target's state moves, and the joined count with it.</summary>
    private static RoomSnapshot Apply(RoomSnapshot snapshot, MembershipChange change)
    {
        var members = new Dictionary<UserId, MemberState>(snapshot.Members)
        {
            [change.Target] = new MemberState(change.Target, change.NewMembership, change.Sender, change.Content, "$planned", 0, DateTimeOffset.UnixEpoch),
        };
        var joined = snapshot.JoinedCount + (change.NewMembership == RoomMembership.Join ? 1 : 0) - (snapshot.MembershipOf(change.Target) == RoomMembership.Join ? 1 : 0);
        return snapshot with { Members = members, JoinedCount = joined };
    }
}

/// <summary>The group commit's instruments of one app (its meter factory's), as a MeterListener sees them.</summary>
internal sealed class GroupCommitMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<int> _changesPerTransaction = new();
    private long _queued;

    public GroupCommitMeter(TestApp app)
    {
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name is GroupCommitMetrics.ChangesPerTransaction or GroupCommitMetrics.Queued)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((_, value, _, _) => _changesPerTransaction.Enqueue(value));
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Exchange(ref _queued, value));
        _listener.Start();
    }

    /// <summary>The changes each transaction committed since this meter started, in commit order.</summary>
    public List<int> ChangesPerTransaction => [.. _changesPerTransaction];

    /// <summary>Changes waiting for their room's group now.</summary>
    public long Queued()
    {
        _listener.RecordObservableInstruments();
        return Interlocked.Read(ref _queued);
    }

    public void Dispose() => _listener.Dispose();
}
