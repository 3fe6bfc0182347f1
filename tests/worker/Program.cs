using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Membership.HostDouble;
using Membership.Protocols;
using Membership.Testing;

// The published isolated-worker package, started by the Functions host double as the Functions host starts it, against a
// private in-memory Azurite: issue tokens, create a room, join, kick, list members, fetch the OpenAPI document, run
// the timer. Prints the cold start (process start -> first successful membership answer). Exit 0 only if all answer.
if (args is not [var package])
{
    Console.Error.WriteLine("usage: Membership.WorkerSmoke <package folder>");
    return 2;
}

var worker = Path.GetFullPath(Path.Combine(package, "membership.dll"));
if (!File.Exists(worker))
{
    Console.Error.WriteLine($"worker smoke: {worker} is missing; run ./publish.sh first");
    return 2;
}

const string secret = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
var azurite = new Azurite();
try
{
    await azurite.InitializeAsync();
    var options = new FunctionsHostOptions { WorkerPath = worker, AppDirectory = Path.GetFullPath(package) };
    options.Settings["Membership__Storage__ConnectionString"] = azurite.ConnectionString;
    options.Settings["Membership__Tencent__SecretKey"] = secret;
    await using var host = await FunctionsHostDouble.StartAsync(options);
    var http = host.Client;
    var admin = $"sdkappid=1400000000&identifier=administrator&usersig={Uri.EscapeDataString(UserSig.Generate(1400000000, secret, "administrator", 86400, DateTimeOffset.UtcNow.ToUnixTimeSeconds()))}&random=1&contenttype=json";

    var alice = await TokenAsync(http, admin, "alice");
    Console.WriteLine($"worker smoke: cold start (process start -> first successful issue_token): {host.SinceProcessStart.TotalMilliseconds:F0} ms (functions loaded at {host.Timings.FunctionsLoaded.TotalMilliseconds:F0} ms)");
    var bob = await TokenAsync(http, admin, "bob");
    var room = (string)(await SendAsync(http, HttpMethod.Post, "/_matrix/client/v3/createRoom", alice, new JsonObject { ["preset"] = "public_chat" }))!["room_id"]!;
    var path = $"/_matrix/client/v3/rooms/{Uri.EscapeDataString(room)}";
    await SendAsync(http, HttpMethod.Post, $"{path}/join", bob, new JsonObject());
    await SendAsync(http, HttpMethod.Post, $"{path}/kick", alice, new JsonObject { ["user_id"] = "@bob:localhost", ["reason"] = "smoke" });
    var members = (await SendAsync(http, HttpMethod.Get, $"{path}/members", alice))!["chunk"]!.AsArray();
    var bobNow = members.Single(e => (string?)e!["state_key"] == "@bob:localhost")!["content"]!;
    Check((string?)bobNow["membership"] == "leave" && (string?)bobNow["reason"] == "smoke", $"bob's membership after the kick: {bobNow.ToJsonString()}");
    var document = JsonNode.Parse(await http.GetStringAsync("/openapi/v1.json"))!;
    Check(((string?)document["openapi"])?.StartsWith("3.1", StringComparison.Ordinal) == true && document["paths"]!.AsObject().Count >= 30, "the OpenAPI document");
    var timer = await host.InvokeTimerAsync("WebhookSweep");
    Check(timer.Status == InvocationStatus.Success, $"the timer: {timer.Status} {timer.ExceptionMessage}");
    Check(host.Requests.All(r => r.Invocation?.Status == InvocationStatus.Success), "every invocation succeeded");
    Console.WriteLine($"worker smoke: the isolated-worker package served issue_token, createRoom, join, kick, members, /openapi/v1.json and the WebhookSweep timer ({host.Functions.Count} functions loaded)");
    return 0;
}
catch (Exception ex) when (ex is SmokeFailure or HostDoubleException or HttpRequestException)
{
    Console.Error.WriteLine($"worker smoke: FAILED: {ex.Message}");
    return 1;
}
finally
{
    await azurite.DisposeAsync();
}

static async Task<string> TokenAsync(HttpClient http, string admin, string user)
{
    // The worker answers once its functions are loaded; storage tables are created in the background at start.
    for (var attempt = 0; ; attempt++)
    {
        using var response = await http.PostAsJsonAsync($"/v4/membership_admin/issue_token?{admin}", new JsonObject { ["UserId"] = user });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        if ((int?)body?["ErrorCode"] == 0)
        {
            return (string)body!["AccessToken"]!;
        }

        if (attempt == 100)
        {
            throw new SmokeFailure($"issue_token answered {(int)response.StatusCode} {body?.ToJsonString()}");
        }

        await Task.Delay(50);
    }
}

static async Task<JsonNode?> SendAsync(HttpClient http, HttpMethod method, string path, string token, JsonNode? body = null)
{
    using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
    request.Headers.Authorization = new("Bearer", token);
    using var response = await http.SendAsync(request);
    var text = await response.Content.ReadAsStringAsync();
    return response.StatusCode == HttpStatusCode.OK ? JsonNode.Parse(text) : throw new SmokeFailure($"{method} {path} answered {(int)response.StatusCode} {text}");
}

static void Check(bool condition, string what)
{
    if (!condition)
    {
        throw new SmokeFailure($"unexpected: {what}");
    }
}

internal sealed class SmokeFailure(string message) : Exception(message);
