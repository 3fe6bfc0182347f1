using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Membership.Functions.Hosting;

/// <summary>
/// The route parameters of the function being run, decoded from the raw request target: Kestrel (and the Functions
/// host) leave <c>%2F</c> encoded in the path they route on but decode <c>%25</c>, so a decoded route value cannot tell
/// "/" from a literal "%2F"; identifiers may hold both, so each raw segment is decoded once, here. Route and parameters
/// therefore come from the same path: a request whose path holds a dot-segment (<c>.</c>, <c>..</c>, raw or
/// percent-encoded), which routing would resolve differently from the raw target, is refused before this is built.
/// </summary>
internal sealed class RouteArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private RouteArguments()
    {
    }

    /// <summary>A parameter's decoded value; empty when the route leaves an optional one out.</summary>
    public string this[string name] => _values.GetValueOrDefault(name, string.Empty);

    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The raw path's segments, undecoded (without the query string).</summary>
    public static string[] RawSegments(HttpContext http)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? string.Empty;
        if (raw.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || raw.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            // An absolute-form target (RFC 9112 §3.2.2): the path starts after the authority.
            var afterScheme = raw.IndexOf("//", StringComparison.Ordinal) + 2;
            var slash = raw.IndexOf('/', afterScheme);
            raw = slash < 0 ? "/" : raw[slash..];
        }

        var path = raw.Split('?', 2)[0];
        return path.TrimStart('/').Split('/');
    }

    /// <summary>Whether any segment of the raw path is <c>.</c> or <c>..</c>, written plainly or percent-encoded.</summary>
    public static bool HasDotSegment(HttpContext http) =>
        RawSegments(http).Any(segment => Decode(segment) is "." or "..");

    /// <summary>
    /// Matches the raw path to <paramref name="pattern"/>, segment by segment (the host has matched it already). Behind a
    /// Functions host an encoded slash arrives as <c>%252F</c> (<see cref="HostingContext"/>) and is read as the slash it was.
    /// </summary>
    public static RouteArguments Match(HttpContext http, RoutePattern pattern, bool behindFunctionsHost)
    {
        var arguments = new RouteArguments();
        var segments = RawSegments(http);
        if (behindFunctionsHost)
        {
            segments = [.. segments.Select(UndoHostEscaping)];
        }

        for (var i = 0; i < pattern.PathSegments.Count; i++)
        {
            if (pattern.PathSegments[i].Parts is not [RoutePatternParameterPart parameter])
            {
                continue;
            }

            if (parameter.IsCatchAll)
            {
                arguments._values[parameter.Name] = i < segments.Length ? string.Join('/', segments[i..].Select(Decode)) : string.Empty;
                break;
            }

            if (i < segments.Length)
            {
                arguments._values[parameter.Name] = Decode(segments[i]);
            }
        }

        return arguments;
    }

    /// <summary>A raw segment as the caller sent it, before the Functions host escaped the '%' of an encoded slash again.</summary>
    public static string UndoHostEscaping(string segment) => segment.Replace("%252F", "%2F", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The path as Matrix servers encode it when they sign a request (each segment percent-encoded whole, as Synapse's
    /// <c>quote</c> does), from a raw path whose encoding a proxy may have changed.
    /// </summary>
    public static string MatrixEncodedPath(HttpContext http) =>
        "/" + string.Join('/', RawSegments(http).Select(s => Uri.EscapeDataString(Decode(UndoHostEscaping(s)))));

    public static string Decode(string segment)
    {
        try
        {
            return Uri.UnescapeDataString(segment);
        }
        catch (UriFormatException)
        {
            return segment;
        }
    }
}
