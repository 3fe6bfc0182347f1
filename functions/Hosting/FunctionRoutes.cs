using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;

namespace Membership.Functions.Hosting;

/// <summary>Matching a path against the functions' route templates, their regex constraints included (the only inline constraints the routes use).</summary>
internal static class FunctionRoutes
{
    private static readonly IReadOnlyList<(HttpFunction Function, TemplateMatcher Matcher)> Matchers =
        [.. FunctionTable.Http.Select(f => (f, new TemplateMatcher(TemplateParser.Parse(f.Route), [])))];

    /// <summary>Whether any function's route takes <paramref name="path"/>, whatever the method.</summary>
    public static bool AnyMatches(string path) => Matching(path).Any();

    /// <summary>The functions whose routes take <paramref name="path"/>.</summary>
    public static IEnumerable<HttpFunction> Matching(string path)
    {
        foreach (var (function, matcher) in Matchers)
        {
            var values = new RouteValueDictionary();
            if (matcher.TryMatch(path, values) && ConstraintsHold(function.Pattern, values))
            {
                yield return function;
            }
        }
    }

    private static bool ConstraintsHold(RoutePattern pattern, RouteValueDictionary values)
    {
        foreach (var (name, policies) in pattern.ParameterPolicies)
        {
            foreach (var policy in policies)
            {
                if (policy.Content is { } content && content.StartsWith("regex(", StringComparison.Ordinal)
                    && !Regex.IsMatch(values[name]?.ToString() ?? string.Empty, content[6..^1], RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1)))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
