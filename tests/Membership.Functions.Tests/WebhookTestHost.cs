using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Membership.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Membership.Functions.Tests;

/// <summary>One request the receiver saw: its query, body, and the status it answered (0: it never answered).</summary>
internal sealed record ReceivedCallback(IReadOnlyDictionary<string, string> Query, JsonObject Body, int Status)
{
    public string Command => (string)Body["CallbackCommand"]!;

    public string? Type => (string?)Body[nameof(Type)];

    public string[] Accounts => Body["MemberList_Account"] is JsonArray a ? [.. a.Select(x => (string)x!)] : [];

    /// <summary>Command and, for member callbacks, type and accounts: what tells one change's callback from another's.</summary>
    public string Key => Body["MemberList_Account"] is null ? Command : $"{Command}/{Type}/{string.Join(",", Accounts)}";
}

/// <summary>
/// A real HTTP receiver on loopback (Kestrel): records every request and answers what <see cref="Answer"/> says (200 by
/// default). It can be created on a port without listening yet, as a receiver that is down.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedCallback> _requests = new();
    private WebApplication? _app;

    private WebhookReceiver(int port) => Port = port;

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/callback");

    /// <summary>The status for a request (the receiver's n-th, 1-based); a task that never finishes hangs it.</summary>
    public Func<ReceivedCallback, int, CancellationToken, Task<int>> Answer { get; set; } = (_, _, _) => Task.FromResult(200);

    /// <summary>Every request, in arrival order (the failed and unanswered ones too).</summary>
    public IReadOnlyList<ReceivedCallback> Requests => [.. _requests];

    /// <summary>The requests answered 200: the callbacks delivered.</summary>
    public IReadOnlyList<ReceivedCallback> Delivered => [.. _requests.Where(r => r.Status == 200)];

    private int _count;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver(Azurite.FreePort());
        await receiver.ListenAsync();
        return receiver;
    }

    /// <summary>A receiver on a free port that is not listening yet: connections are refused until <see cref="ListenAsync"/>.</summary>
    public static WebhookReceiver Down() => new(Azurite.FreePort());

    public async Task ListenAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapPost("/callback", async (HttpContext http) =>
        {
            var query = http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
            var body = (await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted))!.AsObject();
            var n = Interlocked.Increment(ref _count);
            int status;
            try
            {
                status = await Answer(new ReceivedCallback(query, body, 0), n, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                _requests.Enqueue(new ReceivedCallback(query, body, 0));
                return;
            }

            _requests.Enqueue(new ReceivedCallback(query, body, status));
            http.Response.StatusCode = status;
            await http.Response.WriteAsync("""{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}""", http.RequestAborted);
        });
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Waits (bounded) until the requests satisfy <paramref name="done"/>; fails the test with what arrived otherwise.</summary>
    public async Task<IReadOnlyList<ReceivedCallback>> WaitForAsync(Func<IReadOnlyList<ReceivedCallback>, bool> done, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var requests = Requests;
            if (done(requests))
            {
                return requests;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out; the receiver saw: {string.Join(" | ", requests.Select(r => $"{r.Status} {r.Key}"))}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until <paramref name="count"/> callbacks were delivered, then returns them.</summary>
    public async Task<IReadOnlyList<ReceivedCallback>> WaitForDeliveredAsync(int count, int timeoutSeconds = 30) =>
        (await WaitForAsync(r => r.Count(x => x.Status == 200) >= count, timeoutSeconds)).Where(r => r.Status == 200).ToList();

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

/// <summary>
/// The real app on a free port against a test class's Azurite, with webhook settings for tests (short backoffs, a
/// one-second sweep, a signing token). Apps started with the same <see cref="Prefix"/> share storage, so stopping one
/// and starting another is a process restart.
/// </summary>
internal sealed class WebhookApp : IAsyncDisposable
{
    public const string Token = "webhook-test-token";

    private readonly TestApp _app;

    private WebhookApp(TestApp app)
    {
        _app = app;
        Api = new RoomEngineCalls(app.Http, app.Services);
    }

    public string Prefix => _app.TablePrefix;

    public HttpClient Http => _app.Http;

    public RoomEngineCalls Api { get; }

    public IServiceProvider Services => _app.Services;

    public static string NewPrefix() => TestApp.NewTablePrefix("w");

    /// <summary>Starts the app; <paramref name="url"/> null leaves callbacks off (no configured URL).</summary>
    public static async Task<WebhookApp> StartAsync(Azurite storage, Uri? url, string? prefix = null, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Membership:Storage:TablePrefix"] = prefix ?? NewPrefix(),
            ["Membership:Webhooks:Url"] = url?.AbsoluteUri,
            ["Membership:Webhooks:Token"] = Token,
            ["Membership:Webhooks:InitialBackoff"] = "00:00:00.050",
            ["Membership:Webhooks:MaxBackoff"] = "00:00:00.400",
            ["Membership:Webhooks:Timeout"] = "00:00:02",
            ["Membership:Webhooks:SweepInterval"] = "00:00:01",
            ["Membership:Webhooks:MaxAge"] = "00:05:00",
            ["Membership:Tencent:RateLimitPerSecond"] = "0",

            // The receivers listen on loopback, which the outbound address policy refuses unless this is set.
            ["Membership:Webhooks:AllowPrivateTargets"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new WebhookApp(await TestApp.StartAsync(storage.ConnectionString, all));
    }

    /// <summary>Stops the process: requests end, delivery stops (attempts in flight are abandoned).</summary>
    public Task StopAsync() => _app.StopAsync();

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>A Matrix user with an access token (issued through the admin command).</summary>
    public Task<TestUser> UserAsync(string account) => Api.UserAsync(account);

    public async Task MatrixOkAsync(HttpMethod method, string path, TestUser user, JsonNode? body = null)
    {
        var (status, answer) = await Api.MatrixAsync(method, path, user, body);
        Assert.True(status == 200, $"{method} {path} as {user.UserId}: {status} {answer?.ToJsonString()}");
    }

    public static string RoomPath(string roomId, string action) => $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(RoomEngineCalls.MatrixRoom(roomId))}/{action}";

    public static string Seconds(double seconds) => TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture);
}
