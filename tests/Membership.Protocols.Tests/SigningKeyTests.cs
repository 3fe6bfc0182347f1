namespace Membership.Protocols.Tests;

public class SigningKeyTests
{
    [Fact]
    public void SpecSeedDerivesThePublishedPublicKey()
    {
        var key = TestKeys.Spec;

        Assert.Equal("ed25519:1", key.KeyId);
        Assert.Equal(TestKeys.SpecPublicKey, key.PublicKeyBase64);
        Assert.Equal("5c65f42514b601fddb7b7927cf67c18916c0a639b60e1eb58170c903c91c24d2", Convert.ToHexStringLower(key.PublicKey));
    }

    [Fact]
    public void InviteeSeedDerivesItsPublicKey()
    {
        var key = SigningKey.FromSeed(Enumerable.Repeat((byte)1, 32).ToArray(), "ed25519:1");

        Assert.Equal(TestKeys.InviteePublicKey, key.PublicKeyBase64);
    }

    [Fact]
    public void PublicKeyReturnsACopy()
    {
        var key = SigningKey.FromBase64Seed(TestKeys.SpecSeed, "ed25519:a_1");
        key.PublicKey[0] ^= 0xFF;

        Assert.Equal(TestKeys.SpecPublicKey, UnpaddedBase64.Encode(key.PublicKey));
    }

    [Fact]
    public void SignatureVerifiesWithThePublicKeyOnly()
    {
        var data = "hello"u8.ToArray();
        var signature = TestKeys.Spec.Sign(data);

        Assert.Equal(64, signature.Length);
        Assert.True(SigningKey.Verify(TestKeys.Spec.PublicKey, data, signature));
        Assert.False(SigningKey.Verify(TestKeys.Invitee.PublicKey, data, signature));
        Assert.False(SigningKey.Verify(TestKeys.Spec.PublicKey, "hellO"u8, signature));
    }

    [Fact]
    public void VerifyReturnsFalseForWrongLengthsAndNonPoints()
    {
        var data = "x"u8.ToArray();
        var signature = TestKeys.Spec.Sign(data);
        var publicKey = TestKeys.Spec.PublicKey;

        Assert.False(SigningKey.Verify(publicKey, data, signature.AsSpan(0, 63)));
        Assert.False(SigningKey.Verify(publicKey.AsSpan(0, 31), data, signature));
        Assert.False(SigningKey.Verify([], data, []));

        // y = 2^255 - 1 is not a field element, so no point.
        var notAPoint = Enumerable.Repeat((byte)0xFF, 32).ToArray();
        Assert.False(SigningKey.IsValidPublicKey(notAPoint));
        Assert.False(SigningKey.Verify(notAPoint, data, signature));
    }

    [Fact]
    public void OneKeySignsFromManyThreadsAtOnce()
    {
        var expected = TestKeys.Spec.Sign("{}"u8);
        var results = new byte[200][];

        Parallel.For(0, results.Length, i => results[i] = TestKeys.Spec.Sign("{}"u8));

        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void FromSeedRejectsSeedsThatAreNot32Bytes(int length) =>
        Assert.Throws<ArgumentException>(() => SigningKey.FromSeed(new byte[length], "ed25519:1"));

    [Theory]
    [InlineData("1")]
    [InlineData("ed25519:")]
    [InlineData("ed25519")]
    [InlineData("curve25519:1")]
    [InlineData("ED25519:1")]
    [InlineData("ed25519:a-b")]
    [InlineData("ed25519:a b")]
    [InlineData("ed25519:ä")]
    public void FromSeedRejectsKeyIdsThatAreNotEd25519(string keyId) =>
        Assert.Throws<ArgumentException>(() => SigningKey.FromSeed(new byte[32], keyId));

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AQID")]
    public void FromBase64SeedRejectsBadSeeds(string seed) =>
        Assert.Throws<ArgumentException>(() => SigningKey.FromBase64Seed(seed, "ed25519:1"));

    [Theory]
    [InlineData("ed25519:1")]
    [InlineData("ed25519:a_1")]
    [InlineData("ed25519:abc123")]
    [InlineData("ed25519:auto")]
    public void IsValidKeyIdAcceptsSpecKeyIds(string keyId) => Assert.True(SigningKey.IsValidKeyId(keyId));
}
