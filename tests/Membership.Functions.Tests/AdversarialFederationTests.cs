using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Membership.Core.Identifiers;
using Membership.Core.Rules;
using Membership.Protocols;
using Membership.Service;
using Membership.Service.Federation;
using Membership.Service.Webhooks;
using Membership.Storage;
using Membership.Testing;
using Microsoft.Extensions.Logging;
using static Membership.Functions.Tests.ClientCalls;
using static Membership.Functions.Tests.FederationCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// Attacks on the federation surface, and through it on the network behind the service, over real HTTP: an X-Matrix
/// origin or an invitee's server that names loopback, private or reserved addresses (server-side request forgery),
/// failure texts that would map ports, and the classes of attack that already hold (replayed signatures, odd key IDs).
/// </summary>
public sealed class AdversarialFederationTests(AdversarialFederationHost host) : IClassFixture<AdversarialFederationHost>
{
    /// <summary>Server names that reach this host: each points at the trap's port on a loopback address.</summary>
    [Theory]
    [InlineData("127.0.0.1:{0}")]
    [InlineData("127.0.0.2:{0}")]
    [InlineData("localhost:{0}")]
    [InlineData("[::1]:{0}")]
    [InlineData("[::ffff:127.0.0.1]:{0}")]
    [InlineData("0.0.0.0:{0}")]
    [InlineData("[::]:{0}")]
    public async Task KeyFetchToALoopbackOriginIsRefusedWithoutConnecting(string origin)
    {
        origin = string.Format(CultureInfo.InvariantCulture, origin, host.Trap.Port);
        var (connections, refusals) = (host.Trap.Connections, host.RefusalsLogged);

        var response = await host.SendSignedInviteAsync(origin);

        AssertUnreachableOrigin(response, origin);
        Assert.Equal(connections, host.Trap.Connections);
        Assert.True(host.RefusalsLogged > refusals, "the address policy logged no refusal");
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.0.1:8448")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254:80")]
    [InlineData("100.64.0.1")]
    [InlineData("224.0.0.1")]
    [InlineData("[fd00::2]")]
    [InlineData("[fe80::1]")]
    [InlineData("[ff02::1]")]
    [InlineData("[64:ff9b::a00:1]")]
    public async Task KeyFetchToAPrivateOrReservedOriginIsRefusedBeforeConnecting(string origin)
    {
        var refusals = host.RefusalsLogged;

        var response = await host.SendSignedInviteAsync(origin);

        AssertUnreachableOrigin(response, origin);
        Assert.True(host.RefusalsLogged > refusals, "the address policy logged no refusal");
    }

    [Theory]
    [InlineData("127.0.0.1:{0}")]
    [InlineData("localhost:{0}")]
    [InlineData("[::1]:{0}")]
    public async Task OutboundInviteToALoopbackServerIsRefusedWithoutConnecting(string server)
    {
        server = string.Format(CultureInfo.InvariantCulture, server, host.Trap.Port);
        var alice = await host.Api.UserAsync(Unique("alice"));
        var room = await host.CreateRoomAsync(alice);
        var before = host.Trap.Connections;

        var response = await host.Api.MatrixAsync(HttpMethod.Post, Room(room, "/invite"), alice, new JsonObject { ["user_id"] = $"@x:{server}" });

        AssertError(response, 502, "M_UNKNOWN");
        Assert.Equal($"{server} could not be reached", (string?)response.Body!["error"]);
        Assert.Equal(before, host.Trap.Connections);
        Assert.DoesNotContain(await host.MembersAsync(room, alice), m => m.StartsWith("@x:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AClosedPortAndAnOpenPortThatIsNotTlsAnswerTheSameText()
    {
        var alice = await host.Api.UserAsync(Unique("alice"));
        var room = await host.CreateRoomAsync(alice);

        var keysFromClosed = await host.SendSignedInviteAsync(AdversarialFederationHost.Closed);
        var keysFromNotTls = await host.SendSignedInviteAsync(AdversarialFederationHost.NotTls);
        var inviteToClosed = await host.Api.MatrixAsync(HttpMethod.Post, Room(room, "/invite"), alice, new JsonObject { ["user_id"] = "@x:" + AdversarialFederationHost.Closed });
        var inviteToNotTls = await host.Api.MatrixAsync(HttpMethod.Post, Room(room, "/invite"), alice, new JsonObject { ["user_id"] = "@x:" + AdversarialFederationHost.NotTls });

        AssertUnreachableOrigin(keysFromClosed, AdversarialFederationHost.Closed);
        AssertUnreachableOrigin(keysFromNotTls, AdversarialFederationHost.NotTls);
        AssertError(inviteToClosed, 502, "M_UNKNOWN");
        AssertError(inviteToNotTls, 502, "M_UNKNOWN");
        Assert.Equal(
            ((string?)inviteToClosed.Body!["error"])!.Replace(AdversarialFederationHost.Closed, "*", StringComparison.Ordinal),
            ((string?)inviteToNotTls.Body!["error"])!.Replace(AdversarialFederationHost.NotTls, "*", StringComparison.Ordinal));
        foreach (var text in new[] { keysFromClosed, keysFromNotTls, inviteToClosed, inviteToNotTls }.Select(r => (string)r.Body!["error"]!))
        {
            Assert.DoesNotContain(host.ClosedPort.ToString(CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
            Assert.DoesNotContain(host.NotTlsPort.ToString(CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AConfiguredServerOnLoopbackStaysReachable()
    {
        var origin = host.Remotes[AdversarialFederationHost.Origin];
        var ev = Invite(origin.Name, origin.Key, $"!{Guid.NewGuid():N}:{origin.Name}", (await host.Api.UserAsync(Unique("bob"))).UserId);

        var response = await host.SendSignedAsync("PUT", V2Path(ev), V2Body(ev), origin.Name, origin.Key);

        Assert.True(response.Status == 200, response.Body?.ToJsonString());
    }

    [Fact]
    public async Task AnInviteWithA50KilobyteNonAsciiDisplayNameIsStoredAndReadBack()
    {
        var origin = host.Remotes[AdversarialFederationHost.Origin];
        var bob = await host.Api.UserAsync(Unique("bob"));
        var name = string.Concat(Enumerable.Repeat("é", 25_000));
        var ev = Invite(origin.Name, origin.Key, $"!{Guid.NewGuid():N}:{origin.Name}", bob.UserId, edit: e => e["content"]!["displayname"] = name);

        var response = await host.SendSignedAsync("PUT", V2Path(ev), V2Body(ev), origin.Name, origin.Key);

        Assert.True(response.Status == 200, response.Body?.ToJsonString());
        var own = await host.Api.MatrixAsync(HttpMethod.Get, Room((string)ev["room_id"]!, $"/state/m.room.member/{Uri.EscapeDataString(bob.UserId)}"), bob);
        AssertOk(own);
        Assert.Equal(name, (string?)own.Body!["displayname"]);
    }

    [Fact]
    public async Task AStrippedStateEntryLargerThanAnyEventIsLeftOutAndTheInviteStored()
    {
        var origin = host.Remotes[AdversarialFederationHost.Origin];
        var bob = await host.Api.UserAsync(Unique("bob"));
        var ev = Invite(origin.Name, origin.Key, $"!{Guid.NewGuid():N}:{origin.Name}", bob.UserId);
        var state = StrippedState(origin.Name);
        state[1]!["content"]!["name"] = new string('n', 70_000);

        var response = await host.SendSignedAsync("PUT", V2Path(ev), V2Body(ev, state: state), origin.Name, origin.Key);

        Assert.True(response.Status == 200, response.Body?.ToJsonString());
        var stub = await host.Api.Get<MembershipStore>().ReadRoomAsync((string)ev["room_id"]!, [bob.UserId]);
        Assert.Null(stub!.Head.Name);
        Assert.Equal("invite", stub.Members[bob.UserId].Membership);
    }

    [Fact]
    public async Task AnXMatrixHeaderReplayedOnAnotherInviteIsUnauthorized()
    {
        var origin = host.Remotes[AdversarialFederationHost.Origin];
        var bob = await host.Api.UserAsync(Unique("bob"));
        var signedFor = Invite(origin.Name, origin.Key, $"!{Guid.NewGuid():N}:{origin.Name}", bob.UserId);
        var sentAs = Invite(origin.Name, origin.Key, $"!{Guid.NewGuid():N}:{origin.Name}", bob.UserId);
        var header = XMatrix.CreateHeader("PUT", V2Path(signedFor), origin.Name, ServiceFixture.ServerName, V2Body(signedFor), origin.Key);

        var response = await host.SendAsync("PUT", V2Path(sentAs), V2Body(sentAs), header);

        AssertError(response, 401, "M_UNAUTHORIZED");
        Assert.Null(await host.Api.Get<MembershipStore>().ReadRoomAsync((string)sentAs["room_id"]!, []));
    }

    [Theory]
    [InlineData("ed25519:a/b")]
    [InlineData("ed25519:a#b?c")]
    [InlineData("ed25519:a'b")]
    [InlineData("ed25519:%2F")]
    public async Task AKeyIdWithTableForbiddenCharactersIsUnknownNotAStorageError(string keyId)
    {
        var origin = host.Remotes[AdversarialFederationHost.Origin];
        var ev = Invite(origin.Name, origin.Key, $"!{Guid.NewGuid():N}:{origin.Name}", (await host.Api.UserAsync(Unique("bob"))).UserId);

        // Our signing library refuses such key IDs, so the header is edited after signing: the ID is what is tried.
        var header = XMatrix.CreateHeader("PUT", V2Path(ev), origin.Name, ServiceFixture.ServerName, V2Body(ev), origin.Key).Replace(origin.Key.KeyId, keyId, StringComparison.Ordinal);
        var response = await host.SendAsync("PUT", V2Path(ev), V2Body(ev), header);

        AssertError(response, 401, "M_UNAUTHORIZED");
        Assert.DoesNotContain(host.Log.Entries, e => e.Level >= LogLevel.Error);
    }

    /// <summary>
    /// An inviting server that passed the address policy when it invited and resolves to loopback by the time its invite
    /// is rejected (DNS rebinding) is not connected to: the invite ends with a leave of our own.
    /// </summary>
    [Theory]
    [InlineData("127.0.0.1:{0}")]
    [InlineData("localhost:{0}")]
    public async Task RejectionThroughAnInviterNowOnLoopbackIsRefusedWithoutConnecting(string inviter)
    {
        inviter = string.Format(CultureInfo.InvariantCulture, inviter, host.Trap.Port);
        var bob = await host.Api.UserAsync(Unique("bob"));
        var key = FakeServer.KeyFrom(inviter, "ed25519:k1");
        var room = $"!{Guid.NewGuid():N}:{inviter}";
        var invite = Invite(inviter, key, room, bob.UserId);
        await host.Api.Get<RoomService>().StoreRemoteInviteAsync(new RemoteInvite(
            RoomId.Parse(room), "10", EventSigning.ComputeEventId(invite, "10"), UserId.Parse($"@alice:{inviter}"), UserId.Parse(bob.UserId), invite, [], DateTimeOffset.UtcNow));
        var (connections, refusals) = (host.Trap.Connections, host.RefusalsLogged);

        AssertOk(await host.Api.MatrixAsync(HttpMethod.Post, Room(room, "/leave"), bob));

        Assert.Equal(connections, host.Trap.Connections);
        Assert.True(host.RefusalsLogged > refusals, "the address policy logged no refusal");
        var leave = (await host.Api.Get<MembershipStore>().ReadEventsAsync(room, 1, 10))[^1];
        Assert.Equal("reject_invite_out_of_band", leave.Action);
    }

    /// <summary>A server with a user in a room that resolves to loopback by the time the room's events go out is not connected to either.</summary>
    [Fact]
    public async Task TransactionToADestinationNowOnLoopbackIsRefusedWithoutConnecting()
    {
        var destination = $"localhost:{host.Trap.Port}";
        var alice = await host.Api.UserAsync(Unique("alice"));
        var response = await host.Api.MatrixAsync(HttpMethod.Post, $"{V3}/createRoom", alice, new JsonObject { ["preset"] = "public_chat" });
        var room = RoomId.Parse((string)response.Body!["room_id"]!);
        var (connections, refusals) = (host.Trap.Connections, host.RefusalsLogged);

        // Its user's join, committed as send_join would after checking it (the key fetch would be refused today).
        var rooms = host.Api.Get<RoomService>();
        var user = UserId.Parse($"@x:{destination}");
        var change = new MembershipChange(MembershipAction.Join, user, user, MembershipChange.ContentFor(MembershipAction.Join, null));
        var join = (await rooms.MemberTemplateAsync(room, change)).Event!;
        join["origin"] = destination;
        EventSigning.Sign(join, "10", destination, FakeServer.KeyFrom(destination, "ed25519:k1"));
        var ids = (string name) => join[name]!.AsArray().Select(e => (string)e!).ToList();
        await rooms.CommitSignedMemberAsync(new SignedMember(room, EventSigning.ComputeEventId(join, "10"), join, change, ids("auth_events"), ids("prev_events"), "join"));
        await host.Api.Get<WebhookDispatcher>().AddFederationDestinationAsync(room, user.Server);

        var store = host.Api.Get<MembershipStore>();
        await EventuallyAsync(async () => (await store.ReadFederationCursorsAsync(room.Value)).Single().LastError is not null, "the transaction fails");
        Assert.Equal($"{destination} could not be reached", (await store.ReadFederationCursorsAsync(room.Value)).Single().LastError);
        Assert.Equal(connections, host.Trap.Connections);
        Assert.True(host.RefusalsLogged > refusals, "the address policy logged no refusal");
    }

    /// <summary>401 with the one text an unreachable key server gets: it names the origin, and nothing about why.</summary>
    private static void AssertUnreachableOrigin((int Status, JsonNode? Body) response, string origin)
    {
        AssertError(response, 401, "M_UNAUTHORIZED");
        Assert.Equal($"The keys of {origin} could not be fetched: {origin} could not be reached", (string?)response.Body!["error"]);
    }
}

/// <summary>
/// The service with its defaults (no private addresses), one configured fake homeserver on loopback, and the targets the
/// attacks aim at: a <see cref="LoopbackTrap"/> counting every connection made to its port on 127.0.0.1, 127.0.0.2 and
/// ::1; <c>closed.test</c>, a configured server on a port nothing listens on; and <c>nottls.test</c>, a configured
/// https server on a port that answers plain text.
/// </summary>
public sealed class AdversarialFederationHost : IAsyncLifetime
{
    public const string Origin = "origin.test";
    public const string Closed = "closed.test";
    public const string NotTls = "nottls.test";

    private TestApp? _app;
    private LoopbackTrap? _notTls;

    public Azurite Storage { get; } = new();

    public FederationTestServer Remotes { get; private set; } = null!;

    public LoopbackTrap Trap { get; private set; } = null!;

    public FaultLogCapture Log { get; } = new();

    public int ClosedPort { get; } = Azurite.FreePort();

    public int NotTlsPort => _notTls!.Port;

    public HttpClient Http => _app!.Http;

    public async Task InitializeAsync()
    {
        await Storage.InitializeAsync();
        Remotes = await FederationTestServer.StartAsync([new FakeServer(Origin)]);
        Trap = LoopbackTrap.Start();
        _notTls = LoopbackTrap.Start();
        _app = await TestApp.StartAsync(
            Storage.ConnectionString,
            new Dictionary<string, string?>
            {
                ["Membership:RateLimits:ClientWritesPerSecond"] = "0",
                [$"Membership:Federation:Servers:{Origin}"] = Remotes.BaseUrl(Origin),
                [$"Membership:Federation:Servers:{Closed}"] = $"http://127.0.0.1:{ClosedPort}",
                [$"Membership:Federation:Servers:{NotTls}"] = $"https://127.0.0.1:{NotTlsPort}",
                ["Membership:Federation:RequestTimeout"] = "00:00:03",
                ["Membership:Federation:InviteTimeout"] = "00:00:04",
            },
            builder => builder.Logging.AddProvider(Log));
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

        Trap?.Dispose();
        _notTls?.Dispose();
        await Storage.DisposeAsync();
    }

    /// <summary>A v2 invite signed with X-Matrix as <paramref name="origin"/>: the service must fetch the origin's keys to check it.</summary>
    public Task<(int Status, JsonNode? Body)> SendSignedInviteAsync(string origin) => SendSignedInviteAsync(Http, origin);

    /// <summary>A v2 invite to the service at <paramref name="http"/>, signed as <paramref name="origin"/> with a key of its own.</summary>
    public static Task<(int Status, JsonNode? Body)> SendSignedInviteAsync(HttpClient http, string origin)
    {
        var key = FakeServer.KeyFrom(origin, "ed25519:k1");
        var ev = Invite(origin, key, $"!{Guid.NewGuid():N}:{origin}", $"@bob:{ServiceFixture.ServerName}");
        return SendAsync(http, "PUT", V2Path(ev), V2Body(ev), XMatrix.CreateHeader("PUT", V2Path(ev), origin, ServiceFixture.ServerName, V2Body(ev), key));
    }

    public Task<(int Status, JsonNode? Body)> SendSignedAsync(string method, string target, JsonNode body, string origin, SigningKey key) =>
        SendAsync(method, target, body, XMatrix.CreateHeader(method, target, origin, ServiceFixture.ServerName, body, key));

    public Task<(int Status, JsonNode? Body)> SendAsync(string method, string target, JsonNode body, string authorization) =>
        SendAsync(Http, method, target, body, authorization);

    private static async Task<(int Status, JsonNode? Body)> SendAsync(HttpClient http, string method, string target, JsonNode body, string authorization)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), target) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await HomeServer.ReadAsync(await http.SendAsync(request));
    }

    /// <summary>Refusals of the outbound address policy logged so far (the detail callers do not see).</summary>
    public int RefusalsLogged => Log.Entries.Count(e => e.Message.StartsWith("Refused an outbound connection to ", StringComparison.Ordinal));

    internal RoomEngineCalls Api => new(Http, _app!.Services);

    public async Task<string> CreateRoomAsync(TestUser creator)
    {
        var response = await Api.MatrixAsync(HttpMethod.Post, $"{V3}/createRoom", creator, new JsonObject { ["preset"] = "private_chat" });
        AssertOk(response);
        return (string)response.Body!["room_id"]!;
    }

    public async Task<IEnumerable<string>> MembersAsync(string room, TestUser user)
    {
        var response = await Api.MatrixAsync(HttpMethod.Get, Room(room, "/members"), user);
        AssertOk(response);
        return Memberships(response.Body).Keys;
    }
}

/// <summary>
/// Listeners on one port of 127.0.0.1, 127.0.0.2 and ::1 that count the connections they accept, answer a line of
/// plain text (so a TLS handshake with them fails, as with any port that is open but not the service expected) and
/// close.
/// </summary>
public sealed class LoopbackTrap : IDisposable
{
    private readonly List<TcpListener> _listeners;
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    private LoopbackTrap(int port, List<TcpListener> listeners)
    {
        Port = port;
        _listeners = listeners;
        foreach (var listener in listeners)
        {
            _ = AcceptAsync(listener);
        }
    }

    public int Port { get; }

    public int Connections => Volatile.Read(ref _connections);

    public static LoopbackTrap Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Azurite.FreePort();
            var listeners = new List<TcpListener>();
            try
            {
                foreach (var address in new[] { IPAddress.Loopback, IPAddress.Parse("127.0.0.2"), IPAddress.IPv6Loopback })
                {
                    var listener = new TcpListener(address, port);
                    listeners.Add(listener);
                    listener.Start();
                }

                return new LoopbackTrap(port, listeners);
            }
            catch (SocketException) when (attempt < 10)
            {
                listeners.ForEach(l => l.Stop());
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listeners.ForEach(l => l.Stop());
        _stop.Dispose();
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var client = await listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                await client.GetStream().WriteAsync("not what you expected\r\n"u8.ToArray(), _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }
}
