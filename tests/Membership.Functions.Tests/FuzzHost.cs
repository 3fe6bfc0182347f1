using System.Text.Json.Nodes;
using Membership.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Membership.Functions.Tests;

/// <summary>
/// The app for the fuzz tests: its own Azurite, both rate limits off (thousands of calls a second are the point), a
/// capture of its log, and one fake homeserver (<see cref="Origin"/>, on loopback) whose key the tests hold, so signed
/// federation requests reach the invite checks. No other server name resolves anywhere: every call stays on loopback.
/// Also sets up the room the fuzz cases aim at, whose state must not change (<see cref="FuzzWorld"/>).
/// </summary>
public sealed class FuzzHost : IAsyncLifetime
{
    public const string Origin = "fuzz.test";

    private TestApp? _app;

    public Azurite Storage { get; } = new();

    public FakeServer Remote { get; } = new(Origin);

    public FederationTestServer Remotes { get; private set; } = null!;

    public FaultLogCapture Log { get; } = new();

    public HttpClient Http => _app!.Http;

    public IServiceProvider Services => _app!.Services;

    public FuzzWorld World { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Storage.InitializeAsync();
        Remotes = await FederationTestServer.StartAsync([Remote]);
        _app = await TestApp.StartAsync(
            Storage.ConnectionString,
            new Dictionary<string, string?>
            {
                ["Membership:Tencent:RateLimitPerSecond"] = "0",
                ["Membership:RateLimits:ClientWritesPerSecond"] = "0",
                [$"Membership:Federation:Servers:{Origin}"] = Remotes.BaseUrl(Origin),
                ["Membership:Federation:RequestTimeout"] = "00:00:05",
            },
            builder => builder.Logging.AddProvider(Log));
        World = await FuzzWorld.CreateAsync(new RoomEngineCalls(Http, Services));
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (Remotes is not null)
        {
            await Remotes.DisposeAsync();
        }

        await Storage.DisposeAsync();
    }
}

/// <summary>
/// The target of the fuzz cases: a public room made over Matrix (with an alias, so the admin surface reaches it by its
/// opaque ID too) where the owner (power 100) could change anything, two joined members, one invited and one banned
/// user. A valid request from these users would change it; every fuzz case is invalid, so it never may. A second room,
/// the sandbox, takes the cases that are legal though odd (Table-forbidden characters in user IDs) and may change.
/// </summary>
public sealed record FuzzWorld(string Victim, string VictimRoomId, string Alias, string Sandbox, TestUser Owner, TestUser Member, TestUser Other, TestUser Invited, TestUser Banned)
{
    internal static async Task<FuzzWorld> CreateAsync(RoomEngineCalls api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var owner = await api.UserAsync(RoomEngineCalls.Unique("fzowner"));
        var member = await api.UserAsync(RoomEngineCalls.Unique("fzmember"));
        var other = await api.UserAsync(RoomEngineCalls.Unique("fzother"));
        var invited = await api.UserAsync(RoomEngineCalls.Unique("fzinvited"));
        var banned = await api.UserAsync(RoomEngineCalls.Unique("fzbanned"));
        var aliasName = RoomEngineCalls.Unique("fzvictim");
        var (status, body) = await api.MatrixAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", owner, new JsonObject { ["preset"] = "public_chat", ["room_alias_name"] = aliasName });
        Assert.True(status == 200, body?.ToJsonString());
        var victim = (string)body!["room_id"]!;
        var path = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(victim)}";
        Assert.Equal(200, (await api.MatrixAsync(HttpMethod.Post, path + "/join", member)).Status);
        Assert.Equal(200, (await api.MatrixAsync(HttpMethod.Post, path + "/join", other)).Status);
        Assert.Equal(200, (await api.MatrixAsync(HttpMethod.Post, path + "/invite", owner, new JsonObject { ["user_id"] = invited.UserId })).Status);
        Assert.Equal(200, (await api.MatrixAsync(HttpMethod.Post, path + "/ban", owner, new JsonObject { ["user_id"] = banned.UserId, ["reason"] = "fuzz" })).Status);

        // Odd but legal user IDs (Table-forbidden characters, control characters) may be invited and banned: here, not in the victim.
        (status, body) = await api.MatrixAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", owner, new JsonObject { ["preset"] = "public_chat" });
        Assert.True(status == 200, body?.ToJsonString());
        var sandbox = (string)body!["room_id"]!;
        return new FuzzWorld(victim, victim[1..victim.IndexOf(':', StringComparison.Ordinal)], $"#{aliasName}:{ServiceFixture.ServerName}", sandbox, owner, member, other, invited, banned);
    }

    public IEnumerable<string> UserIds => [Owner.UserId, Member.UserId, Other.UserId, Invited.UserId, Banned.UserId];
}
