using System.Text.Json.Nodes;
using Membership.Service.Webhooks;
using Membership.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Membership.Functions.Tests;

/// <summary>
/// Attacks through webhook callbacks over real HTTP: a callback URL (configured, or stored by
/// <c>room_config/set_callback</c>) that points the service at loopback, delivery errors that would tell a closed port
/// from an open one, and a receiver that redirects elsewhere.
/// </summary>
public sealed class AdversarialWebhookTests(Azurite storage) : IClassFixture<Azurite>
{
    private const string CreateRoom = "Room.CallbackAfterCreateRoom";

    private static readonly Dictionary<string, string?> Defaults = new() { ["Membership:Webhooks:AllowPrivateTargets"] = "false" };

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task ACallbackUrlOnLoopbackIsRefusedUnlessPrivateTargetsAreAllowed(string host)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await WebhookApp.StartAsync(storage, new Uri($"http://{host}:{receiver.Port}/callback"), settings: Defaults);

        var room = await app.Api.CreateRoomAsync("owner");

        var failed = await PendingAsync(app, room, p => (int)p["Attempts"]! >= 1);
        Assert.Equal(CreateRoom, (string?)failed["CallbackCommand"]);
        Assert.Equal(WebhookSender.Unreachable, (string?)failed["LastError"]);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task ACallbackUrlStoredThroughRoomConfigCannotPointAtLoopback()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await WebhookApp.StartAsync(storage, url: null, settings: Defaults);
        await app.Api.OkAsync("set_callback", new JsonObject { ["Url"] = receiver.Url.AbsoluteUri, ["CallbackCommandList"] = new JsonArray(CreateRoom) }, service: "room_config");

        var room = await app.Api.CreateRoomAsync("owner");

        var failed = await PendingAsync(app, room, p => (int)p["Attempts"]! >= 1);
        Assert.Equal(WebhookSender.Unreachable, (string?)failed["LastError"]);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task DeliveryErrorsDoNotTellAClosedPortFromAnOpenPortThatIsNotTheReceiver()
    {
        using var open = LoopbackTrap.Start();
        await using var closed = WebhookReceiver.Down();
        var allowed = new Dictionary<string, string?> { ["Membership:Webhooks:AllowPrivateTargets"] = "true" };
        string? toOpen, toClosed;
        await using (var app = await WebhookApp.StartAsync(storage, new Uri($"https://127.0.0.1:{open.Port}/callback"), settings: allowed))
        {
            toOpen = (string?)(await PendingAsync(app, await app.Api.CreateRoomAsync("owner"), p => (int)p["Attempts"]! >= 1))["LastError"];
        }

        await using (var app = await WebhookApp.StartAsync(storage, new Uri($"https://127.0.0.1:{closed.Port}/callback"), settings: allowed))
        {
            toClosed = (string?)(await PendingAsync(app, await app.Api.CreateRoomAsync("owner"), p => (int)p["Attempts"]! >= 1))["LastError"];
        }

        Assert.True(open.Connections >= 1, "the open port was reached");
        Assert.Equal(WebhookSender.Unreachable, toOpen);
        Assert.Equal(toOpen, toClosed);
    }

    [Fact]
    public async Task ARedirectFromTheReceiverIsNotFollowed()
    {
        await using var elsewhere = await WebhookReceiver.StartAsync();
        await using var redirecting = await RedirectingReceiver.StartAsync(elsewhere.Url);
        await using var app = await WebhookApp.StartAsync(storage, redirecting.Url, settings: new Dictionary<string, string?> { ["Membership:Webhooks:AllowPrivateTargets"] = "true" });

        var room = await app.Api.CreateRoomAsync("owner");

        var failed = await PendingAsync(app, room, p => (int)p["Attempts"]! >= 2);
        Assert.Equal("HTTP 307", (string?)failed["LastError"]);
        Assert.True(redirecting.Requests >= 2);
        Assert.Empty(elsewhere.Requests);
    }

    /// <summary>The room's first pending callback once <paramref name="done"/> holds for it (bounded wait).</summary>
    private static async Task<JsonNode> PendingAsync(WebhookApp app, string room, Func<JsonNode, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var listing = (await app.Api.OkAsync("get_callback_deliveries", new JsonObject { ["RoomId"] = room }, service: "room_config"))["Response"]!;
            if (listing["Pending"]!.AsArray() is [{ } first, ..] && done(first))
            {
                return first;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out; last listing: {listing.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    /// <summary>A receiver on loopback that answers every request with a 307 to another URL.</summary>
    private sealed class RedirectingReceiver(WebApplication app, Uri url) : IAsyncDisposable
    {
        private int _requests;

        public Uri Url { get; } = url;

        public int Requests => Volatile.Read(ref _requests);

        public static async Task<RedirectingReceiver> StartAsync(Uri location)
        {
            var port = Azurite.FreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            var app = builder.Build();
            var receiver = new RedirectingReceiver(app, new Uri($"http://127.0.0.1:{port}/callback"));
            app.MapPost("/callback", (HttpContext http) =>
            {
                Interlocked.Increment(ref receiver._requests);
                http.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                http.Response.Headers.Location = location.AbsoluteUri;
            });
            await app.StartAsync();
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
