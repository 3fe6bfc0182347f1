using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Membership.Protocols;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Membership.Functions.Tests;

/// <summary>What a fake server's <c>/_matrix/key/v2/server</c> answers.</summary>
public enum KeyAnswer
{
    /// <summary>Its key, self-signed, valid for a day.</summary>
    Valid,

    /// <summary>Its key, self-signed, but <c>valid_until_ts</c> an hour ago.</summary>
    Expired,

    /// <summary>Its key, but the self-signature made with another key.</summary>
    BadSelfSignature,

    /// <summary>Nothing for 60 s (or until the caller gives up).</summary>
    Slow,

    /// <summary>A new current key, and the previous one under <c>old_verify_keys</c>.</summary>
    Rotated,
}

/// <summary>What a fake server answers to <c>PUT /_matrix/federation/v2/invite</c> (outbound tests).</summary>
public enum InviteAnswer
{
    /// <summary>The event with its signature added (v2 shape).</summary>
    Cosign,

    /// <summary>403 <c>M_FORBIDDEN</c> with a reason.</summary>
    Refuse,

    /// <summary>404 <c>M_UNRECOGNIZED</c> on v2; co-signs on v1 in the <c>[200, {...}]</c> shape.</summary>
    OnlyV1,

    /// <summary>Co-signs, but changes the event's content first.</summary>
    Tamper,

    /// <summary>Returns the event with a signature made by a key it does not publish.</summary>
    ForeignSignature,

    /// <summary>Nothing for 60 s (or until the caller gives up).</summary>
    Hang,

    /// <summary>500 with no JSON.</summary>
    Fail,

    /// <summary>400 <c>M_INCOMPATIBLE_ROOM_VERSION</c> with <c>room_version</c>.</summary>
    IncompatibleVersion,
}

/// <summary>What a fake server answers to make_leave and send_leave (a local user rejecting its invite).</summary>
public enum LeaveAnswer
{
    /// <summary>404 <c>M_UNRECOGNIZED</c>: a server that does not serve the endpoints.</summary>
    Unrecognized,

    /// <summary>A leave template, then 200 to send_leave.</summary>
    Accept,

    /// <summary>403 <c>M_FORBIDDEN</c> to make_leave (a policy refusal).</summary>
    Refuse,

    /// <summary>The connection is dropped without an answer (a server that cannot be reached).</summary>
    Drop,
}

/// <summary>What a fake server answers to <c>PUT /send/{txnId}</c>.</summary>
public enum TransactionAnswer
{
    /// <summary>200 with an empty result for each PDU.</summary>
    Accept,

    /// <summary>500 with no JSON.</summary>
    Fail,
}

/// <summary>A request a fake server received.</summary>
public sealed record RecordedRequest(string Method, string Target, string? Authorization, JsonNode? Body);

/// <summary>
/// A homeserver impersonated by <see cref="FederationTestServer"/>: its name, an ed25519 key the tests hold (so they can
/// sign invites and X-Matrix headers as it), and how it behaves.
/// </summary>
public sealed class FakeServer(
    string name,
    KeyAnswer keys = KeyAnswer.Valid,
    InviteAnswer invites = InviteAnswer.Cosign,
    LeaveAnswer leaves = LeaveAnswer.Unrecognized,
    TransactionAnswer transactions = TransactionAnswer.Accept)
{
    private int _keyFetches;

    public string Name { get; } = name;

    public KeyAnswer Keys { get; } = keys;

    public InviteAnswer Invites { get; } = invites;

    public LeaveAnswer Leaves { get; } = leaves;

    public TransactionAnswer Transactions { get; } = transactions;

    /// <summary>The events of the transactions it received, in order.</summary>
    public IEnumerable<JsonObject> TransactionPdus =>
        Requests.Where(r => r.Method == "PUT" && r.Target.StartsWith("/_matrix/federation/v1/send/", StringComparison.Ordinal))
            .SelectMany(r => r.Body!["pdus"]!.AsArray().Select(p => p!.AsObject()));

    /// <summary>Its current key (for <see cref="KeyAnswer.Rotated"/> the new one).</summary>
    public SigningKey Key { get; } = KeyFrom(name + (keys == KeyAnswer.Rotated ? "/new" : string.Empty), keys == KeyAnswer.Rotated ? "ed25519:new" : "ed25519:k1");

    /// <summary>For <see cref="KeyAnswer.Rotated"/>: the retired key, still published under <c>old_verify_keys</c>.</summary>
    public SigningKey OldKey { get; } = KeyFrom(name, "ed25519:k1");

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int KeyFetches => Volatile.Read(ref _keyFetches);

    internal void CountKeyFetch() => Interlocked.Increment(ref _keyFetches);

    /// <summary>A key derived from a label, so every run signs alike.</summary>
    public static SigningKey KeyFrom(string label, string keyId) => SigningKey.FromSeed(SHA256.HashData(Encoding.UTF8.GetBytes(label)), keyId);
}

/// <summary>
/// A small Kestrel app on a free loopback port impersonating several homeservers at once: fake server <c>name</c>
/// lives under <c>http://127.0.0.1:{port}/{name}/</c>, which the services under test are configured to use as that
/// server's base URL (<c>Membership:Federation:Servers:{name}</c>). It serves each one's key server, and answers
/// invites as configured.
/// </summary>
public sealed class FederationTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<string, FakeServer> _servers;

    private FederationTestServer(WebApplication app, Dictionary<string, FakeServer> servers, int port)
    {
        _app = app;
        _servers = servers;
        Port = port;
    }

    public int Port { get; }

    public FakeServer this[string name] => _servers[name];

    public IEnumerable<FakeServer> Servers => _servers.Values;

    public string BaseUrl(string name) => $"http://127.0.0.1:{Port}/{name}";

    public static async Task<FederationTestServer> StartAsync(IEnumerable<FakeServer> servers)
    {
        var byName = servers.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        app.Run(http => ServeAsync(http, byName));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FederationTestServer(app, byName, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task ServeAsync(HttpContext http, Dictionary<string, FakeServer> servers)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var slash = raw.IndexOf('/', 1);
        if (slash < 0 || !servers.TryGetValue(raw[1..slash], out var server))
        {
            http.Response.StatusCode = 404;
            return;
        }

        var target = raw[slash..];
        using var reader = new StreamReader(http.Request.Body);
        var text = await reader.ReadToEndAsync(http.RequestAborted);
        var body = text.Length == 0 ? null : JsonNode.Parse(text);
        server.Requests.Enqueue(new RecordedRequest(http.Request.Method, target, http.Request.Headers.Authorization.FirstOrDefault(), body));

        if (target == "/_matrix/key/v2/server")
        {
            server.CountKeyFetch();
            await AnswerKeysAsync(http, server);
        }
        else if (target.StartsWith("/_matrix/federation/v2/invite/", StringComparison.Ordinal) && body is JsonObject v2)
        {
            await AnswerInviteAsync(http, server, v2["event"]!.AsObject(), (string)v2["room_version"]!, v1: false);
        }
        else if (target.StartsWith("/_matrix/federation/v1/invite/", StringComparison.Ordinal) && body is JsonObject v1)
        {
            await AnswerInviteAsync(http, server, v1, "1", v1: true);
        }
        else if (target.StartsWith("/_matrix/federation/v1/send/", StringComparison.Ordinal))
        {
            await AnswerTransactionAsync(http, server);
        }
        else if (server.Leaves != LeaveAnswer.Unrecognized && (target.StartsWith("/_matrix/federation/v1/make_leave/", StringComparison.Ordinal) || target.StartsWith("/_matrix/federation/v2/send_leave/", StringComparison.Ordinal)))
        {
            await AnswerLeaveAsync(http, server, target);
        }
        else
        {
            await WriteAsync(http, 404, new JsonObject { ["errcode"] = "M_UNRECOGNIZED", ["error"] = "Unrecognized request" });
        }
    }

    private static Task AnswerTransactionAsync(HttpContext http, FakeServer server)
    {
        if (server.Transactions == TransactionAnswer.Fail)
        {
            http.Response.StatusCode = 500;
            return http.Response.WriteAsync("<html>down for maintenance</html>", http.RequestAborted);
        }

        return WriteAsync(http, 200, new JsonObject { ["pdus"] = new JsonObject() });
    }

    private static Task AnswerLeaveAsync(HttpContext http, FakeServer server, string target)
    {
        switch (server.Leaves)
        {
            case LeaveAnswer.Drop:
                http.Abort();
                return Task.CompletedTask;
            case LeaveAnswer.Refuse:
                return WriteAsync(http, 403, new JsonObject { ["errcode"] = "M_FORBIDDEN", ["error"] = "You are not invited to this room" });
        }

        if (target.Contains("/send_leave/", StringComparison.Ordinal))
        {
            return WriteAsync(http, 200, new JsonObject());
        }

        // make_leave/{roomId}/{userId}: the leave template of a resident server.
        var segments = target.Split('?')[0].Split('/');
        var (room, user) = (Uri.UnescapeDataString(segments[^2]), Uri.UnescapeDataString(segments[^1]));
        var template = new JsonObject
        {
            ["auth_events"] = new JsonArray("$create", "$power", "$invite"),
            ["content"] = new JsonObject { ["membership"] = "leave" },
            ["depth"] = 9,
            ["origin"] = server.Name,
            ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["prev_events"] = new JsonArray("$invite"),
            ["room_id"] = room,
            ["sender"] = user,
            ["state_key"] = user,
            ["type"] = "m.room.member",
        };
        return WriteAsync(http, 200, new JsonObject { ["room_version"] = "10", ["event"] = template });
    }

    private static async Task AnswerKeysAsync(HttpContext http, FakeServer server)
    {
        if (server.Keys == KeyAnswer.Slow)
        {
            await Task.Delay(TimeSpan.FromSeconds(60), http.RequestAborted);
            return;
        }

        var validUntil = DateTimeOffset.UtcNow + (server.Keys == KeyAnswer.Expired ? TimeSpan.FromHours(-1) : TimeSpan.FromDays(1));
        var keys = new JsonObject
        {
            ["server_name"] = server.Name,
            ["valid_until_ts"] = validUntil.ToUnixTimeMilliseconds(),
            ["verify_keys"] = new JsonObject { [server.Key.KeyId] = new JsonObject { ["key"] = server.Key.PublicKeyBase64 } },
            ["old_verify_keys"] = server.Keys == KeyAnswer.Rotated
                ? new JsonObject { [server.OldKey.KeyId] = new JsonObject { ["key"] = server.OldKey.PublicKeyBase64, ["expired_ts"] = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds() } }
                : new JsonObject(),
        };
        if (server.Keys == KeyAnswer.BadSelfSignature)
        {
            // Signed under the server's key ID, but by a key nobody published.
            var impostor = FakeServer.KeyFrom("impostor", server.Key.KeyId);
            JsonSigning.Sign(keys, server.Name, impostor);
        }
        else
        {
            JsonSigning.Sign(keys, server.Name, server.Key);
        }

        await WriteAsync(http, 200, keys);
    }

    private static async Task AnswerInviteAsync(HttpContext http, FakeServer server, JsonObject ev, string roomVersion, bool v1)
    {
        switch (server.Invites)
        {
            case InviteAnswer.Refuse:
                await WriteAsync(http, 403, new JsonObject { ["errcode"] = "M_FORBIDDEN", ["error"] = "This server does not accept invites from strangers" });
                return;
            case InviteAnswer.OnlyV1 when !v1:
                await WriteAsync(http, 404, new JsonObject { ["errcode"] = "M_UNRECOGNIZED", ["error"] = "Unrecognized request" });
                return;
            case InviteAnswer.Hang:
                await Task.Delay(TimeSpan.FromSeconds(60), http.RequestAborted);
                return;
            case InviteAnswer.Fail:
                http.Response.StatusCode = 500;
                await http.Response.WriteAsync("<html>oops</html>", http.RequestAborted);
                return;
            case InviteAnswer.IncompatibleVersion:
                await WriteAsync(http, 400, new JsonObject { ["errcode"] = "M_INCOMPATIBLE_ROOM_VERSION", ["error"] = $"Room version {roomVersion} is not supported", ["room_version"] = roomVersion });
                return;
        }

        var signed = ev.DeepClone().AsObject();
        if (server.Invites == InviteAnswer.Tamper)
        {
            signed["content"]!["reason"] = "changed by the invitee's server";
        }

        EventSigning.AddSignature(signed, roomVersion, server.Name, server.Invites == InviteAnswer.ForeignSignature ? FakeServer.KeyFrom("impostor", server.Key.KeyId) : server.Key);
        var answer = new JsonObject { ["event"] = signed };
        await WriteAsync(http, 200, v1 ? new JsonArray(200, answer) : answer);
    }

    private static Task WriteAsync(HttpContext http, int status, JsonNode body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted);
    }
}

/// <summary>A request forwarded by a <see cref="RecordingProxy"/>, with the answer it got.</summary>
public sealed record ForwardedExchange(string Method, string Target, string? Authorization, JsonNode? Body, int Status, JsonNode? Answer);

/// <summary>
/// A loopback proxy in front of a homeserver that records what passes (the other server is configured to reach it
/// here), so a test can see the requests a service sent to another service and what that one answered.
/// </summary>
public sealed class RecordingProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private RecordingProxy(WebApplication app) => _app = app;

    public ConcurrentQueue<ForwardedExchange> Exchanges { get; } = new();

    /// <summary>Listens on <paramref name="port"/> and forwards everything to <paramref name="target"/>, request target unchanged.</summary>
    public static async Task<RecordingProxy> StartAsync(int port, Uri target)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var proxy = new RecordingProxy(app);
        app.Run(context => proxy.ForwardAsync(context, target));
        await app.StartAsync();
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _http.Dispose();
    }

    private async Task ForwardAsync(HttpContext context, Uri target)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(target, raw));
        var authorization = context.Request.Headers.Authorization.FirstOrDefault();
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (text.Length > 0)
        {
            request.Content = new StringContent(text, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request, context.RequestAborted);
        var answer = await response.Content.ReadAsStringAsync(context.RequestAborted);
        Exchanges.Enqueue(new ForwardedExchange(context.Request.Method, raw, authorization, text.Length == 0 ? null : JsonNode.Parse(text), (int)response.StatusCode, ParseOrNull(answer)));
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        await context.Response.WriteAsync(answer, context.RequestAborted);
    }

    private static JsonNode? ParseOrNull(string text)
    {
        try
        {
            return text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
