using System.Text;
using System.Text.Json.Nodes;

namespace Membership.Protocols.Tests;

/// <summary>The keys of the spec appendix's signing vectors and of the derived invite vectors, and small JSON helpers.</summary>
internal static class TestKeys
{
    /// <summary>The appendix's seed; its last base64 character carries non-zero unused bits.</summary>
    public const string SpecSeed = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1";
    public const string SpecPublicKey = "XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI";

    /// <summary>The invitee server's key in the derived invite vectors: 32 bytes of 0x01.</summary>
    public const string InviteeSeed = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE";
    public const string InviteePublicKey = "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w";

    public static SigningKey Spec { get; } = SigningKey.FromBase64Seed(SpecSeed, "ed25519:1");

    public static SigningKey Invitee { get; } = SigningKey.FromBase64Seed(InviteeSeed, "ed25519:1");

    public static JsonObject Object(string json) => JsonNode.Parse(json)!.AsObject();

    public static string Canonical(JsonNode? node) => Encoding.UTF8.GetString(CanonicalJson.Encode(node));

    public static string Canonical(string json) => Encoding.UTF8.GetString(CanonicalJson.Canonicalize(Encoding.UTF8.GetBytes(json)));
}
