namespace Membership.Bench;

/// <summary>Percentiles (nearest rank) and medians.</summary>
internal static class Stats
{
    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>The median (mean of the middle two for an even count); NaN when empty. NaN inputs are ignored.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public static LatencySummary Summarize(IReadOnlyCollection<double> samples) =>
        new(samples.Count, Percentile(samples, 50), Percentile(samples, 95), Percentile(samples, 99), samples.Count == 0 ? double.NaN : samples.Average());
}

internal sealed record LatencySummary(int Count, double P50, double P95, double P99, double Mean);
