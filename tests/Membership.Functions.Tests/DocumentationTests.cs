using System.Text.RegularExpressions;
using Membership.Testing;

namespace Membership.Functions.Tests;

/// <summary>
/// The documentation holds together: every relative link in the README and docs/ leads to a file of the repository
/// (and to a heading of it, when the link names one), nothing points outside the repository, every docs page can be
/// reached from the README, and the README stays a front door rather than a manual.
/// </summary>
public sealed class DocumentationTests
{
    private const int MaxReadmeLines = 150;

    [Fact]
    public void ReadmeIsAtMost150Lines()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "README.md")).Length;
        Assert.True(lines <= MaxReadmeLines, $"README.md has {lines} lines; move detail into docs/ and link to it (at most {MaxReadmeLines})");
    }

    [Fact]
    public void EveryRelativeLinkResolvesToAFileAndHeadingInsideTheRepository()
    {
        var problems = DocumentationLinks.Documents(RepoPaths.Root).SelectMany(d => DocumentationLinks.Problems(RepoPaths.Root, d)).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void EveryDocsPageIsLinkedFromTheReadme()
    {
        var linked = DocumentationLinks.LinkedFiles(RepoPaths.Root, Path.Combine(RepoPaths.Root, "README.md")).ToHashSet(StringComparer.Ordinal);
        var unlinked = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md")
            .Where(page => !linked.Contains(Path.GetFullPath(page)))
            .Select(page => Path.GetRelativePath(RepoPaths.Root, page))
            .ToList();
        Assert.True(unlinked.Count == 0, "Not linked from README.md: " + string.Join(", ", unlinked));
    }

    [Fact]
    public void TheCheckerReportsMissingFilesMissingHeadingsAndPathsOutsideTheRepository()
    {
        var root = Directory.CreateTempSubdirectory("doc-links-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "docs"));
            File.WriteAllText(Path.Combine(root, "docs", "page.md"), "# A page\n\n## Storing a remote room's invite (v2)\n\n```sh\n# not a heading\n```\n");
            var readme = Path.Combine(root, "README.md");
            File.WriteAllText(readme, """
                # Title
                [fine](docs/page.md#storing-a-remote-rooms-invite-v2) and [top](#title) and [web](https://example.org/x)
                [missing file](docs/nope.md) and [missing heading](docs/page.md#not-a-heading)
                [escapes](../elsewhere/DESIGN.md) and [absolute](/etc/passwd)
                Design: `../shared/DESIGN.md`, notes in /home/someone/notes.md
                ```sh
                [a link in code is not a link](docs/also-nope.md)
                ```
                """);

            var problems = DocumentationLinks.Problems(root, readme).ToList();

            Assert.Collection(
                problems,
                p => Assert.Contains("docs/nope.md: no such file", p, StringComparison.Ordinal),
                p => Assert.Contains("docs/page.md#not-a-heading: no such heading", p, StringComparison.Ordinal),
                p => Assert.Contains("../elsewhere/DESIGN.md: outside the repository", p, StringComparison.Ordinal),
                p => Assert.Contains("/etc/passwd: an absolute path", p, StringComparison.Ordinal),
                p => Assert.Contains("../shared/DESIGN.md: outside the repository", p, StringComparison.Ordinal),
                p => Assert.Contains("/home/someone/notes.md: a local path", p, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("Admin (Tencent Room Engine style)", "admin-tencent-room-engine-style")]
    [InlineData("Storing a remote room's invite", "storing-a-remote-rooms-invite")]
    [InlineData("Delivery, retries and dead letters", "delivery-retries-and-dead-letters")]
    [InlineData("The `webhooks` table", "the-webhooks-table")]
    [InlineData("See [api.md](api.md) first", "see-apimd-first")]
    [InlineData("Cold start: AOT / worker", "cold-start-aot--worker")]
    public void HeadingsAreAnchoredAsGitHubDoes(string heading, string anchor) =>
        Assert.Equal(anchor, DocumentationLinks.Slug(heading));
}

/// <summary>Links of Markdown documents: which exist, which do not, and which lead out of the repository.</summary>
internal static partial class DocumentationLinks
{
    /// <summary>The documents whose links are checked: the README, every page of docs/, and infra/README.md.</summary>
    public static IEnumerable<string> Documents(string root) =>
        new[] { Path.Combine(root, "README.md"), Path.Combine(root, "infra", "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md"))
            .Where(File.Exists);

    /// <summary>Every problem of <paramref name="document"/>'s links and path mentions, one line each, in document order.</summary>
    public static IEnumerable<string> Problems(string root, string document)
    {
        var name = Path.GetRelativePath(root, document);
        var text = File.ReadAllText(document);
        foreach (var target in Links(text))
        {
            if (Problem(root, document, target) is { } problem)
            {
                yield return $"{name}: {target}: {problem}";
            }
        }

        // Paths written as text (in prose or code, link targets aside) that leave the repository or name a machine's folders.
        foreach (Match mention in RelativePathMention().Matches(text))
        {
            if (!Inside(root, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, mention.Value))))
            {
                yield return $"{name}: {mention.Value}: outside the repository";
            }
        }

        foreach (Match mention in LocalPathMention().Matches(text))
        {
            yield return $"{name}: {mention.Value}: a local path";
        }
    }

    /// <summary>The full paths of the repository files <paramref name="document"/> links to.</summary>
    public static IEnumerable<string> LinkedFiles(string root, string document) =>
        Links(File.ReadAllText(document))
            .Where(target => !IsExternal(target) && Problem(root, document, target) is null)
            .Select(target => Resolve(document, target.Split('#', 2)[0]));

    /// <summary>The anchor GitHub gives a heading: its text lower-cased, without punctuation, spaces as hyphens.</summary>
    public static string Slug(string heading)
    {
        var text = InlineLink().Replace(heading.Trim(), "$1").ToLowerInvariant();
        return NotInSlug().Replace(text, string.Empty).Replace(' ', '-');
    }

    private static string? Problem(string root, string document, string target)
    {
        if (IsExternal(target))
        {
            return null;
        }

        if (target.StartsWith('/') || target.StartsWith('\\') || target.StartsWith("file:", StringComparison.OrdinalIgnoreCase) || DriveLetter().IsMatch(target))
        {
            return "an absolute path (link relative to the document)";
        }

        var parts = target.Split('#', 2);
        var path = parts[0].Length == 0 ? document : Resolve(document, parts[0]);
        if (!Inside(root, path))
        {
            return "outside the repository";
        }

        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return "no such file";
        }

        return parts.Length == 2 && path.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && !Anchors(File.ReadAllText(path)).Contains(parts[1])
            ? "no such heading"
            : null;
    }

    private static bool IsExternal(string target) => UriScheme().IsMatch(target) && !target.StartsWith("file:", StringComparison.OrdinalIgnoreCase);

    private static string Resolve(string document, string path) =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, Uri.UnescapeDataString(path)));

    private static bool Inside(string root, string path)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(root), path);
        return relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    /// <summary>Link targets outside code: inline links and images, and reference definitions.</summary>
    private static IEnumerable<string> Links(string text)
    {
        foreach (var line in Prose(text))
        {
            var withoutCode = InlineCode().Replace(line, string.Empty);
            foreach (Match link in InlineLinkTarget().Matches(withoutCode))
            {
                yield return link.Groups["target"].Value;
            }

            if (ReferenceDefinition().Match(withoutCode) is { Success: true } definition)
            {
                yield return definition.Groups["target"].Value;
            }
        }
    }

    /// <summary>The anchors of a document's headings; a repeated heading gets -1, -2, ... as on GitHub.</summary>
    private static HashSet<string> Anchors(string text)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in Prose(text))
        {
            if (Heading().Match(line) is { Success: true } heading)
            {
                var slug = Slug(heading.Groups["text"].Value);
                var unique = slug;
                for (var n = 1; !anchors.Add(unique); n++)
                {
                    unique = $"{slug}-{n}";
                }
            }
        }

        return anchors;
    }

    /// <summary>The lines outside fenced code blocks (a '#' in a shell block is a comment, not a heading).</summary>
    private static IEnumerable<string> Prose(string text)
    {
        var fenced = false;
        foreach (var line in text.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }

            if (!fenced)
            {
                yield return line.TrimEnd('\r');
            }
        }
    }

    [GeneratedRegex(@"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex InlineLinkTarget();

    [GeneratedRegex(@"^\s{0,3}\[[^\]]+\]:\s*(?<target>\S+)")]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex("`[^`]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)(?:\s+#+)?\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"\[([^\]]*)\]\([^)]*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"[^\p{L}\p{M}\p{N}\p{Pc} \-]")]
    private static partial Regex NotInSlug();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.\-]+:")]
    private static partial Regex UriScheme();

    [GeneratedRegex(@"^[A-Za-z]:[\\/]")]
    private static partial Regex DriveLetter();

    /// <summary>A path written as text that climbs out of the document's folder: <c>../shared/DESIGN.md</c>.</summary>
    [GeneratedRegex(@"(?<![\w./\-(])(?:\.\./)+[\w.\-]+(?:/[\w.\-]+)*")]
    private static partial Regex RelativePathMention();

    /// <summary>A path of a developer's machine written as text: <c>/home/...</c>, <c>/Users/...</c>, <c>/work/...</c>.</summary>
    [GeneratedRegex(@"(?<![\w.:/\-])/(?:home|Users|work|root|mnt)/[\w.\-/]+")]
    private static partial Regex LocalPathMention();
}
