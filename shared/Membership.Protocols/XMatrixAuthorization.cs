using System.Text;

namespace Membership.Protocols;

/// <summary>The parameters of one <c>Authorization: X-Matrix ...</c> header.</summary>
/// <param name="Origin">The sending server's name.</param>
/// <param name="Destination">The receiving server's name; null when an old server left it out.</param>
/// <param name="KeyId">The origin's key ID, e.g. <c>ed25519:1</c>.</param>
/// <param name="Signature">The unpadded-base64 signature, as sent.</param>
public sealed record XMatrixAuthorization(string Origin, string? Destination, string KeyId, string Signature)
{
    /// <summary>
    /// The header value in the form the spec asks senders to use: one space after the scheme, lower-case names,
    /// quoted values, no whitespace around commas.
    /// </summary>
    public string ToHeaderValue()
    {
        var header = new StringBuilder("X-Matrix ");
        Append(header, "origin", Origin);
        if (Destination is not null)
        {
            Append(header.Append(','), "destination", Destination);
        }

        Append(header.Append(','), "key", KeyId);
        Append(header.Append(','), "sig", Signature);
        return header.ToString();

        static void Append(StringBuilder header, string name, string value)
        {
            header.Append(name).Append("=\"");
            foreach (var c in value)
            {
                // Server names, key IDs and base64 never need this; escaping keeps the header parseable regardless.
                if (c is '"' or '\\')
                {
                    header.Append('\\');
                }

                header.Append(c);
            }

            header.Append('"');
        }
    }
}

/// <summary>Why an X-Matrix header could not be parsed.</summary>
public enum XMatrixParseError
{
    /// <summary>The header was parsed.</summary>
    None,

    /// <summary>The header is empty or its scheme is not <c>X-Matrix</c>.</summary>
    NotXMatrix,

    /// <summary>The parameter list breaks the auth-param syntax (RFC 9110 §11.4), e.g. an unterminated quoted value.</summary>
    Malformed,

    /// <summary><c>origin</c>, <c>destination</c>, <c>key</c> or <c>sig</c> appears more than once.</summary>
    DuplicateParameter,

    /// <summary>There is no (non-empty) <c>origin</c>.</summary>
    MissingOrigin,

    /// <summary>There is no (non-empty) <c>key</c>.</summary>
    MissingKey,

    /// <summary>There is no (non-empty) <c>sig</c>.</summary>
    MissingSignature,
}

/// <summary>The outcome of verifying an X-Matrix request signature.</summary>
public enum XMatrixCheck
{
    /// <summary>The signature verifies over the rebuilt request object.</summary>
    Valid,

    /// <summary>The header names a destination other than this server (the spec says answer 401).</summary>
    DestinationMismatch,

    /// <summary>The signature is not unpadded base64 of 64 bytes.</summary>
    SignatureMalformed,

    /// <summary>The signature does not verify: the method, URI, body, origin or destination differ from what was signed.</summary>
    SignatureInvalid,

    /// <summary>The key ID's algorithm is not <c>ed25519</c>.</summary>
    UnsupportedAlgorithm,

    /// <summary>The public key is not 32 bytes or not a point on the curve.</summary>
    InvalidPublicKey,

    /// <summary>The request body has no canonical JSON form.</summary>
    NotCanonical,
}
