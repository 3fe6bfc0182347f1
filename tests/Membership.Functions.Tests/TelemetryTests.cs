using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Membership.Functions.Hosting;
using Membership.Protocols;
using Membership.Storage;
using Membership.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Membership.Functions.Tests;

/// <summary>
/// Telemetry: the storage counters are <c>System.Diagnostics.Metrics</c> instruments a MeterListener sees move; every
/// log of a request carries its RequestId in a scope (the envelope's, on the admin surface); no access token, UserSig or
/// Authorization value reaches a log or a span; and without a connection string no OpenTelemetry pipeline exists.
/// </summary>
public sealed class TelemetryTests(TelemetryFixture app) : IClassFixture<TelemetryFixture>
{
    [Fact]
    public async Task StorageCountersMoveOnAMembershipChange()
    {
        var meter = app.Services.GetRequiredService<TelemetryMetrics>().Meter;
        var storage = app.Services.GetRequiredService<StorageMetrics>();
        var totals = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var requests = new ConcurrentQueue<(string Function, int Status)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tagList = tags.ToArray();
            if (instrument.Name == TelemetryMetrics.Requests)
            {
                requests.Enqueue(((string)tagList.Single(t => t.Key == "membership.function").Value!, (int)tagList.Single(t => t.Key == "http.response.status_code").Value!));
            }
            else if (tagList.Any(t => t.Key == "membership.storage.client" && (string?)t.Value == "requests"))
            {
                totals[instrument.Name] = value;
            }
        });
        listener.Start();

        var alice = await app.UserAsync("alice" + Guid.NewGuid().ToString("N")[..6]);
        var bob = await app.UserAsync("bob" + Guid.NewGuid().ToString("N")[..6]);
        var (_, created) = await app.SendAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", alice, """{"preset":"public_chat"}""");
        var room = Uri.EscapeDataString((string)created!["room_id"]!);

        listener.RecordObservableInstruments();
        var before = totals[TelemetryMetrics.StorageRequests];
        var (status, _) = await app.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{room}/join", bob, "{}");
        Assert.Equal(200, status);
        listener.RecordObservableInstruments();

        // The join is one read and one transaction (the per-user index row follows off the request path, so: at least 2).
        Assert.InRange(totals[TelemetryMetrics.StorageRequests] - before, 2, 10);
        Assert.InRange(totals[TelemetryMetrics.StorageRequests], 1, storage.Requests);
        Assert.Equal(storage.Conflicts, totals[TelemetryMetrics.StorageConflicts]);
        Assert.Contains(("JoinRoom", 200), requests);
    }

    [Fact]
    public async Task AdminLogsCarryTheEnvelopesRequestIdInTheirScope()
    {
        var roomId = "tel" + Guid.NewGuid().ToString("N")[..10];
        var envelope = await app.AdminAsync("room_engine_http_srv/create_room", $$$"""{"RoomInfo":{"RoomId":"{{{roomId}}}","RoomType":"Conference"}}""");
        Assert.Equal(0, (int?)envelope["ErrorCode"]);
        var requestId = (string)envelope["RequestId"]!;

        // RoomService logs the creation; the scope names the request it belongs to.
        var entry = Assert.Single(app.Logs.Entries, e => e.Message.Contains(roomId, StringComparison.Ordinal));
        Assert.Contains(entry.Scopes, s => s.Key == "RequestId" && (string?)s.Value == requestId);
        Assert.Contains(entry.Scopes, s => s.Key == "Function" && (string?)s.Value == "RoomEngineCreateRoom");
    }

    [Fact]
    public async Task ClientLogsCarryARequestIdAndTheRoomInTheirScope()
    {
        var carol = await app.UserAsync("carol" + Guid.NewGuid().ToString("N")[..6]);
        var room = "!nowhere" + Guid.NewGuid().ToString("N")[..6] + ":localhost";
        var (status, _) = await app.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/kick", carol, """{"user_id":"@dave:localhost"}""");
        Assert.Equal(404, status);

        // SurfaceErrors logs the 4xx at debug, inside the request's scope.
        var entry = Assert.Single(app.Logs.Entries, e => e.Scopes.Any(s => s.Key == "RoomId" && (string?)s.Value == room) && e.Message.Contains("M_NOT_FOUND", StringComparison.Ordinal));
        Assert.Contains(entry.Scopes, s => s.Key == "Function" && (string?)s.Value == "Kick");
        Assert.Contains(entry.Scopes, s => s.Key == "RequestId" && s.Value is string { Length: > 0 });
    }

    [Fact]
    public async Task ACommittedChangeLogsItsEventIdInsideTheRequestsScope()
    {
        var frank = await app.UserAsync("frank" + Guid.NewGuid().ToString("N")[..6]);
        var (status, created) = await app.SendAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom", frank, """{"preset":"public_chat"}""");
        Assert.Equal(200, status);
        var room = (string)created!["room_id"]!;
        var (left, _) = await app.SendAsync(HttpMethod.Post, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/leave", frank, "{}");
        Assert.Equal(200, left);

        // The leave is the room's newest event: the log names that event ID, and its scope names the request.
        var (_, members) = await app.SendAsync(HttpMethod.Get, $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}/members", frank);
        var leaveEventId = (string)members!["chunk"]!.AsArray().Single(e => (string?)e!["state_key"] == frank.UserId)!["event_id"]!;
        var entry = Assert.Single(app.Logs.Entries, e => e.State.Any(p => p.Key == "EventId" && (string?)p.Value == leaveEventId));
        Assert.Contains(entry.State, p => p.Key == "RoomId" && (string?)p.Value == room);
        Assert.Contains(entry.Scopes, s => s.Key == "Function" && (string?)s.Value == "Leave");
        Assert.Contains(entry.Scopes, s => s.Key == "RequestId" && s.Value is string { Length: > 0 });
    }

    [Fact]
    public async Task NoCredentialEverReachesLogsOrSpans()
    {
        var erin = await app.UserAsync("erin" + Guid.NewGuid().ToString("N")[..6]);
        var userSig = UserSig.Generate(ServiceFixture.SdkAppId, ServiceFixture.SecretKey, ServiceFixture.Admin, 86400, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        const string BadUserSig = "eJyrVspILCpRslIyNDM1szQ2MzBWUMrPdlUSLUgtSi9JLCrJzM9TqgUA0eYLnQ__";
        const string UnknownToken = "mt_unknown_0123456789abcdefghij";
        var secrets = new[] { userSig, Uri.EscapeDataString(userSig), BadUserSig, erin.Token, UnknownToken, ServiceFixture.SecretKey };

        // Admin calls with a good and a bad UserSig; Matrix calls with the token in the header, in the query, and unknown.
        await app.AdminAsync("membership_admin/issue_token", """{"UserId":"frank"}""", userSig);
        await app.AdminAsync("membership_admin/issue_token", """{"UserId":"frank"}""", BadUserSig);
        Assert.Equal(200, (await app.SendAsync(HttpMethod.Get, "/_matrix/client/v3/account/whoami", erin)).Status);
        Assert.Equal(200, (await app.SendAsync(HttpMethod.Get, $"/_matrix/client/v3/account/whoami?access_token={erin.Token}")).Status);
        Assert.Equal(401, (await app.SendAsync(HttpMethod.Get, $"/_matrix/client/v3/account/whoami?access_token={UnknownToken}")).Status);
        Assert.Equal(401, (await app.SendAsync(HttpMethod.Get, "/_matrix/client/v3/joined_rooms", new TestUser("@x:localhost", UnknownToken))).Status);
        using (var forged = new HttpRequestMessage(HttpMethod.Put, "/_matrix/federation/v2/invite/%21r%3Aremote.example/%24e"))
        {
            forged.Headers.TryAddWithoutValidation("Authorization", $"X-Matrix origin=\"remote.example\",destination=\"localhost\",key=\"ed25519:a1\",sig=\"{BadUserSig}\"");
            forged.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            using var refused = await app.Http.SendAsync(forged);
            Assert.Equal(401, (int)refused.StatusCode);
        }

        // The request spans end just after their answers: wait for the last one.
        var spans = await app.Spans.WaitAsync(s => s.GetTagItem("membership.function") as string == "InviteV2");
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(app.Logs.Entries, e => e.Text.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(spans, s => s.DisplayName.Contains(secret, StringComparison.Ordinal) || s.TagObjects.Any(t => t.Value?.ToString()?.Contains(secret, StringComparison.Ordinal) == true));
        }

        // The query string is kept, redacted: every value on the admin surface, the access token elsewhere.

        Assert.Contains(spans, s => s.GetTagItem("url.path") as string == "/v4/membership_admin/issue_token"
            && s.GetTagItem("url.query") as string == "sdkappid=Redacted&identifier=Redacted&usersig=Redacted&random=Redacted&contenttype=Redacted"
            && s.GetTagItem("membership.request_id") is string id && id.StartsWith("Id-", StringComparison.Ordinal));
        Assert.Contains(spans, s => s.GetTagItem("url.path") as string == "/_matrix/client/v3/account/whoami" && s.GetTagItem("url.query") as string == "access_token=Redacted");
        Assert.Contains(spans, s => s.GetTagItem("http.route") is string route && route.EndsWith("/account/whoami", StringComparison.Ordinal)
            && s.GetTagItem("membership.function") as string == "WhoAmI" && s.GetTagItem("http.response.status_code") is 401 && s.DisplayName == "GET " + route);
    }

    [Fact]
    public async Task WithoutAConnectionStringNothingIsCollectedOrExported()
    {
        await using var plain = MembershipApp.Build(["--urls", "http://127.0.0.1:0"]);
        var registered = plain.Services.GetRequiredService<IServiceProviderIsService>();
        Assert.False(registered.IsService(typeof(TracerProvider)));
        Assert.False(registered.IsService(typeof(MeterProvider)));
        Assert.NotNull(plain.Services.GetRequiredService<TelemetryMetrics>().Meter);

        // With one, the pipeline is there (not started here: the exporter would try to reach Azure).
        await using var exported = MembershipApp.Build(
            ["--urls", "http://127.0.0.1:0"],
            b => b.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/");
        var withExport = exported.Services.GetRequiredService<IServiceProviderIsService>();
        Assert.True(withExport.IsService(typeof(TracerProvider)));
        Assert.True(withExport.IsService(typeof(MeterProvider)));
    }
}

/// <summary>The app on Kestrel over its own Azurite, with every log captured (scopes included) and every span kept in memory.</summary>
public sealed class TelemetryFixture : IAsyncLifetime
{
    private TestApp? _app;

    public Azurite Storage { get; } = new();

    public CapturedLogs Logs { get; } = new();

    public CapturedSpans Spans { get; } = new();

    public HttpClient Http => _app!.Http;

    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        await Storage.InitializeAsync();
        _app = await TestApp.StartAsync(
            Storage.ConnectionString,
            new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Trace",

                // The forged federation request below makes the app look up remote.example's keys: on loopback, never outside.
                ["Membership:Federation:Servers:remote.example"] = "http://127.0.0.1:9",
            },
            builder =>
            {
                builder.Logging.AddProvider(Logs);
                builder.Services.AddSingleton(new TelemetryExport { Traces = t => t.AddProcessor(Spans) });
            });
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Logs.Dispose();
        Spans.Dispose();
        await Storage.DisposeAsync();
    }

    public async Task<JsonObject> AdminAsync(string command, string body, string? userSig = null)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync($"/v4/{command}?{ServiceFixture.AdminQuery(userSig: userSig)}", content);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    public async Task<TestUser> UserAsync(string localpart)
    {
        var envelope = await AdminAsync("membership_admin/issue_token", $$"""{"UserId":"{{localpart}}"}""");
        return new TestUser((string)envelope["UserId"]!, (string)envelope["AccessToken"]!);
    }

    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, TestUser? user = null, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }
}

/// <summary>One captured log: everything a sink could write, scopes included.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, string Message, IReadOnlyList<KeyValuePair<string, object?>> State, IReadOnlyList<KeyValuePair<string, object?>> Scopes, string? Exception)
{
    public string Text => string.Join('\n', [Category, Message, Exception ?? string.Empty, .. State.Select(s => $"{s.Key}={s.Value}"), .. Scopes.Select(s => $"{s.Key}={s.Value}")]);
}

/// <summary>A logger provider that keeps every entry with its scopes (through the factory's external scope provider).</summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private static IEnumerable<KeyValuePair<string, object?>> Pairs(object? state) => state switch
    {
        IEnumerable<KeyValuePair<string, object?>> pairs => pairs,
        null => [],
        _ => [new("Scope", state.ToString())],
    };

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<KeyValuePair<string, object?>>();
            owner._scopes.ForEachScope((scope, list) => list.AddRange(Pairs(scope)), scopes);
            owner._entries.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception), [.. Pairs(state)], scopes, exception?.ToString()));
        }
    }
}

/// <summary>An OpenTelemetry processor that keeps every span as it is exported (after the app's redaction).</summary>
public sealed class CapturedSpans : BaseProcessor<Activity>
{
    private readonly ConcurrentQueue<Activity> _spans = new();

    public override void OnEnd(Activity data) => _spans.Enqueue(data);

    /// <summary>The spans so far, once one matching <paramref name="last"/> has ended (spans end just after their response).</summary>
    public async Task<IReadOnlyList<Activity>> WaitAsync(Func<Activity, bool> last)
    {
        for (var i = 0; i < 100 && !_spans.Any(last); i++)
        {
            await Task.Delay(50);
        }

        return [.. _spans];
    }
}
