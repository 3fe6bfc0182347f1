using System.Globalization;

namespace Membership.Bench;

/// <summary>Command-line options. Every loop of the harness is bounded by a count and a time limit derived from these.</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        membership-bench: storage round trips, latency, throughput, cold start and memory of the service (DESIGN.md §10).

        usage: bench/run.sh [options]      (= dotnet run -c Release --project bench/Membership.Bench -- [options])

          --quick              short run for development: 1 run, few samples, 2 s load phases, 3 cold-start trials
          --runs N             full runs of the latency/throughput/memory session per build (default 3; quick 1)
          --samples N          latency samples per operation per run (default 150; quick 20)
          --duration S         seconds per throughput phase (default 8; quick 2)
          --cold-trials N      cold-start trials per binary (default 9; quick 3)
          --reuse-aot          reuse the existing Native AOT binaries (artifacts/aot/membership or bench/.work/aot,
                               and bench/.work/baseline) instead of publishing them
          --skip-aot           measure the JIT build only (AOT figures are reported as not measured)
          --no-build           reuse the JIT build in bench/.work/build (fails if absent)
          --storage-delay-ms N the proxy delays every storage request by N ms ("slow storage"; default 0)
          --only LIST          run only these measurements (comma-separated: roundtrips, latency, throughput, coldstart)
          --out DIR            where latest.json and latest.svg go (default bench/results)
          --max-minutes M      stop measuring M minutes after the builds, report what was measured (default 60; quick 20)
          -h, --help           this text
        """;

    public bool Quick { get; private set; }

    public int Runs { get; private set; } = 3;

    public int Samples { get; private set; } = 150;

    public double DurationSeconds { get; private set; } = 8;

    public int ColdTrials { get; private set; } = 9;

    public bool ReuseAot { get; private set; }

    public bool SkipAot { get; private set; }

    public bool NoBuild { get; private set; }

    public int StorageDelayMs { get; private set; }

    public string? OutDir { get; private set; }

    public double MaxMinutes { get; private set; } = 60;

    public bool Help { get; private set; }

    private HashSet<string>? Only { get; set; }

    public static IReadOnlyList<string> Measurements { get; } = ["roundtrips", "latency", "throughput", "coldstart"];

    /// <summary>Whether a measurement is to be run (all of them unless --only names some).</summary>
    public bool Measures(string measurement) => Only is null || Only.Contains(measurement);

    public IReadOnlyList<string> Raw { get; private set; } = [];

    /// <summary>Samples of a 20-member kick per run (each needs 20 joins first).</summary>
    public int KickOutSamples => Quick ? 3 : 15;

    /// <summary>Repetitions of each operation when counting round trips.</summary>
    public int RoundTripReps => Quick ? 3 : 5;

    public int[] Concurrency { get; } = [1, 8, 64];

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions { Raw = args };
        if (args.Contains("--quick"))
        {
            o.Quick = true;
            o.Runs = 1;
            o.Samples = 20;
            o.DurationSeconds = 2;
            o.ColdTrials = 3;
            o.MaxMinutes = 20;
        }

        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            switch (a)
            {
                case "--quick":
                    break;
                case "--runs":
                    o.Runs = Math.Clamp(Int(args, ref i), 1, 20);
                    break;
                case "--samples":
                    o.Samples = Math.Clamp(Int(args, ref i), 5, 5000);
                    break;
                case "--duration":
                    o.DurationSeconds = Math.Clamp(Double(args, ref i), 0.5, 300);
                    break;
                case "--cold-trials":
                    o.ColdTrials = Math.Clamp(Int(args, ref i), 1, 100);
                    break;
                case "--reuse-aot":
                    o.ReuseAot = true;
                    break;
                case "--skip-aot":
                    o.SkipAot = true;
                    break;
                case "--no-build":
                    o.NoBuild = true;
                    break;
                case "--storage-delay-ms":
                    o.StorageDelayMs = Math.Clamp(Int(args, ref i), 0, 5000);
                    break;
                case "--only":
                    o.Only = [.. Value(args, ref i).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                    if (o.Only.FirstOrDefault(m => !Measurements.Contains(m)) is { } unknown)
                    {
                        throw new BenchException($"--only: unknown measurement {unknown}; known: {string.Join(", ", Measurements)}");
                    }

                    break;
                case "--out":
                    o.OutDir = Value(args, ref i);
                    break;
                case "--max-minutes":
                    o.MaxMinutes = Math.Clamp(Double(args, ref i), 1, 24 * 60);
                    break;
                case "-h" or "--help":
                    o.Help = true;
                    break;
                default:
                    throw new BenchException($"unknown option {a}\n\n{Usage}");
            }
        }

        return o;
    }

    private static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new BenchException($"{args[i - 1]} needs a value");

    private static int Int(string[] args, ref int i) =>
        int.TryParse(Value(args, ref i), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new BenchException($"{args[i - 1]} needs a whole number");

    private static double Double(string[] args, ref int i) =>
        double.TryParse(Value(args, ref i), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : throw new BenchException($"{args[i - 1]} needs a number");
}

/// <summary>Where things are: the repository, the harness's scratch folder (bench/.work, git-ignored), logs, results.</summary>
internal sealed class Paths
{
    public Paths(string? outDir)
    {
        Repo = FindRepo();
        Work = Path.Combine(Repo, "bench", ".work");
        Logs = Path.Combine(Work, "logs");
        Results = outDir is null ? Path.Combine(Repo, "bench", "results") : Path.GetFullPath(outDir);
        if (Directory.Exists(Logs))
        {
            Directory.Delete(Logs, recursive: true); // each bench run keeps only its own logs
        }

        Directory.CreateDirectory(Logs);
        Directory.CreateDirectory(Results);
    }

    public string Repo { get; }

    public string Work { get; }

    public string Logs { get; }

    public string Results { get; }

    private static string FindRepo()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Membership.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new BenchException("cannot find the repository root (Membership.sln) above the current directory");
    }
}

/// <summary>Progress lines on stderr (the tables go to stdout), with the time since the start.</summary>
internal static class Progress
{
    private static readonly long Start = System.Diagnostics.Stopwatch.GetTimestamp();

    public static void Say(string message) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[bench {System.Diagnostics.Stopwatch.GetElapsedTime(Start).TotalSeconds,6:0.0}s] {message}"));
}
