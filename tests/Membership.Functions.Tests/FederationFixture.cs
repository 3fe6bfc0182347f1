using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Membership.Protocols;
using Membership.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Functions.Tests;

/// <summary>The federation test classes share one set of servers (and run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class FederationServers : ICollectionFixture<FederationFixture>
{
    public const string Name = "Federation";
}

/// <summary>
/// Two instances of the service as two homeservers, <c>hs1</c> and <c>hs2</c>, on loopback ports reserved up front so
/// each can be told where the other lives; one Azurite with a table prefix per instance; and a test server
/// impersonating the fake homeservers whose keys the tests hold (<see cref="Fakes"/>). <c>down.test</c> points at a
/// port nothing listens on.
/// </summary>
public sealed class FederationFixture : IAsyncLifetime
{
    /// <summary>The retired key hs1 still publishes under <c>old_verify_keys</c>.</summary>
    public static readonly SigningKey Hs1OldKey = FakeServer.KeyFrom("hs1/old", "ed25519:old");

    public const long Hs1OldKeyExpiredTs = 1_700_000_000_000;

    public static FakeServer[] Fakes { get; } =
    [
        new("origin.test"),
        new("expired.test", KeyAnswer.Expired),
        new("badsig.test", KeyAnswer.BadSelfSignature),
        new("slow.test", KeyAnswer.Slow),
        new("rotated.test", KeyAnswer.Rotated),
        new("cached.test"),
        new("refuses.test", invites: InviteAnswer.Refuse),
        new("v1only.test", invites: InviteAnswer.OnlyV1),
        new("tampers.test", invites: InviteAnswer.Tamper),
        new("impostor.test", invites: InviteAnswer.ForeignSignature),
        new("hangs.test", invites: InviteAnswer.Hang),
        new("fails.test", invites: InviteAnswer.Fail),
        new("oldrooms.test", invites: InviteAnswer.IncompatibleVersion),
        new("joiner.test"),
        new("second.test"),
        new("broken.test", transactions: TransactionAnswer.Fail),
        new("leaves.test", leaves: LeaveAnswer.Accept),
        new("refusesleave.test", leaves: LeaveAnswer.Refuse),
        new("drops.test", leaves: LeaveAnswer.Drop),
    ];

    /// <summary>
    /// hs1's outbox gives a failing transaction up after this (the default is a day), retrying from
    /// <see cref="OutboxInitialBackoff"/>, so a dead letter is seen within a test.
    /// </summary>
    public static readonly TimeSpan OutboxMaxAge = TimeSpan.FromSeconds(4);

    public static readonly TimeSpan OutboxInitialBackoff = TimeSpan.FromMilliseconds(200);

    /// <summary>Bound on key fetches in these tests (the default is 5 s).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Bound on outgoing invites in these tests (the default is 15 s).</summary>
    public static readonly TimeSpan InviteTimeout = TimeSpan.FromSeconds(4);

    public Azurite Storage { get; } = new();

    public FederationTestServer Remotes { get; private set; } = null!;

    public HomeServer Hs1 { get; private set; } = null!;

    public HomeServer Hs2 { get; private set; } = null!;

    /// <summary>Everything hs1 sends to hs2 passes this proxy, which records it with hs2's answer.</summary>
    public RecordingProxy Hs2Proxy { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Storage.InitializeAsync();
        Remotes = await FederationTestServer.StartAsync(Fakes);
        var deadPort = Azurite.FreePort();
        var ports = new Dictionary<string, int> { ["hs1"] = Azurite.FreePort(), ["hs2"] = Azurite.FreePort(), ["proxy"] = Azurite.FreePort() };
        Hs2Proxy = await RecordingProxy.StartAsync(ports["proxy"], new Uri($"http://127.0.0.1:{ports["hs2"]}"));
        Hs1 = await HomeServer.StartAsync("hs1", ports["hs1"], Storage, config =>
        {
            config["Membership:Federation:Servers:hs2"] = $"http://127.0.0.1:{ports["proxy"]}";
            config["Membership:Webhooks:InitialBackoff"] = OutboxInitialBackoff.ToString();
            config["Membership:Webhooks:MaxBackoff"] = TimeSpan.FromSeconds(1).ToString();
            config["Membership:Webhooks:MaxAge"] = OutboxMaxAge.ToString();
            config["Membership:Federation:OldKeys:0:KeyId"] = Hs1OldKey.KeyId;
            config["Membership:Federation:OldKeys:0:PublicKey"] = Hs1OldKey.PublicKeyBase64;
            config["Membership:Federation:OldKeys:0:ExpiredTs"] = Hs1OldKeyExpiredTs.ToString(CultureInfo.InvariantCulture);
            Common(config, deadPort);
        });
        Hs2 = await HomeServer.StartAsync("hs2", ports["hs2"], Storage, config =>
        {
            config["Membership:Federation:Servers:hs1"] = $"http://127.0.0.1:{ports["hs1"]}";
            Common(config, deadPort);
        });
    }

    public async Task DisposeAsync()
    {
        if (Hs1 is not null)
        {
            await Hs1.DisposeAsync();
        }

        if (Hs2 is not null)
        {
            await Hs2.DisposeAsync();
        }

        if (Remotes is not null)
        {
            await Remotes.DisposeAsync();
        }

        if (Hs2Proxy is not null)
        {
            await Hs2Proxy.DisposeAsync();
        }

        await Storage.DisposeAsync();
    }

    private void Common(Microsoft.Extensions.Configuration.IConfiguration config, int deadPort)
    {
        foreach (var fake in Fakes)
        {
            config[$"Membership:Federation:Servers:{fake.Name}"] = Remotes.BaseUrl(fake.Name);
        }

        config["Membership:Federation:Servers:down.test"] = $"http://127.0.0.1:{deadPort}";
        config["Membership:Federation:RequestTimeout"] = RequestTimeout.ToString();
        config["Membership:Federation:InviteTimeout"] = InviteTimeout.ToString();
    }
}

/// <summary>One instance of the service, running as the homeserver <see cref="Name"/>.</summary>
public sealed class HomeServer : IAsyncDisposable
{
    private readonly TestApp _app;

    private HomeServer(string name, TestApp app)
    {
        Name = name;
        _app = app;
    }

    public string Name { get; }

    /// <summary>Its signing key, so tests can also sign as this server.</summary>
    public SigningKey Key => KeyFor(Name);

    public HttpClient Http => _app.Http;

    public static SigningKey KeyFor(string name) => SigningKey.FromSeed(Seed(name), "ed25519:" + name);

    public static async Task<HomeServer> StartAsync(string name, int port, Azurite storage, Action<Microsoft.Extensions.Configuration.IConfiguration> configure)
    {
        var app = await TestApp.StartAsync(
            storage.ConnectionString,
            new Dictionary<string, string?>
            {
                ["Membership:ServerName"] = name,
                ["Membership:Storage:TablePrefix"] = TestApp.NewTablePrefix(name),
                ["Membership:Federation:SigningKey"] = UnpaddedBase64.Encode(Seed(name)),
                ["Membership:Federation:KeyId"] = "ed25519:" + name,
            },
            builder => configure(builder.Configuration),
            port);
        return new HomeServer(name, app);
    }

    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    public async Task<TestUser> UserAsync(string localpart)
    {
        using var response = await Http.PostAsJsonAsync($"/v4/membership_admin/issue_token?{ServiceFixture.AdminQuery()}", new JsonObject { ["UserId"] = localpart });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>() ?? throw new InvalidOperationException("no body");
        return (int?)body["ErrorCode"] == 0
            ? new TestUser((string)body["UserId"]!, (string)body["AccessToken"]!)
            : throw new InvalidOperationException("issue_token failed: " + body.ToJsonString());
    }

    /// <summary>A client-server request with the user's bearer token.</summary>
    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, TestUser? user = null, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (user is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", user.Token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return await ReadAsync(await Http.SendAsync(request));
    }

    public async Task<string> CreateRoomAsync(TestUser creator)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", creator, new JsonObject { ["name"] = "Federated", ["preset"] = "private_chat" });
        Assert.Equal(200, status);
        return (string)body!["room_id"]!;
    }

    /// <summary>A new user of this server and a public room of theirs.</summary>
    public async Task<(TestUser Creator, string Room)> PublicRoomAsync()
    {
        var creator = await UserAsync("alice");
        var (status, body) = await SendAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", creator, new JsonObject { ["preset"] = "public_chat" });
        Assert.Equal(200, status);
        return (creator, (string)body!["room_id"]!);
    }

    /// <summary>A user's membership in a room as this server's storage holds it (null without a member row).</summary>
    public async Task<string?> MembershipAsync(string room, string user) =>
        (await Get<Storage.MembershipStore>().ReadRoomAsync(room, [user]))?.Members.GetValueOrDefault(user)?.Membership;

    public static async Task<(int Status, JsonNode? Body)> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
        }
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static byte[] Seed(string name) => SHA256.HashData(Encoding.UTF8.GetBytes("seed/" + name));
}
