using System.Text;
using System.Text.Json.Nodes;
using Membership.Protocols;
using static Membership.Functions.Tests.ClientCalls;

namespace Membership.Functions.Tests;

/// <summary>
/// The admin plumbing, exercised through <c>POST /v4/membership_admin/issue_token</c>: every outcome is HTTP 200 with
/// the Tencent envelope, and each way a call can be wrong has its own code.
/// </summary>
public sealed class AdminIssueTokenTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    private const string Path = "/v4/membership_admin/issue_token";
    private const string Admin = ServiceFixture.Admin;
    private const long AppId = ServiceFixture.SdkAppId;
    private const string Key = ServiceFixture.SecretKey;

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    [Fact]
    public async Task AValidCallIssuesATokenThatAuthenticatesTheUser()
    {
        var localpart = Unique("carol");

        var body = await CallAsync(ServiceFixture.AdminQuery(), $$"""{"UserId":"{{localpart}}"}""");

        AssertEnvelope(body, 0);
        Assert.Equal("OK", (string?)body["ActionStatus"]);
        Assert.Equal(string.Empty, (string?)body["ErrorInfo"]);
        Assert.Equal($"@{localpart}:localhost", (string?)body["UserId"]);
        Assert.InRange((long)body["ExpiresInSeconds"]!, 1, 7 * 86400);
        var token = (string)body["AccessToken"]!;
        var whoami = await fixture.GetAsync($"{V3}/account/whoami", new TestUser($"@{localpart}:localhost", token));
        Assert.Equal($"@{localpart}:localhost", (string?)whoami.Body!["user_id"]);
    }

    [Fact]
    public async Task AFullLocalUserIdIsAccepted()
    {
        var userId = $"@{Unique("dave")}:localhost";

        var body = await CallAsync(ServiceFixture.AdminQuery(), new JsonObject { ["UserId"] = userId }.ToJsonString());

        AssertEnvelope(body, 0);
        Assert.Equal(userId, (string?)body["UserId"]);
    }

    [Fact]
    public async Task EachTokenIsNewAndEachRequestIdUnique()
    {
        var localpart = Unique("erin");
        var bodies = new List<JsonObject>();
        for (var i = 0; i < 4; i++)
        {
            bodies.Add(await CallAsync(ServiceFixture.AdminQuery(), $$"""{"UserId":"{{localpart}}"}"""));
        }

        bodies.Add(await CallAsync(Query(sdkAppId: "1"), "{}"));
        bodies.Add(await CallAsync(ServiceFixture.AdminQuery(), "not json"));

        Assert.All(bodies, b => Assert.False(string.IsNullOrEmpty((string?)b["RequestId"])));
        Assert.Equal(bodies.Count, bodies.Select(b => (string)b["RequestId"]!).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(4, bodies.Take(4).Select(b => (string)b["AccessToken"]!).Distinct(StringComparer.Ordinal).Count());
    }

    // ---- query parameters ----

    [Fact]
    public async Task AMissingSdkAppIdIs60012()
    {
        var query = $"identifier={Admin}&usersig={Uri.EscapeDataString(Sig(Admin))}&random=1&contenttype=json";

        AssertEnvelope(await CallAsync(query, """{"UserId":"x"}"""), 60012);
    }

    [Theory]
    [InlineData("1400000001")]
    [InlineData("abc")]
    [InlineData("-1400000000")]
    public async Task AWrongSdkAppIdIs60006(string sdkAppId)
    {
        AssertEnvelope(await CallAsync(Query(sdkAppId: sdkAppId), """{"UserId":"x"}"""), 60006);
    }

    [Fact]
    public async Task AnIdentifierThatIsNotAnAppAdminIs60010()
    {
        // A genuine UserSig, for a user who is not an App administrator.
        var query = Query(identifier: "bob", userSig: Sig("bob"));

        AssertEnvelope(await CallAsync(query, """{"UserId":"bob"}"""), 60010);
    }

    [Fact]
    public async Task AnEmptyUserSigIs70002()
    {
        AssertEnvelope(await CallAsync(Query(userSig: string.Empty), """{"UserId":"x"}"""), 70002);
    }

    [Fact]
    public async Task AnExpiredUserSigIs70001()
    {
        var expired = UserSig.Generate(AppId, Key, Admin, 86400, Now - (3 * 86400));

        AssertEnvelope(await CallAsync(Query(userSig: expired), """{"UserId":"x"}"""), 70001);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("AAAAAAAA")]
    [InlineData("%%%%")]
    public async Task AGarbledUserSigIs70003(string userSig)
    {
        AssertEnvelope(await CallAsync(Query(userSig: userSig), """{"UserId":"x"}"""), 70003);
    }

    [Fact]
    public async Task AUserSigForAnotherIdentifierIs70013()
    {
        AssertEnvelope(await CallAsync(Query(userSig: Sig("bob")), """{"UserId":"x"}"""), 70013);
    }

    [Fact]
    public async Task AUserSigForAnotherSdkAppIdIs70014()
    {
        var other = UserSig.Generate(AppId + 1, Key, Admin, 86400, Now);

        AssertEnvelope(await CallAsync(Query(userSig: other), """{"UserId":"x"}"""), 70014);
    }

    [Fact]
    public async Task AUserSigSignedWithAnotherKeyIsRefusedWithTheMappedCode()
    {
        var forged = UserSig.Generate(AppId, "0000000000000000000000000000000000000000000000000000000000000000", Admin, 86400, Now);
        var expected = UserSigCheck.ErrorCodeFor(UserSigOutcome.SignatureMismatch);
        Assert.Contains(expected, new[] { 70003, 70009 });

        AssertEnvelope(await CallAsync(Query(userSig: forged), """{"UserId":"x"}"""), expected);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("4294967296")]
    public async Task ABadRandomIs60002(string random)
    {
        AssertEnvelope(await CallAsync(Query(random: random), """{"UserId":"x"}"""), 60002);
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("")]
    [InlineData("JSON")]
    public async Task AContentTypeOtherThanJsonIs60002(string contentType)
    {
        AssertEnvelope(await CallAsync(Query(contentType: contentType), """{"UserId":"x"}"""), 60002);
    }

    // ---- body ----

    [Fact]
    public async Task AnEmptyBodyIs60003()
    {
        AssertEnvelope(await CallAsync(ServiceFixture.AdminQuery(), string.Empty), 60003);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("""{"UserId":"\ud800"}""")]
    [InlineData("""{"UserId":"alice","k\udc00":1}""")]
    [InlineData("UserId=alice")]
    [InlineData("[\"alice\"]")]
    [InlineData("\"alice\"")]
    public async Task AMalformedBodyIs60003(string body)
    {
        AssertEnvelope(await CallAsync(ServiceFixture.AdminQuery(), body), 60003);
    }

    [Fact]
    public async Task ABodyThatIsNotUtf8Is60003()
    {
        byte[] bytes = [.. "{\"UserId\":\"a"u8, 0xFF, 0xFE, .. "\"}"u8];
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await fixture.Http.PostAsync(new Uri($"{Path}?{ServiceFixture.AdminQuery()}", UriKind.Relative), content);

        AssertEnvelope(await ReadAsync(response), 60003);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"UserId":""}""")]
    [InlineData("""{"UserId":5}""")]
    [InlineData("""{"UserId":null}""")]
    [InlineData("""{"userid":"alice"}""")]
    public async Task AMissingOrEmptyUserIdIs100002(string body)
    {
        AssertEnvelope(await CallAsync(ServiceFixture.AdminQuery(), body), 100002);
    }

    [Theory]
    [InlineData("@alice:other.example")]
    [InlineData("@alice:localhost:8448")]
    [InlineData("@alice")]
    [InlineData("@:localhost")]
    public async Task ARemoteOrMalformedUserIdIs100002(string userId)
    {
        AssertEnvelope(await CallAsync(ServiceFixture.AdminQuery(), new JsonObject { ["UserId"] = userId }.ToJsonString()), 100002);
    }

    // ---- routing ----

    [Fact]
    public async Task AnUnknownCommandIs60009()
    {
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await fixture.Http.PostAsync(new Uri($"/v4/room_engine_http_mic/lock_seat?{ServiceFixture.AdminQuery()}", UriKind.Relative), content);

        AssertEnvelope(await ReadAsync(response), 60009);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task AnotherMethodThanPostOnACommandIs60002(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), $"{Path}?{ServiceFixture.AdminQuery()}");
        using var response = await fixture.Http.SendAsync(request);

        AssertEnvelope(await ReadAsync(response), 60002);
    }

    private static string Sig(string identifier) => UserSig.Generate(AppId, Key, identifier, 86400, Now);

    private static string Query(string? sdkAppId = null, string identifier = Admin, string? userSig = null, string random = "12345", string contentType = "json") =>
        $"sdkappid={Uri.EscapeDataString(sdkAppId ?? AppId.ToString(System.Globalization.CultureInfo.InvariantCulture))}&identifier={Uri.EscapeDataString(identifier)}"
        + $"&usersig={Uri.EscapeDataString(userSig ?? Sig(identifier))}&random={Uri.EscapeDataString(random)}&contenttype={Uri.EscapeDataString(contentType)}";

    private async Task<JsonObject> CallAsync(string query, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await fixture.Http.PostAsync(new Uri($"{Path}?{query}", UriKind.Relative), content);
        return await ReadAsync(response);
    }

    /// <summary>Every admin outcome is HTTP 200 with a JSON envelope.</summary>
    private static async Task<JsonObject> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"admin answers are HTTP 200; got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(text)!.AsObject();
    }

    private static void AssertEnvelope(JsonObject body, int code)
    {
        Assert.True((int?)body["ErrorCode"] == code, $"expected ErrorCode {code}: {body.ToJsonString()}");
        Assert.Equal(code == 0 ? "OK" : "FAIL", (string?)body["ActionStatus"]);
        Assert.NotNull((string?)body["ErrorInfo"]);
        Assert.False(string.IsNullOrEmpty((string?)body["RequestId"]));
        if (code != 0)
        {
            Assert.False(string.IsNullOrEmpty((string?)body["ErrorInfo"]), "a failure says why");
            Assert.False(body.ContainsKey("AccessToken"));
        }
    }
}
