using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Membership.Protocols;

/// <summary>
/// The <c>Sign</c> query parameter Tencent adds to callbacks when an auth token is configured (Tencent's callback
/// protocol): <c>sha256(Token + RequestTime)</c> as lower-case hex, where <c>+</c> is string concatenation.
/// </summary>
public static class CallbackSign
{
    /// <summary>How far <c>RequestTime</c> may be from our clock, either way, before the callback counts as a replay.</summary>
    public const long FreshnessWindowSeconds = 60;

    /// <summary>The expected <c>Sign</c> for a token and <c>RequestTime</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="token"/> is null.</exception>
    public static string Compute(string token, long requestTime) => Convert.ToHexStringLower(Hash(token, requestTime));

    /// <summary>
    /// Whether <paramref name="sign"/> is right for the token and <c>RequestTime</c> and the request is at most
    /// <see cref="FreshnessWindowSeconds"/> from <paramref name="nowUnixSeconds"/>. Hex case is ignored; the digests are
    /// compared in constant time. Never throws for bad input.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="token"/> is null.</exception>
    public static bool Verify(string token, long requestTime, string? sign, long nowUnixSeconds)
    {
        var expected = Hash(token, requestTime);
        if (Int128.Abs((Int128)nowUnixSeconds - requestTime) > FreshnessWindowSeconds)
        {
            return false;
        }

        // 32 bytes are 64 hex digits; checking the length first keeps FromHexString from throwing.
        if (sign is null || sign.Length != expected.Length * 2)
        {
            return false;
        }

        var actual = new byte[expected.Length];
        return Convert.FromHexString(sign, actual, out _, out _) == System.Buffers.OperationStatus.Done
            && CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    private static byte[] Hash(string token, long requestTime)
    {
        ArgumentNullException.ThrowIfNull(token);
        return SHA256.HashData(Encoding.UTF8.GetBytes(token + requestTime.ToString(CultureInfo.InvariantCulture)));
    }
}
