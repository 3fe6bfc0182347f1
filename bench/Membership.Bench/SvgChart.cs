using System.Globalization;
using System.Net;
using System.Text;

namespace Membership.Bench;

/// <summary>
/// The chart at bench/results/latest.svg, drawn by hand: left, p50 latency per operation (bar) with its p95 (whisker)
/// per build, and the raw storage baseline; right, throughput against concurrent clients, many rooms and one hot room;
/// below, the join storm beside the serial rate and the raw storage ceiling.
/// </summary>
internal static class SvgChart
{
    private const int Width = 1000;
    private const int Height = 800;
    private static readonly Dictionary<string, string> Colors = new(StringComparer.Ordinal) { ["aot"] = "#1f77b4", ["jit"] = "#ff7f0e", ["raw"] = "#7f7f7f" };

    public static string Render(Report report, string subtitle)
    {
        ArgumentNullException.ThrowIfNull(report);
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" viewBox="0 0 {Width} {Height}" font-family="sans-serif" font-size="12">""");
        svg.AppendLine("""<rect width="100%" height="100%" fill="white"/>""");
        Text(svg, 20, 26, "Membership service benchmark", 17, "bold");
        Text(svg, 20, 46, subtitle, 11, "normal", "#555");
        Latency(svg, report, 20, 70, 560, 470);
        Throughput(svg, report, 640, 70, 340, 470);
        JoinStorm(svg, report, 20, 590, 960, 190);
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void Latency(StringBuilder svg, Report report, double x0, double y0, double w, double h)
    {
        Text(svg, x0, y0 + 4, "Latency per operation through HTTP (bar p50, whisker p95), ms", 13, "bold");
        var builds = report.BuildNames.Where(b => !double.IsNaN(report.RawPercentile(b, 50))).ToList();
        var ops = Report.OpOrder.Where(op => builds.Any(b => !double.IsNaN(report.LatencyPercentile(b, op, 50)))).ToList();
        var rows = ops.Select(op => (Label: Report.Label(op), Bars: builds.Select(b => (Key: b, P50: report.LatencyPercentile(b, op, 50), P95: report.LatencyPercentile(b, op, 95))).ToList())).ToList();

        // The raw baselines: bare client, same run, same proxy (of the first build measured; each build has its own).
        if (builds.Count > 0)
        {
            rows.Add(("raw change (2 round trips)", [("raw", report.RawPercentile(builds[0], 50), report.RawPercentile(builds[0], 95))]));
            var kick = report.RawPercentile(builds[0], 50, s => s.RawKick);
            if (!double.IsNaN(kick))
            {
                rows.Add(("raw kick of 20", [("raw", kick, report.RawPercentile(builds[0], 95, s => s.RawKick))]));
            }
        }

        var max = rows.SelectMany(r => r.Bars).Select(b => double.IsNaN(b.P95) ? b.P50 : b.P95).Where(v => !double.IsNaN(v)).DefaultIfEmpty(1).Max();
        max = NiceCeiling(max);
        var labelW = 170.0;
        var plotX = x0 + labelW;
        var plotW = w - labelW - 10;
        var top = y0 + 24;
        var rowH = rows.Count == 0 ? 20 : Math.Min(42, (h - 60) / rows.Count);
        var barH = Math.Max(4, (rowH - 8) / Math.Max(1, builds.Count));

        // Grid.
        for (var i = 0; i <= 5; i++)
        {
            var v = max * i / 5;
            var x = plotX + plotW * i / 5;
            Line(svg, x, top, x, top + rowH * rows.Count, "#e5e5e5");
            Text(svg, x - 8, top + rowH * rows.Count + 14, Report.F(v, v < 10 ? "0.#" : "0"), 10, "normal", "#555");
        }

        for (var r = 0; r < rows.Count; r++)
        {
            var y = top + r * rowH;
            Text(svg, x0, y + rowH / 2 + 4, rows[r].Label, 11);
            for (var b = 0; b < rows[r].Bars.Count; b++)
            {
                var bar = rows[r].Bars[b];
                if (double.IsNaN(bar.P50))
                {
                    continue;
                }

                var by = y + 4 + b * barH;
                var bw = plotW * bar.P50 / max;
                svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{plotX:0.#}" y="{by:0.#}" width="{Math.Max(1, bw):0.#}" height="{barH - 1:0.#}" fill="{Colors[bar.Key]}"><title>{bar.Key} p50 {bar.P50:0.0} ms, p95 {bar.P95:0.0} ms</title></rect>""");
                if (!double.IsNaN(bar.P95))
                {
                    var wx = plotX + (plotW * Math.Min(bar.P95, max) / max);
                    Line(svg, plotX + bw, by + (barH / 2), wx, by + (barH / 2), "#333");
                    Line(svg, wx, by + 1, wx, by + barH - 2, "#333");
                }

                Text(svg, plotX + bw + 3, by + barH - 2, Report.F(bar.P50), 9, "normal", "#333");
            }
        }

        var ly = top + (rowH * rows.Count) + 30;
        var lx = plotX;
        foreach (var key in builds.Append("raw"))
        {
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{lx:0.#}" y="{ly - 9:0.#}" width="12" height="10" fill="{Colors[key]}"/>""");
            Text(svg, lx + 16, ly, key == "raw" ? "bare Azure.Data.Tables client" : key.ToUpperInvariant() + " build", 11);
            lx += key == "raw" ? 200 : 90;
        }
    }

    private static void Throughput(StringBuilder svg, Report report, double x0, double y0, double w, double h)
    {
        Text(svg, x0, y0 + 4, "Throughput (changes/s) vs concurrent clients", 13, "bold");
        var clients = new[] { 1, 8, 64 };
        var series = report.BuildNames.SelectMany(b => Report.Scenarios.Select(s => (Build: b, Scenario: s, Points: clients.Select(c => (C: c, V: report.Throughput(b, s, c))).ToList()))).ToList();
        var max = NiceCeiling(series.SelectMany(s => s.Points).Select(p => p.V).Where(v => !double.IsNaN(v)).DefaultIfEmpty(1).Max());
        var plotX = x0 + 45;
        var plotY = y0 + 24;
        var plotW = w - 60;
        var plotH = h - 120;
        for (var i = 0; i <= 5; i++)
        {
            var v = max * i / 5;
            var y = plotY + plotH - (plotH * i / 5);
            Line(svg, plotX, y, plotX + plotW, y, "#e5e5e5");
            Text(svg, x0, y + 4, Report.F(v, "0"), 10, "normal", "#555");
        }

        double Xof(int c) => plotX + (plotW * Math.Log(c) / Math.Log(64));
        double Yof(double v) => plotY + plotH - (plotH * v / max);
        foreach (var c in clients)
        {
            Line(svg, Xof(c), plotY, Xof(c), plotY + plotH, "#e5e5e5");
            Text(svg, Xof(c) - 4, plotY + plotH + 16, c.ToString(CultureInfo.InvariantCulture), 10, "normal", "#555");
        }

        Text(svg, plotX + (plotW / 2) - 40, plotY + plotH + 32, "clients (log scale)", 10, "normal", "#555");
        var ly = plotY + plotH + 52;
        foreach (var s in series)
        {
            var pts = s.Points.Where(p => !double.IsNaN(p.V)).ToList();
            if (pts.Count == 0)
            {
                continue;
            }

            var dash = s.Scenario switch
            {
                "hot_room" => " stroke-dasharray=\"6 4\"",
                "hot_room_2_instances" => " stroke-dasharray=\"2 3\"",
                _ => string.Empty,
            };
            var path = string.Join(" ", pts.Select((p, i) => string.Create(CultureInfo.InvariantCulture, $"{(i == 0 ? "M" : "L")}{Xof(p.C):0.#},{Yof(p.V):0.#}")));
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<path d="{path}" fill="none" stroke="{Colors[s.Build]}" stroke-width="2"{dash}/>""");
            foreach (var p in pts)
            {
                svg.AppendLine(CultureInfo.InvariantCulture, $"""<circle cx="{Xof(p.C):0.#}" cy="{Yof(p.V):0.#}" r="3" fill="{Colors[s.Build]}"><title>{s.Build} {s.Scenario} x{p.C}: {p.V:0} changes/s</title></circle>""");
            }

            svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{plotX:0.#}" y1="{ly - 4:0.#}" x2="{plotX + 24:0.#}" y2="{ly - 4:0.#}" stroke="{Colors[s.Build]}" stroke-width="2"{dash}/>""");
            Text(svg, plotX + 30, ly, $"{s.Build.ToUpperInvariant()}, {s.Scenario.Replace('_', ' ')}", 11);
            ly += 16;
        }
    }

    /// <summary>Joins per second of the storm (one and two instances) beside the serial rate and the raw ceiling, per build.</summary>
    private static void JoinStorm(StringBuilder svg, Report report, double x0, double y0, double w, double h)
    {
        var builds = report.BuildNames.Where(b => report.Storms(b, 1).Count + report.Storms(b, 2).Count > 0).ToList();
        if (builds.Count == 0)
        {
            return;
        }

        var users = builds.SelectMany(b => report.Storms(b, 1).Concat(report.Storms(b, 2))).First().Users;
        Text(svg, x0, y0 + 4, $"Join storm: {users} users join one room from 64 clients, joins/s (x the serial rate; share of the raw storage ceiling)", 13, "bold");
        var rows = builds.SelectMany(b => new (string Label, string Key, double Value, string Note)[]
        {
            ($"{b.ToUpperInvariant()} serial, 1 client", b, Stats.Median(report.Of(b).Select(s => s.StormSerialRate)), "1.0x"),
            ($"{b.ToUpperInvariant()} storm, 1 instance", b, report.Storm(b, 1, t => t.JoinsPerSecond), $"{Report.F(report.StormRatio(b, 1))}x; {Report.F(report.StormShareOfCeiling(b, 1), "0.00")} of raw"),
            ($"{b.ToUpperInvariant()} storm, 2 instances", b, report.Storm(b, 2, t => t.JoinsPerSecond), $"{Report.F(report.StormRatio(b, 2))}x; {Report.F(report.StormShareOfCeiling(b, 2), "0.00")} of raw"),
        }).Append((Label: "raw storage ceiling", Key: "raw", Value: report.StormCeilingFigure(builds[0], c => c.JoinsPerSecond), Note: "bare client, full transactions")).ToList();
        var max = NiceCeiling(rows.Select(r => r.Value).Where(v => !double.IsNaN(v)).DefaultIfEmpty(1).Max());
        var labelW = 170.0;
        var plotX = x0 + labelW;
        var plotW = w - labelW - 200;
        var top = y0 + 20;
        var rowH = Math.Min(22, (h - 40) / rows.Count);
        for (var i = 0; i <= 5; i++)
        {
            var x = plotX + (plotW * i / 5);
            Line(svg, x, top, x, top + (rowH * rows.Count), "#e5e5e5");
            Text(svg, x - 8, top + (rowH * rows.Count) + 14, Report.F(max * i / 5, "0"), 10, "normal", "#555");
        }

        for (var r = 0; r < rows.Count; r++)
        {
            var (label, key, value, note) = rows[r];
            var y = top + (r * rowH);
            Text(svg, x0, y + (rowH / 2) + 4, label, 11);
            if (double.IsNaN(value))
            {
                continue;
            }

            var bw = plotW * value / max;
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{plotX:0.#}" y="{y + 3:0.#}" width="{Math.Max(1, bw):0.#}" height="{rowH - 6:0.#}" fill="{Colors[key]}"><title>{label}: {value:0} joins/s</title></rect>""");
            Text(svg, plotX + bw + 4, y + (rowH / 2) + 4, $"{Report.F(value, "0")}/s  {note}", 10, "normal", "#333");
        }
    }

    private static double NiceCeiling(double v)
    {
        if (v <= 0 || double.IsNaN(v))
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * magnitude >= v)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static void Line(StringBuilder svg, double x1, double y1, double x2, double y2, string color) =>
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{x1:0.#}" y1="{y1:0.#}" x2="{x2:0.#}" y2="{y2:0.#}" stroke="{color}" stroke-width="1"/>""");

    private static void Text(StringBuilder svg, double x, double y, string text, int size = 12, string weight = "normal", string color = "#111") =>
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x:0.#}" y="{y:0.#}" font-size="{size}" font-weight="{weight}" fill="{color}">{WebUtility.HtmlEncode(text)}</text>""");
}
