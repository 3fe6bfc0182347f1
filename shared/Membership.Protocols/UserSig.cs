using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Membership.Protocols;

/// <summary>
/// Tencent's UserSig v2 (TLSSigAPIv2, as Tencent's own libraries make it): an HMAC-SHA256 of the identifier, SDKAppID, issue time
/// and lifetime under the app's SecretKey, put in a JSON document that is zlib-compressed and base64-encoded with
/// <c>*</c>, <c>-</c>, <c>_</c> in place of <c>+</c>, <c>/</c>, <c>=</c>.
/// </summary>
public static class UserSig
{
    // A document is a few hundred bytes; anything much larger is not a UserSig and must not be inflated without bound.
    private const int MaxEncodedLength = 8 * 1024;
    private const int MaxDocumentBytes = 16 * 1024;

    /// <summary>Issues a UserSig.</summary>
    /// <param name="sdkAppId">The app's SDKAppID.</param>
    /// <param name="key">The app's SecretKey (used as UTF-8 bytes).</param>
    /// <param name="identifier">The user ID the signature is for.</param>
    /// <param name="expireSeconds">How long it stays valid, in seconds (a duration, not a time).</param>
    /// <param name="issuedAt">The issue time, in Unix seconds.</param>
    /// <param name="userbuf">An optional userbuf (TRTC PrivateMapKey); null for a plain UserSig.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="identifier"/> is null.</exception>
    public static string Generate(long sdkAppId, string key, string identifier, long expireSeconds, long issuedAt, byte[]? userbuf = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(identifier);
        var userbufBase64 = userbuf is null ? null : Convert.ToBase64String(userbuf);
        var signature = ComputeSignature(sdkAppId, key, identifier, issuedAt, expireSeconds, userbufBase64);

        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("TLS.ver", "2.0");
            writer.WriteString("TLS.identifier", identifier);
            writer.WriteNumber("TLS.sdkappid", sdkAppId);
            writer.WriteNumber("TLS.expire", expireSeconds);
            writer.WriteNumber("TLS.time", issuedAt);
            if (userbufBase64 is not null)
            {
                writer.WriteString("TLS.userbuf", userbufBase64);
            }

            writer.WriteString("TLS.sig", signature);
            writer.WriteEndObject();
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(json.GetBuffer().AsSpan(0, (int)json.Length));
        }

        return ToTencentBase64(compressed.ToArray());
    }

    /// <summary>
    /// The <c>TLS.sig</c> value: standard base64 of HMAC-SHA256, keyed with the SecretKey, over
    /// <c>TLS.identifier:{id}\nTLS.sdkappid:{app}\nTLS.time:{time}\nTLS.expire:{expire}\n</c> and, when there is a
    /// userbuf, <c>TLS.userbuf:{base64}\n</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="identifier"/> is null.</exception>
    public static string ComputeSignature(long sdkAppId, string key, string identifier, long issuedAt, long expireSeconds, string? userbufBase64 = null) =>
        Convert.ToBase64String(ComputeHmac(sdkAppId, key, identifier, issuedAt, expireSeconds, userbufBase64));

    /// <summary>
    /// Verifies a UserSig the way Tencent's libraries do (the Go library's VerifyUserSig): decode, then SDKAppID, identifier,
    /// expiry (<c>now &gt; time + expire</c>), userbuf, and last the HMAC, compared in constant time. Never throws for
    /// bad input.
    /// </summary>
    /// <param name="userSig">The UserSig as received.</param>
    /// <param name="sdkAppId">This app's SDKAppID.</param>
    /// <param name="key">This app's SecretKey.</param>
    /// <param name="identifier">The user the request claims to be.</param>
    /// <param name="nowUnixSeconds">The current time, in Unix seconds.</param>
    /// <param name="expectedUserbuf">The userbuf the signature must carry, or null if it must carry none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="identifier"/> is null.</exception>
    public static UserSigCheck Verify(string? userSig, long sdkAppId, string key, string identifier, long nowUnixSeconds, byte[]? expectedUserbuf = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(identifier);
        return new UserSigCheck(Check(userSig, sdkAppId, key, identifier, nowUnixSeconds, expectedUserbuf));
    }

    private static UserSigOutcome Check(string? userSig, long sdkAppId, string key, string identifier, long now, byte[]? expectedUserbuf)
    {
        if (string.IsNullOrEmpty(userSig))
        {
            return UserSigOutcome.Empty;
        }

        if (!TryFromTencentBase64(userSig, out var compressed))
        {
            return UserSigOutcome.GarbledEncoding;
        }

        if (!TryInflate(compressed, out var documentBytes))
        {
            return UserSigOutcome.BadZlib;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(documentBytes, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException)
        {
            return UserSigOutcome.BadJson;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return UserSigOutcome.BadJson;
            }

            if (!TryGetString(root, "TLS.ver", out var version) || version != "2.0")
            {
                return UserSigOutcome.WrongVersion;
            }

            if (!TryGetString(root, "TLS.identifier", out var docIdentifier)
                || !TryGetInt64(root, "TLS.sdkappid", out var docAppId)
                || !TryGetInt64(root, "TLS.time", out var time)
                || !TryGetInt64(root, "TLS.expire", out var expire)
                || !TryGetString(root, "TLS.sig", out var docSignature))
            {
                return UserSigOutcome.BadJson;
            }

            string? docUserbuf = null;
            if (root.TryGetProperty("TLS.userbuf", out _) && !TryGetString(root, "TLS.userbuf", out docUserbuf))
            {
                return UserSigOutcome.BadJson;
            }

            if (docAppId != sdkAppId)
            {
                return UserSigOutcome.SdkAppIdMismatch;
            }

            if (!string.Equals(docIdentifier, identifier, StringComparison.Ordinal))
            {
                return UserSigOutcome.IdentifierMismatch;
            }

            // Int128: time and expire come from the (not yet authenticated) document and may be anything.
            if (now > (Int128)time + expire)
            {
                return UserSigOutcome.Expired;
            }

            if (!UserbufMatches(docUserbuf, expectedUserbuf))
            {
                return UserSigOutcome.UserbufMismatch;
            }

            var expected = ComputeHmac(docAppId, key, docIdentifier, time, expire, docUserbuf);
            return TryFromBase64(docSignature, out var actual) && CryptographicOperations.FixedTimeEquals(expected, actual)
                ? UserSigOutcome.Valid
                : UserSigOutcome.SignatureMismatch;
        }
    }

    private static byte[] ComputeHmac(long sdkAppId, string key, string identifier, long issuedAt, long expireSeconds, string? userbufBase64)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(identifier);
        var text = new StringBuilder()
            .Append("TLS.identifier:").Append(identifier).Append('\n')
            .Append("TLS.sdkappid:").Append(sdkAppId.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("TLS.time:").Append(issuedAt.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("TLS.expire:").Append(expireSeconds.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (userbufBase64 is not null)
        {
            text.Append("TLS.userbuf:").Append(userbufBase64).Append('\n');
        }

        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static bool UserbufMatches(string? documentUserbuf, byte[]? expected)
    {
        if (documentUserbuf is null || expected is null)
        {
            return documentUserbuf is null && expected is null;
        }

        return TryFromBase64(documentUserbuf, out var actual) && actual.AsSpan().SequenceEqual(expected);
    }

    private static string ToTencentBase64(byte[] bytes) =>
        Convert.ToBase64String(bytes).Replace('+', '*').Replace('/', '-').Replace('=', '_');

    private static bool TryFromTencentBase64(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length > MaxEncodedLength)
        {
            return false;
        }

        var standard = new StringBuilder(text.Length + 2);
        foreach (var c in text)
        {
            var mapped = c switch
            {
                '*' => '+',
                '-' => '/',
                '_' => '=',
                >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/' or '=' => c,
                _ => '\0',
            };
            if (mapped == '\0')
            {
                return false;
            }

            standard.Append(mapped);
        }

        // Some clients drop the padding; put it back before decoding.
        while (standard.Length % 4 != 0)
        {
            standard.Append('=');
        }

        return TryFromBase64(standard.ToString(), out bytes);
    }

    private static bool TryFromBase64(string text, out byte[] bytes)
    {
        var buffer = new byte[text.Length / 4 * 3 + 3];
        if (Convert.TryFromBase64String(text, buffer, out var written) && !text.Any(char.IsWhiteSpace))
        {
            bytes = buffer[..written];
            return true;
        }

        bytes = [];
        return false;
    }

    private static bool TryInflate(byte[] compressed, out byte[] document)
    {
        document = [];
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
            var buffer = new byte[MaxDocumentBytes + 1];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = zlib.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
            }

            if (total > MaxDocumentBytes)
            {
                return false;
            }

            // .NET stops quietly at the end of a truncated stream, so check the trailer ourselves: a complete stream
            // ends with the Adler-32 of its content (RFC 1950 §2.2), and a UserSig has nothing after it.
            document = buffer[..total];
            return compressed.Length >= 6 && BinaryPrimitives.ReadUInt32BigEndian(compressed.AsSpan(^4)) == Adler32(document);
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static uint Adler32(ReadOnlySpan<byte> data)
    {
        const uint Modulus = 65521;
        uint a = 1, b = 0;
        foreach (var value in data)
        {
            a = (a + value) % Modulus;
            b = (b + a) % Modulus;
        }

        return (b << 16) | a;
    }

    private static bool TryGetString(JsonElement root, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        try
        {
            value = element.GetString();
            return value is not null;
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate.
            return false;
        }
    }

    private static bool TryGetInt64(JsonElement root, string name, out long value)
    {
        value = 0;
        return root.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value);
    }
}
