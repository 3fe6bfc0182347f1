namespace Membership.Functions.Admin;

/// <summary>Bound from <c>Membership:Tencent</c>. The defaults are Tencent's public sample credentials, for local use only.</summary>
internal sealed class TencentOptions
{
    public long SdkAppId { get; set; } = 1400000000;

    public string SecretKey { get; set; } = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

    /// <summary>App administrator identifiers; only they may call admin commands.</summary>
    public List<string> Admins { get; set; } = [];

    /// <summary>
    /// Calls a second per App and admin command (Tencent documents 200 for every Room Engine command); 0 or less: no
    /// limit. Over it, a call answers 60007.
    /// </summary>
    public int RateLimitPerSecond { get; set; } = 200;

    public IReadOnlyList<string> EffectiveAdmins => Admins.Count > 0 ? Admins : ["administrator"];
}
