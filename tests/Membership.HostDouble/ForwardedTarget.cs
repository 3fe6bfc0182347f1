using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Membership.HostDouble;

/// <summary>The path and query the front door sends to the worker (see <see cref="TargetForwarding"/>).</summary>
internal static class ForwardedTarget
{
    // RFC 3986 pchar without pct-encoded, plus '/': unreserved, sub-delims, ':' and '@'. '%' is not in it, so a '%' left in
    // a decoded path (Kestrel keeps %2F encoded) is escaped again, which is what the host's forwarder does.
    private static readonly SearchValues<char> PathChars =
        SearchValues.Create("!$&'()*+,-./0123456789:;=@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~");

    public static string For(HttpRequest request, string rawTarget, TargetForwarding mode)
    {
        ArgumentNullException.ThrowIfNull(request);

        // An origin-form raw target is what the client put on the wire; anything else (absolute-form) is rebuilt.
        if (mode == TargetForwarding.Raw && rawTarget.StartsWith('/'))
        {
            return rawTarget;
        }

        return Escape(request.PathBase.Add(request.Path).Value ?? "/") + request.QueryString.Value;
    }

    /// <summary>Percent-encodes (UTF-8) every character of a decoded path that may not appear in a path as it is.</summary>
    public static string Escape(string decodedPath)
    {
        ArgumentNullException.ThrowIfNull(decodedPath);
        var next = decodedPath.AsSpan().IndexOfAnyExcept(PathChars);
        if (next < 0)
        {
            return decodedPath;
        }

        var escaped = new StringBuilder(decodedPath.Length + 16);
        var rest = decodedPath.AsSpan();
        while (next >= 0)
        {
            escaped.Append(rest[..next]);
            rest = rest[next..];

            // A run of characters to escape is encoded at once, so surrogate pairs stay together.
            var runLength = rest.IndexOfAny(PathChars);
            var run = runLength < 0 ? rest : rest[..runLength];
            escaped.Append(Uri.EscapeDataString(run.ToString()));
            rest = rest[run.Length..];
            next = rest.IndexOfAnyExcept(PathChars);
        }

        return escaped.Append(rest).ToString();
    }
}
