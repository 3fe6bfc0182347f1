using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Membership.Functions.Hosting;

/// <summary>
/// Route values decoded from the raw request target. Kestrel leaves "%2F" encoded in the path but decodes "%25", so a
/// decoded route value cannot tell "/" from a literal "%2F"; identifiers may hold both, so decode the raw segment once.
/// </summary>
internal static class RawRoute
{
    public static string Value(HttpContext http, string parameter)
    {
        var pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern
            ?? throw new InvalidOperationException("RawRoute needs a routed endpoint");
        var index = pattern.PathSegments.ToList().FindIndex(s => s.Parts.Any(p => p is RoutePatternParameterPart q && q.Name == parameter));
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? string.Empty;
        var path = raw.Split('?', 2)[0];
        var segments = path.TrimStart('/').Split('/');
        if (index < 0 || index >= segments.Length)
        {
            return http.Request.RouteValues[parameter]?.ToString() ?? string.Empty;
        }

        return Uri.UnescapeDataString(segments[index]);
    }
}
