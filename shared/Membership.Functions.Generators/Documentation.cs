using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;

namespace Membership.Functions.Generators;

/// <summary>
/// A function class's XML documentation as plain text: <c>summary</c> becomes the operation's summary, <c>remarks</c>
/// its description, so the prose of the OpenAPI document is written once, beside the code it describes.
/// </summary>
internal static class Documentation
{
    private static readonly Regex Space = new(@"\s+", RegexOptions.Compiled);

    public static (string? Summary, string? Remarks) Of(ISymbol symbol, CancellationToken cancellationToken)
    {
        var xml = symbol.GetDocumentationCommentXml(cancellationToken: cancellationToken);
        if (string.IsNullOrWhiteSpace(xml))
        {
            return (null, null);
        }

        try
        {
            var root = XElement.Parse(xml);
            return (Text(root.Element("summary")), Text(root.Element("remarks")));
        }
        catch (System.Xml.XmlException)
        {
            return (null, null);
        }
    }

    private static string? Text(XElement? element)
    {
        if (element is null)
        {
            return null;
        }

        var text = string.Concat(element.Nodes().Select(Render));
        text = Space.Replace(text, " ").Trim();
        return text.Length == 0 ? null : text;
    }

    /// <summary><c>&lt;c&gt;x&lt;/c&gt;</c> becomes <c>`x`</c> (Markdown), a cref its last name, a paragraph a blank line.</summary>
    private static string Render(XNode node) => node switch
    {
        XText text => text.Value,
        XElement { Name.LocalName: "c" } code => "`" + code.Value + "`",
        XElement { Name.LocalName: "see" or "seealso" } see => see.Attribute("cref")?.Value.Split('.', ':').Last() ?? see.Attribute("href")?.Value ?? see.Value,
        XElement { Name.LocalName: "paramref" or "typeparamref" } reference => reference.Attribute("name")?.Value ?? string.Empty,
        XElement element => string.Concat(element.Nodes().Select(Render)),
        _ => string.Empty,
    };
}
