using System.Globalization;

namespace Membership.Protocols.Tests.Interop;

/// <summary>
/// UserSigs cross-checked with Tencent's own npm package <c>tls-sig-api-v2</c> (installed at the repository root).
/// The package can only generate; its side of verification is a few lines of node in <c>node/usersig.js</c> that
/// decode with node's zlib and recompute the HMAC with the package's own <c>_hmacsha256</c>.
/// </summary>
public class TencentInteropTests
{
    private const string Script = "usersig.js";
    private static readonly string AppId = UserSigTests.AppId.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task UserSigFromTencentsPackageVerifiesWithOurs()
    {
        var theirs = await NodeRunner.RunAsync(Script, "generate", AppId, UserSigTests.Key, "xiaojun", "86400");
        var userSig = (string)theirs["userSig"]!;
        var time = (long)theirs["time"]!;

        Assert.Equal(UserSigOutcome.Valid, UserSig.Verify(userSig, UserSigTests.AppId, UserSigTests.Key, "xiaojun", (long)theirs["now"]!).Outcome);
        Assert.Equal(UserSigOutcome.Valid, UserSig.Verify(userSig, UserSigTests.AppId, UserSigTests.Key, "xiaojun", time + 86400).Outcome);
        Assert.Equal(UserSigOutcome.Expired, UserSig.Verify(userSig, UserSigTests.AppId, UserSigTests.Key, "xiaojun", time + 86401).Outcome);
        Assert.Equal(UserSigOutcome.IdentifierMismatch, UserSig.Verify(userSig, UserSigTests.AppId, UserSigTests.Key, "xiaojun2", time).Outcome);
        Assert.Equal(UserSigOutcome.SignatureMismatch, UserSig.Verify(userSig, UserSigTests.AppId, "other key", "xiaojun", time).Outcome);
    }

    [Fact]
    public async Task UserSigFromOurLibraryVerifiesWithTencentsPackage()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var ours = UserSig.Generate(UserSigTests.AppId, UserSigTests.Key, "xiaojun", 180 * 86400, now);

        var result = await Verify(ours, "xiaojun", now);

        Assert.True((bool)result["valid"]!, result.ToJsonString());
        Assert.Equal(now, (long)result["document"]!["TLS.time"]!);
        Assert.Equal(UserSigTests.AppId, (long)result["document"]!["TLS.sdkappid"]!);
    }

    [Fact]
    public async Task TencentsPackageAgreesWithOurFailures()
    {
        var expired = UserSig.Generate(UserSigTests.AppId, UserSigTests.Key, "xiaojun", 10, 1700000000);
        var wrongKey = UserSig.Generate(UserSigTests.AppId, "not the key", "xiaojun", 10, 1700000000);

        Assert.Equal("[\"expired\"]", (await Verify(expired, "xiaojun", 1700000011))["problems"]!.ToJsonString());
        Assert.Equal("[]", (await Verify(expired, "xiaojun", 1700000010))["problems"]!.ToJsonString());
        Assert.Equal("[\"identifier\"]", (await Verify(expired, "someone", 1700000000))["problems"]!.ToJsonString());
        Assert.Equal("[\"signature\"]", (await Verify(wrongKey, "xiaojun", 1700000000))["problems"]!.ToJsonString());
    }

    [Fact]
    public async Task PrivateMapKeyFromTencentsPackageVerifiesWithItsUserbuf()
    {
        var theirs = await NodeRunner.RunAsync(Script, "generate", AppId, UserSigTests.Key, "xiaojun", "300", "10000");
        var userSig = (string)theirs["userSig"]!;
        var userbuf = Convert.FromBase64String((string)UserSigTests.Decode(userSig)["TLS.userbuf"]!);
        var time = (long)theirs["time"]!;

        Assert.Equal(UserSigOutcome.Valid, UserSig.Verify(userSig, UserSigTests.AppId, UserSigTests.Key, "xiaojun", time, userbuf).Outcome);
        Assert.Equal(UserSigOutcome.UserbufMismatch, UserSig.Verify(userSig, UserSigTests.AppId, UserSigTests.Key, "xiaojun", time).Outcome);
    }

    [Fact]
    public async Task UserSigWithUserbufFromOurLibraryVerifiesWithTencentsPackage()
    {
        byte[] userbuf = [0, 0, 7, .. "xiaojun"u8, 0x53, 0x72, 0x66, 0x00, 0, 0, 0x27, 0x10, 0x65, 0x53, 0xF1, 0x00, 0, 0, 0, 255, 0, 0, 0, 0];
        var ours = UserSig.Generate(UserSigTests.AppId, UserSigTests.Key, "xiaojun", 300, 1700000000, userbuf);

        var result = await Verify(ours, "xiaojun", 1700000000);

        Assert.True((bool)result["valid"]!, result.ToJsonString());
        Assert.Equal(Convert.ToBase64String(userbuf), (string?)result["document"]!["TLS.userbuf"]);
    }

    private static Task<System.Text.Json.Nodes.JsonObject> Verify(string userSig, string identifier, long now) =>
        NodeRunner.RunAsync(Script, "verify", AppId, UserSigTests.Key, identifier, userSig, now.ToString(CultureInfo.InvariantCulture));
}
