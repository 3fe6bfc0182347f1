using System.Text.Json.Nodes;
using Membership.Service;
using Membership.Storage;
using static Membership.Functions.Tests.ClientCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// A membership change costs one storage read and one transaction on the request path.
/// <see cref="StorageMetrics.Requests"/> counts every HTTP request the Azure SDK sends (retries included).
/// </summary>
/// <remarks>
/// How the count is kept honest: besides the two requests of the change, the commit enqueues one per-user index write
/// (<see cref="UserIndex"/>) for each user whose membership changed, and that write runs in the background, racing the
/// response. So each test first settles everything (index writes of the setup finished, both tokens cached by a prior
/// call, since a token lookup is a storage read too), then measures twice: at the moment the response arrives (2, or 3
/// if the background write already ran) and after awaiting the affected user's pending index writes, where the total
/// must be exactly 2 + 1 per affected user. A third storage request on the request path, or a retry, breaks both.
/// Tests in one class run one at a time, so no other test's traffic lands in the window.
/// </remarks>
public sealed class StorageRoundTripTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    private StorageMetrics Metrics => fixture.Get<StorageMetrics>();

    [Fact]
    public async Task AKickCostsOneReadAndOneTransaction()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);

        var (onRequestPath, total) = await MeasureAsync([alice, bob], [bob], () => fixture.PostAsync(Room(room, "/kick"), alice, new JsonObject { ["user_id"] = bob.UserId }));

        Assert.Equal(2 + 1, total);
        Assert.InRange(onRequestPath, 2, 3);
        Assert.Equal("leave", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task AJoinCostsOneReadAndOneTransaction()
    {
        var (alice, bob) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"));
        var room = await fixture.CreateRoomAsync(alice);

        var (onRequestPath, total) = await MeasureAsync([alice, bob], [bob], () => fixture.PostAsync(Room(room, "/join"), bob));

        Assert.Equal(2 + 1, total);
        Assert.InRange(onRequestPath, 2, 3);
        Assert.Equal("join", await fixture.MembershipAsync(room, bob));
    }

    [Fact]
    public async Task ABanAndAnInviteCostOneReadAndOneTransactionEach()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);

        var ban = await MeasureAsync([alice, bob], [bob], () => fixture.PostAsync(Room(room, "/ban"), alice, new JsonObject { ["user_id"] = bob.UserId }));
        var invite = await MeasureAsync([alice, carol], [carol], () => fixture.PostAsync(Room(room, "/invite"), alice, new JsonObject { ["user_id"] = carol.UserId }));

        Assert.Equal(2 + 1, ban.Total);
        Assert.Equal(2 + 1, invite.Total);
    }

    [Fact]
    public async Task ARepeatedOrRefusedChangeCostsOneReadAndNoWrite()
    {
        var (alice, bob, carol) = (await fixture.NewUserAsync("alice"), await fixture.NewUserAsync("bob"), await fixture.NewUserAsync("carol"));
        var room = await fixture.CreateRoomAsync(alice);
        await fixture.JoinAsync(bob, room);

        var repeated = await MeasureAsync([alice, bob], [bob], () => fixture.PostAsync(Room(room, "/join"), bob), expectedStatus: 200);
        var refused = await MeasureAsync([bob, carol], [carol], () => fixture.PostAsync(Room(room, "/kick"), bob, new JsonObject { ["user_id"] = carol.UserId }), expectedStatus: 403);

        Assert.Equal(1, repeated.Total);
        Assert.Equal(1, refused.Total);
    }

    /// <summary>
    /// Settles, then runs <paramref name="call"/> and returns the storage requests counted when its response arrived and
    /// after the index writes of <paramref name="affected"/> finished.
    /// </summary>
    private async Task<(long OnRequestPath, long Total)> MeasureAsync(
        TestUser[] callers,
        TestUser[] affected,
        Func<Task<(int Status, JsonNode? Body)>> call,
        int expectedStatus = 200)
    {
        var index = fixture.Get<UserIndex>();
        foreach (var user in callers.Concat(affected))
        {
            AssertOk(await fixture.GetAsync($"{V3}/account/whoami", user));
            await index.WaitForUserAsync(user.UserId);
        }

        var conflicts = Metrics.Conflicts;
        var before = Metrics.Requests;
        var response = await call();
        var onRequestPath = Metrics.Requests - before;
        foreach (var user in affected)
        {
            await index.WaitForUserAsync(user.UserId);
        }

        var total = Metrics.Requests - before;
        Assert.True(response.Status == expectedStatus, $"expected {expectedStatus}, got {response.Status}: {response.Body?.ToJsonString()}");
        Assert.Equal(conflicts, Metrics.Conflicts);
        return (onRequestPath, total);
    }
}
