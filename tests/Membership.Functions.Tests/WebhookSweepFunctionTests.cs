using System.Text;
using System.Text.Json.Nodes;
using Membership.Testing;

namespace Membership.Functions.Tests;

/// <summary>
/// The timer-triggered function as the Functions host invokes it: <c>POST /WebhookSweep</c> with the invocation
/// envelope, answered with <c>{"Outputs":{},"Logs":[],"ReturnValue":null}</c> (what the sweep did goes to the app's own log).
/// </summary>
public sealed class WebhookSweepFunctionTests(Azurite storage) : IClassFixture<Azurite>
{
    private const string Invocation = """{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}},"Metadata":{"sys":{"MethodName":"WebhookSweep","UtcNow":"2025-01-01T00:00:00Z","RandGuid":"00000000-0000-0000-0000-000000000000"}}}""";

    [Fact]
    public async Task TheTimerFunctionDeliversLeftOverChangesAndAnswersTheInvocationEnvelope()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var prefix = WebhookApp.NewPrefix();
        var first = await WebhookApp.StartAsync(storage, url: null, prefix);
        var room = await first.Api.CreateRoomAsync("owner");
        await first.Api.JoinAllAsync(room, [await first.UserAsync("bob")]);
        await first.StopAsync();

        // As under the Functions host: no background sweep, so only the timer finds the left-over changes.
        await using var second = await WebhookApp.StartAsync(storage, receiver.Url, prefix, new Dictionary<string, string?> { ["Membership:Webhooks:BackgroundSweep"] = "false" });
        await Task.Delay(1500);
        Assert.Empty(receiver.Requests);

        using var response = await second.Http.PostAsync("/WebhookSweep", new StringContent(Invocation, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(200, (int)response.StatusCode);
        var answer = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(["Outputs", "Logs", "ReturnValue"], answer.Select(p => p.Key));
        Assert.Empty(answer["Outputs"]!.AsObject());
        Assert.Null(answer["ReturnValue"]);
        Assert.Empty(answer["Logs"]!.AsArray());

        // The sweep answers once the rooms it found are delivered.
        Assert.Equal(["Room.CallbackAfterCreateRoom", "Room.CallbackAfterMemberEnter/Enter/bob"], receiver.Requests.Select(r => r.Key));
    }

    [Fact]
    public async Task TheTimerFunctionSaysSoWhenCallbacksAreOff()
    {
        await using var app = await WebhookApp.StartAsync(storage, url: null);
        using var response = await app.Http.PostAsync("/WebhookSweep", new StringContent(Invocation, Encoding.UTF8, "application/json"));
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Empty(answer["Logs"]!.AsArray());
    }
}
