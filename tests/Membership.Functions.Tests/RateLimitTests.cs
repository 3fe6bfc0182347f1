using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using static Membership.Functions.Tests.ClientCalls;

namespace Membership.Functions.Tests;

/// <summary>A host whose Matrix writes are limited to 1 a second per access token, in bursts of 3.</summary>
public sealed class RateLimitedClientHost : RoomEngineHost
{
    public const int PerSecond = 1;
    public const int Burst = 3;

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Membership:RateLimits:ClientWritesPerSecond"] = PerSecond.ToString(CultureInfo.InvariantCulture);
        settings["Membership:RateLimits:ClientWritesBurst"] = Burst.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Matrix writes are limited per access token (<c>Membership:RateLimits</c>): over the limit a write answers 429
/// <c>M_LIMIT_EXCEEDED</c> with <c>Retry-After</c> and <c>retry_after_ms</c>; other tokens and reads are not affected;
/// the budget refills. Loops are bounded in count; the only waits are the ones the server asks for.
/// </summary>
public sealed class RateLimitTests(RateLimitedClientHost host) : IClassFixture<RateLimitedClientHost>
{
    private readonly RoomEngineCalls _api = new(host.Http, host.Services);

    [Fact]
    public async Task WritesOverTheBurstAnswer429WithRetryAfterAndRetryAfterMs()
    {
        var (room, user) = await RoomAndMemberAsync();

        var (admitted, limited) = await WriteUntilLimitedAsync(user, room);

        // The burst is admitted whole (the bucket starts full; refilling only adds), then the limit answers.
        Assert.True(admitted >= RateLimitedClientHost.Burst, $"only {admitted} writes were admitted before the limit");
        AssertLimited(limited);

        // PUT is a write too (the same no-op join, as state); reads are not limited.
        var put = (await WriteUntilLimitedAsync(user, room, HttpMethod.Put)).Limited;
        AssertLimited(put);
        Assert.Equal(200, (await SendAsync(HttpMethod.Get, "/_matrix/client/v3/joined_rooms", user)).Status);
        Assert.Equal(200, (await SendAsync(HttpMethod.Get, Room(room, "/members"), user)).Status);
    }

    [Fact]
    public async Task AnotherAccessTokenIsNotAffectedByALimitedOne()
    {
        var (room, user) = await RoomAndMemberAsync();
        var other = await _api.UserAsync(RoomEngineCalls.Unique("other"));
        var sameUserOtherToken = await _api.UserAsync(RoomEngineCalls.AccountOf(user));
        Assert.NotEqual(user.Token, sameUserOtherToken.Token);

        AssertLimited((await WriteUntilLimitedAsync(user, room)).Limited);

        // Another user's token, and another token of the same user, each have their own budget.
        Assert.Equal(200, (await SendAsync(HttpMethod.Post, Room(room, "/join"), other, "{}")).Status);
        Assert.Equal(200, (await SendAsync(HttpMethod.Post, Room(room, "/join"), sameUserOtherToken, "{}")).Status);
    }

    [Fact]
    public async Task ALimitedTokenMayWriteAgainAfterRetryAfter()
    {
        var (room, user) = await RoomAndMemberAsync();
        var limited = (await WriteUntilLimitedAsync(user, room)).Limited;
        AssertLimited(limited);

        // Wait what the server asked, then retry a bounded number of times (the limiter refills on a 100 ms tick).
        await Task.Delay(TimeSpan.FromSeconds(RetryAfterSeconds(limited)));
        var answer = limited;
        for (var attempt = 0; attempt < 20 && answer.Status == 429; attempt++)
        {
            answer = await SendAsync(HttpMethod.Post, Room(room, "/join"), user, "{}");
            if (answer.Status == 429)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }

        Assert.True(answer.Status == 200, $"still {answer.Status} after waiting Retry-After: {answer.Body?.ToJsonString()}");
    }

    /// <summary>A public room (made by the admin, so no Matrix write budget is spent on it) and a fresh user's token.</summary>
    private async Task<(string Room, TestUser User)> RoomAndMemberAsync()
    {
        var room = RoomEngineCalls.MatrixRoom(await _api.CreateRoomAsync(RoomEngineCalls.Unique("owner")));
        return (room, await _api.UserAsync(RoomEngineCalls.Unique("writer")));
    }

    /// <summary>
    /// Joins (a no-op after the first), with POST /join or PUT of the member state, until the limit answers; bounded,
    /// so a missing limit fails rather than loops.
    /// </summary>
    private async Task<(int Admitted, Answer Limited)> WriteUntilLimitedAsync(TestUser user, string room, HttpMethod? method = null)
    {
        var put = method == HttpMethod.Put;
        for (var admitted = 0; admitted < 50; admitted++)
        {
            var answer = put
                ? await SendAsync(HttpMethod.Put, Room(room, $"/state/m.room.member/{Uri.EscapeDataString(user.UserId)}"), user, """{"membership":"join"}""")
                : await SendAsync(HttpMethod.Post, Room(room, "/join"), user, "{}");
            if (answer.Status != 200)
            {
                return (admitted, answer);
            }
        }

        throw new Xunit.Sdk.XunitException("50 writes in a row were admitted: the limit never answered");
    }

    private static void AssertLimited(Answer answer)
    {
        Assert.True(answer.Status == 429, $"expected 429, got {answer.Status}: {answer.Body?.ToJsonString()}");
        Assert.Equal("M_LIMIT_EXCEEDED", (string?)answer.Body?["errcode"]);
        Assert.Contains("a second", (string?)answer.Body?["error"], StringComparison.Ordinal);
        var seconds = RetryAfterSeconds(answer);
        Assert.InRange(seconds, 1, 60);
        Assert.Equal(seconds * 1000L, (long?)answer.Body?["retry_after_ms"]);
    }

    private static int RetryAfterSeconds(Answer answer)
    {
        var header = answer.Headers.RetryAfter ?? throw new Xunit.Sdk.XunitException("no Retry-After header");
        return (int)(header.Delta ?? throw new Xunit.Sdk.XunitException("Retry-After is not in seconds")).TotalSeconds;
    }

    private async Task<Answer> SendAsync(HttpMethod method, string path, TestUser user, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Answer((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response.Headers);
    }

    private sealed record Answer(int Status, JsonNode? Body, HttpResponseHeaders Headers);
}

/// <summary>The default limit (20 a second, bursts of 50 per token) is on, and generous enough for a burst of 50 writes.</summary>
public sealed class RateLimitDefaultTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task DefaultLimitAdmitsABurstOfFiftyWritesThenAnswers429()
    {
        var owner = await fixture.NewUserAsync("owner");
        var room = await fixture.CreateRoomAsync(owner);
        var user = await fixture.NewUserAsync("burst");

        // A fresh token's bucket is full: 50 writes in a row pass (a join, then no-op joins).
        for (var i = 0; i < 50; i++)
        {
            AssertOk(await fixture.PostAsync(Room(room, "/join"), user));
        }

        // 100 more at once cannot all fit in what refills meanwhile (20 a second).
        var burst = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => fixture.PostAsync(Room(room, "/join"), user)));
        Assert.All(burst, b => Assert.True(b.Status is 200 or 429, $"{b.Status}: {b.Body?.ToJsonString()}"));
        var limited = burst.Where(b => b.Status == 429).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, b => Assert.Equal("M_LIMIT_EXCEEDED", (string?)b.Body?["errcode"]));

        // Another token of the same user is not held back.
        AssertOk(await fixture.PostAsync(Room(room, "/join"), await fixture.UserAsync(RoomEngineCalls.AccountOf(user))));
    }
}
