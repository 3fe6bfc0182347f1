using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Membership.Bench;

/// <summary>
/// The binaries measured. JIT: <c>dotnet build functions -c Release</c> into bench/.work/build (its own artifacts path,
/// so concurrent builds of the checkout do not race it), run as <c>dotnet membership.dll</c>. AOT: <c>./publish.sh --aot</c>'s
/// <c>artifacts/aot/membership</c>, copied to bench/.work/aot so a later publish cannot pull it away mid-run.
/// Baseline: bench/ColdStartBaseline published with Native AOT into bench/.work/baseline. ReadyToRun: the isolated-worker
/// package as ./publish.sh builds it (its own artifacts path, bench/.work/r2r), run on Kestrel as the JIT build is and,
/// as "worker", started by the Functions host double as the host starts an isolated worker.
/// </summary>
internal static class Builds
{
    private static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(30);

    public static async Task<ServiceBinary> JitAsync(BenchOptions options, Paths paths, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(paths.Work, "build");
        var dll = Path.Combine(dir, "bin", "Membership.Functions", "release", "membership.dll");
        if (!options.NoBuild)
        {
            Progress.Say("building the service (Release, JIT) into bench/.work/build ...");
            await Processes.RunAsync("dotnet", ["build", "functions/Membership.Functions.csproj", "-c", "Release", "--artifacts-path", dir, "--nologo", "-v", "quiet"],
                paths.Repo, Path.Combine(paths.Logs, "build-jit.log"), BuildLimit, cancellationToken);
        }

        return File.Exists(dll) ? new ServiceBinary("jit", "dotnet", [dll]) : throw new BenchException($"{dll} is missing (build without --no-build)");
    }

    public static async Task<ServiceBinary> AotAsync(BenchOptions options, Paths paths, List<string> notes, CancellationToken cancellationToken)
    {
        var package = Path.Combine(paths.Repo, "artifacts", "aot", "membership");
        var target = Path.Combine(paths.Work, "aot", "membership");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (options.ReuseAot)
        {
            if (File.Exists(package))
            {
                File.Copy(package, target, overwrite: true);
                Progress.Say($"reusing the Native AOT service binary {package} (built {File.GetLastWriteTime(package):yyyy-MM-dd HH:mm})");
            }
            else if (File.Exists(target))
            {
                Progress.Say($"reusing the Native AOT service binary {target} (built {File.GetLastWriteTime(target):yyyy-MM-dd HH:mm})");
            }
            else
            {
                throw new BenchException("--reuse-aot: no artifacts/aot/membership and no bench/.work/aot/membership; run without --reuse-aot once");
            }
        }
        else
        {
            Progress.Say("publishing the service with Native AOT (./publish.sh --aot; takes minutes) ...");
            string? failure;
            try
            {
                await Processes.RunAsync("bash", ["publish.sh", "--aot"], paths.Repo, Path.Combine(paths.Logs, "publish-aot.log"), BuildLimit, cancellationToken);
                failure = File.Exists(package) ? null : "./publish.sh did not produce artifacts/aot/membership";
            }
            catch (BenchException ex)
            {
                failure = ex.Message;
                Progress.Say($"./publish.sh failed: {failure}");
            }

            if (failure is null)
            {
                File.Copy(package, target, overwrite: true);
            }
            else
            {
                // Concurrent builds of the shared checkout can pull functions/obj out from under publish.sh (a restore
                // without the RID: NETSDK1047; another publish writing the same native objects). The same compile with
                // its own artifacts path is immune to that; a genuine compile error fails it too, and is reported.
                Progress.Say("publishing with Native AOT into bench/.work/build-aot instead (publish.sh's compile step, own artifacts path) ...");
                var output = Path.Combine(paths.Work, "aot-publish");
                await Processes.RunAsync("dotnet", ["publish", "functions/Membership.Functions.csproj", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-p:CppCompilerAndLinker=gcc",
                    "--artifacts-path", Path.Combine(paths.Work, "build-aot"), "-o", output, "--nologo", "-v", "quiet"],
                    paths.Repo, Path.Combine(paths.Logs, "publish-aot-isolated.log"), BuildLimit, cancellationToken);
                File.Copy(Path.Combine(output, "membership"), target, overwrite: true);
                notes.Add($"the AOT binary was compiled by `dotnet publish` with publish.sh's flags and its own artifacts path, because ./publish.sh failed ({failure}), e.g. raced by a concurrent build of the checkout");
            }
        }

        return new ServiceBinary("aot", target, []);
    }

    public static async Task<ServiceBinary> ReadyToRunAsync(BenchOptions options, Paths paths, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(paths.Work, "r2r");
        var dll = Path.Combine(dir, "membership.dll");
        if (!options.NoBuild)
        {
            Progress.Say("publishing the isolated-worker package (ReadyToRun, linux-x64) into bench/.work/r2r ...");
            await Processes.RunAsync("dotnet", ["publish", "functions/Membership.Functions.csproj", "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-p:PublishReadyToRun=true",
                "--artifacts-path", Path.Combine(paths.Work, "build-r2r"), "-o", dir, "--nologo", "-v", "quiet"],
                paths.Repo, Path.Combine(paths.Logs, "publish-r2r.log"), BuildLimit, cancellationToken);
        }

        return File.Exists(dll) ? new ServiceBinary("r2r", "dotnet", [dll]) : throw new BenchException($"{dll} is missing (publish without --no-build)");
    }

    /// <summary>The ReadyToRun package as an isolated worker under the Functions host double (<see cref="ColdStart"/> starts it).</summary>
    public static ServiceBinary Worker(ServiceBinary readyToRun) => new("worker", readyToRun.Args[0], []);

    public static async Task<ServiceBinary> BaselineAsync(BenchOptions options, Paths paths, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(paths.Work, "baseline");
        var exe = Path.Combine(dir, "coldstart-baseline");
        if (options.ReuseAot && File.Exists(exe))
        {
            Progress.Say($"reusing the Native AOT baseline app {exe}");
        }
        else
        {
            Progress.Say("publishing the empty baseline app with Native AOT ...");
            await Processes.RunAsync("dotnet", ["publish", "bench/ColdStartBaseline/ColdStartBaseline.csproj", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-p:CppCompilerAndLinker=gcc", "-o", dir, "--nologo", "-v", "quiet"],
                paths.Repo, Path.Combine(paths.Logs, "publish-baseline.log"), BuildLimit, cancellationToken);
        }

        return File.Exists(exe) ? new ServiceBinary("baseline", exe, []) : throw new BenchException($"{exe} is missing after publish");
    }

    public static JsonObject Describe(ServiceBinary binary)
    {
        ArgumentNullException.ThrowIfNull(binary);
        var file = binary.Name is "jit" or "r2r" ? binary.Args[0] : binary.File;
        var info = new FileInfo(file);
        return new JsonObject
        {
            ["command"] = binary.Name switch
            {
                "jit" or "r2r" => $"dotnet {file}",
                "worker" => $"dotnet {file} (isolated worker, started by the Functions host double)",
                _ => file,
            },
            ["size_bytes"] = info.Exists ? info.Length : null,
            ["built"] = info.Exists ? info.LastWriteTimeUtc.ToString("O", CultureInfo.InvariantCulture) : null,
        };
    }
}

/// <summary>The machine the figures come from (and how loaded it was).</summary>
internal static class MachineInfo
{
    public static async Task<JsonObject> DescribeAsync(Paths paths)
    {
        return new JsonObject
        {
            ["nproc"] = Environment.ProcessorCount,
            ["memory_mb"] = ProcValue("/proc/meminfo", "MemTotal:") is { } kb ? Math.Round(double.Parse(kb.Split(' ')[0], CultureInfo.InvariantCulture) / 1024) : null,
            ["cpu_model"] = ProcValue("/proc/cpuinfo", "model name"),
            ["os"] = OsName(),
            ["kernel"] = ReadTrimmed("/proc/sys/kernel/osrelease"),
            ["dotnet_runtime"] = RuntimeInformation.FrameworkDescription,
            ["dotnet_sdk"] = await CaptureAsync("dotnet", ["--version"], paths.Repo),
            ["node"] = await CaptureAsync("node", ["--version"], paths.Repo),
            ["load_average_at_start"] = ReadTrimmed("/proc/loadavg"),
            ["git_commit"] = await CaptureAsync("git", ["rev-parse", "--short", "HEAD"], paths.Repo),
            ["git_uncommitted_files"] = (await CaptureAsync("git", ["status", "--porcelain"], paths.Repo))?.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length,
        };
    }

    public static string? LoadAverage() => ReadTrimmed("/proc/loadavg");

    public static string Summary(JsonObject m) =>
        $"{m["cpu_model"]} x{m["nproc"]}, {m["memory_mb"]} MB, {m["os"]}, {m["dotnet_runtime"]}";

    private static string? ProcValue(string file, string key)
    {
        try
        {
            var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? OsName()
    {
        try
        {
            var line = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            return line?.Split('=', 2)[1].Trim('"');
        }
        catch (IOException)
        {
            return RuntimeInformation.OSDescription;
        }
    }

    private static string? ReadTrimmed(string file)
    {
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<string?> CaptureAsync(string file, string[] args, string dir)
    {
        try
        {
            var info = new ProcessStartInfo(file) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args)
            {
                info.ArgumentList.Add(a);
            }

            using var p = Process.Start(info);
            if (p is null)
            {
                return null;
            }

            var output = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await p.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                return null;
            }

            return (await output).Trim();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or OperationCanceledException or InvalidOperationException)
        {
            return null;
        }
    }
}
