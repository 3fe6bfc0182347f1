using System.IO.Compression;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Membership.Protocols.Tests.Properties;

/// <summary>Untrusted input never makes the library throw; it only ever yields a typed failure.</summary>
public class RobustnessProperties
{
    private static readonly Gen<string> HeaderLike =
        Gen.Elements("X-Matrix", " ", "\t", "origin", "destination", "key", "sig", "=", "\"", "\\", ",", "a", "ed25519:1", ":", "x y", "\n")
            .ListOf()
            .Select(parts => string.Concat(parts));

    private static readonly Gen<string> TencentLike =
        Gen.Elements("eJ", "yr", "Vg", "*", "-", "_", "=", "+", "/", "A", "zz", " ", "\u00e9")
            .ListOf()
            .Select(parts => string.Concat(parts));

    [Property(MaxTest = 500)]
    public bool UserSigVerifyNeverThrowsOnArbitraryText(string? text) =>
        !UserSig.Verify(text, UserSigTests.AppId, UserSigTests.Key, "xiaojun", 1700000000, null).IsValid;

    [Property(MaxTest = 300)]
    public Property UserSigVerifyNeverThrowsOnTencentLikeText() => Prop.ForAll(TencentLike.ToArbitrary(), text =>
        !UserSig.Verify(text, UserSigTests.AppId, UserSigTests.Key, "xiaojun", 1700000000, null).IsValid);

    [Property(MaxTest = 300)]
    public Property UserSigWithAnyCharacterChangedNeverVerifiesAsAnotherDocument() => Prop.ForAll(
        Gen.Zip(Gen.Choose(0, 1000), Gen.Elements('A', 'z', '0', '*', '-', '_')).ToArbitrary(),
        input =>
        {
            var sig = UserSig.Generate(UserSigTests.AppId, UserSigTests.Key, "xiaojun", 86400, 1700000000);
            var index = input.Item1 % sig.Length;
            var changed = string.Concat(sig.AsSpan(0, index), [input.Item2], sig.AsSpan(index + 1));
            var check = UserSig.Verify(changed, UserSigTests.AppId, UserSigTests.Key, "xiaojun", 1700000000, null);

            // Base64 and deflate both have ignored padding bits, so a change there may still inflate to the same
            // document, and verifying it is right. Anything else, including bytes appended after the stream, must fail.
            return check.IsValid == (Inflate(changed) is { } mutated && Inflate(sig) is { } original
                && mutated.Compressed.Length == original.Compressed.Length && mutated.Document.AsSpan().SequenceEqual(original.Document));
        });

    private static (byte[] Compressed, byte[] Document)? Inflate(string userSig)
    {
        try
        {
            var compressed = Convert.FromBase64String(userSig.Replace('*', '+').Replace('-', '/').Replace('_', '='));
            using var zlib = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var output = new MemoryStream();
            zlib.CopyTo(output);
            return (compressed, output.ToArray());
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            return null;
        }
    }

    [Property(MaxTest = 500)]
    public bool XMatrixTryParseNeverThrowsOnArbitraryText(string? text) =>
        XMatrix.TryParse(text, out var auth, out var error) == (auth is not null && error == XMatrixParseError.None);

    [Property(MaxTest = 500)]
    public Property XMatrixTryParseNeverThrowsOnHeaderLikeText() => Prop.ForAll(HeaderLike.ToArbitrary(), text =>
        XMatrix.TryParse(text, out var auth, out var error) == (auth is not null && error == XMatrixParseError.None));

    [Property(MaxTest = 500)]
    public bool UnpaddedBase64TryDecodeNeverThrowsAndRoundTrips(string? text) =>
        !UnpaddedBase64.TryDecode(text, out var bytes) || UnpaddedBase64.TryDecode(UnpaddedBase64.Encode(bytes), out var again) && again.AsSpan().SequenceEqual(bytes);

    [Property(MaxTest = 300)]
    public bool UnpaddedBase64RoundTripsAnyBytes(byte[] bytes) =>
        UnpaddedBase64.TryDecode(UnpaddedBase64.Encode(bytes), out var standard) && standard.AsSpan().SequenceEqual(bytes)
        && UnpaddedBase64.TryDecode(UnpaddedBase64.EncodeUrlSafe(bytes), out var urlSafe) && urlSafe.AsSpan().SequenceEqual(bytes);

    [Property(MaxTest = 300)]
    public bool CallbackSignVerifyNeverThrows(string? sign, long requestTime, long now) =>
        CallbackSign.Verify("token", requestTime, sign, now) == (sign is not null && sign == CallbackSign.Compute("token", requestTime) && Math.Abs((decimal)now - requestTime) <= 60);

    [Property(MaxTest = 300)]
    public bool TryEncodeNeverThrowsOnArbitraryStrings(string? text) =>
        CanonicalJson.TryEncode(text, out var bytes, out var error) ? error is null && bytes.Length > 0 : error is not null;
}
