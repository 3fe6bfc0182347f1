using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json.Nodes;

namespace Membership.Protocols;

/// <summary>
/// Federation request authentication (server-server API "Request Authentication"): the request is described by a JSON
/// object (<c>method</c>, <c>uri</c>, <c>origin</c>, <c>destination</c>, <c>content</c> when there is a body), which
/// the origin signs; the signature travels in an <c>Authorization: X-Matrix</c> header.
/// </summary>
[SuppressMessage("Design", "CA1054:URI-like parameters should not be strings", Justification = "The raw request target as received, byte for byte; a Uri would normalise it.")]
public static class XMatrix
{
    /// <summary>The object that is signed.</summary>
    /// <param name="method">The HTTP method as sent, e.g. <c>PUT</c>.</param>
    /// <param name="uri">The raw request target from <c>/_matrix</c> on, with the query string, exactly as on the wire.</param>
    /// <param name="origin">The sending server's name.</param>
    /// <param name="destination">The receiving server's name.</param>
    /// <param name="content">The parsed JSON body, or null when the request has none; it is copied, not moved.</param>
    /// <exception cref="ArgumentNullException">A string argument is null.</exception>
    public static JsonObject BuildSignedObject(string method, string uri, string origin, string destination, JsonNode? content)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(destination);
        var signed = new JsonObject
        {
            ["method"] = method,
            ["uri"] = uri,
            ["origin"] = origin,
            ["destination"] = destination,
        };
        if (content is not null)
        {
            signed["content"] = content.DeepClone();
        }

        return signed;
    }

    /// <summary>Signs a request and returns the <c>Authorization</c> header value.</summary>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="content"/> is null.</exception>
    /// <exception cref="CanonicalJsonException">The body has no canonical JSON form.</exception>
    public static string CreateHeader(string method, string uri, string origin, string destination, JsonNode? content, SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var signed = BuildSignedObject(method, uri, origin, destination, content);
        var signature = UnpaddedBase64.Encode(key.Sign(CanonicalJson.EncodeForSigning(signed)));
        return new XMatrixAuthorization(origin, destination, key.KeyId, signature).ToHeaderValue();
    }

    /// <summary>
    /// Parses an <c>Authorization</c> header value (RFC 9110 auth-params): scheme case-insensitive, parameters in any
    /// order with case-insensitive names, quoted (with backslash escapes) or unquoted values (colons allowed for old
    /// servers), whitespace around commas tolerated, unknown parameters ignored. Never throws.
    /// </summary>
    /// <param name="header">The header value, e.g. <c>X-Matrix origin="a",key="ed25519:1",sig="..."</c>.</param>
    /// <param name="authorization">The parameters, or null on failure.</param>
    /// <param name="error">Why parsing failed, or <see cref="XMatrixParseError.None"/>.</param>
    public static bool TryParse(string? header, [NotNullWhen(true)] out XMatrixAuthorization? authorization, out XMatrixParseError error)
    {
        authorization = null;
        error = Parse(header, out var origin, out var destination, out var keyId, out var signature);
        if (error != XMatrixParseError.None)
        {
            return false;
        }

        authorization = new XMatrixAuthorization(origin!, destination, keyId!, signature!);
        return true;
    }

    /// <summary>
    /// Verifies a request against a parsed header, rebuilding the signed object with this server's own name as
    /// <c>destination</c>. Never throws for bad input.
    /// </summary>
    /// <param name="authorization">The parsed header.</param>
    /// <param name="method">The HTTP method as received.</param>
    /// <param name="uri">The raw request target as received (in ASP.NET Core, <c>IHttpRequestFeature.RawTarget</c>, not <c>Path</c>).</param>
    /// <param name="destination">This server's own name.</param>
    /// <param name="content">The parsed JSON body, or null when there is none.</param>
    /// <param name="publicKey">The origin's public key for <c>authorization.KeyId</c>.</param>
    /// <exception cref="ArgumentNullException">An argument other than <paramref name="content"/> is null.</exception>
    public static XMatrixCheck Verify(
        XMatrixAuthorization authorization, string method, string uri, string destination, JsonNode? content, ReadOnlySpan<byte> publicKey)
    {
        ArgumentNullException.ThrowIfNull(authorization);
        if (authorization.Destination is not null && !string.Equals(authorization.Destination, destination, StringComparison.Ordinal))
        {
            return XMatrixCheck.DestinationMismatch;
        }

        var signed = BuildSignedObject(method, uri, authorization.Origin, destination, content);
        signed["signatures"] = new JsonObject
        {
            [authorization.Origin] = new JsonObject { [authorization.KeyId] = authorization.Signature },
        };
        return JsonSigning.Verify(signed, authorization.Origin, authorization.KeyId, publicKey) switch
        {
            SignatureCheck.Valid => XMatrixCheck.Valid,
            SignatureCheck.UnsupportedAlgorithm => XMatrixCheck.UnsupportedAlgorithm,
            SignatureCheck.InvalidPublicKey => XMatrixCheck.InvalidPublicKey,
            SignatureCheck.NotCanonical => XMatrixCheck.NotCanonical,
            SignatureCheck.Invalid => XMatrixCheck.SignatureInvalid,
            _ => XMatrixCheck.SignatureMalformed,
        };
    }

    private static XMatrixParseError Parse(string? header, out string? origin, out string? destination, out string? keyId, out string? signature)
    {
        origin = destination = keyId = signature = null;
        const string scheme = "X-Matrix";
        var text = (header ?? string.Empty).AsSpan().Trim(" \t");
        if (!text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return XMatrixParseError.NotXMatrix;
        }

        var rest = text[scheme.Length..];
        if (!rest.IsEmpty && rest[0] is not (' ' or '\t'))
        {
            return XMatrixParseError.NotXMatrix;
        }

        var i = 0;
        while (true)
        {
            // Empty list elements and whitespace around commas are allowed (RFC 9110 §5.6.1).
            while (i < rest.Length && rest[i] is ' ' or '\t' or ',')
            {
                i++;
            }

            if (i == rest.Length)
            {
                break;
            }

            var nameStart = i;
            while (i < rest.Length && IsTokenChar(rest[i]))
            {
                i++;
            }

            var name = rest[nameStart..i];
            SkipWhitespace(rest, ref i);
            if (name.IsEmpty || i == rest.Length || rest[i] != '=')
            {
                return XMatrixParseError.Malformed;
            }

            i++;
            SkipWhitespace(rest, ref i);
            if (!TryReadValue(rest, ref i, out var value))
            {
                return XMatrixParseError.Malformed;
            }

            SkipWhitespace(rest, ref i);
            if (i < rest.Length && rest[i] != ',')
            {
                return XMatrixParseError.Malformed;
            }

            var assigned = name.Equals("origin", StringComparison.OrdinalIgnoreCase) ? TryAssign(ref origin, value)
                : name.Equals("destination", StringComparison.OrdinalIgnoreCase) ? TryAssign(ref destination, value)
                : name.Equals("key", StringComparison.OrdinalIgnoreCase) ? TryAssign(ref keyId, value)
                : !name.Equals("sig", StringComparison.OrdinalIgnoreCase) || TryAssign(ref signature, value);
            if (!assigned)
            {
                // Which of two values was signed is unknowable, so refuse rather than pick one.
                return XMatrixParseError.DuplicateParameter;
            }
        }

        return string.IsNullOrEmpty(origin) ? XMatrixParseError.MissingOrigin
            : string.IsNullOrEmpty(keyId) ? XMatrixParseError.MissingKey
            : string.IsNullOrEmpty(signature) ? XMatrixParseError.MissingSignature
            : XMatrixParseError.None;
    }

    private static bool TryAssign(ref string? slot, string value)
    {
        if (slot is not null)
        {
            return false;
        }

        slot = value;
        return true;
    }

    private static bool TryReadValue(ReadOnlySpan<char> text, ref int i, out string value)
    {
        value = string.Empty;
        if (i < text.Length && text[i] == '"')
        {
            var builder = new StringBuilder();
            for (i++; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '"')
                {
                    i++;
                    value = builder.ToString();
                    return true;
                }

                if (c == '\\')
                {
                    if (++i == text.Length)
                    {
                        return false;
                    }

                    c = text[i];
                }

                if (char.IsControl(c) && c != '\t')
                {
                    return false;
                }

                builder.Append(c);
            }

            return false;
        }

        // Unquoted: an RFC 9110 token, plus ':' (old servers send origin=example.org:8448) and the base64 characters.
        var start = i;
        while (i < text.Length && (IsTokenChar(text[i]) || text[i] is ':' or '/' or '='))
        {
            i++;
        }

        value = text[start..i].ToString();
        return i > start;
    }

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    private static void SkipWhitespace(ReadOnlySpan<char> text, ref int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t')
        {
            i++;
        }
    }
}
