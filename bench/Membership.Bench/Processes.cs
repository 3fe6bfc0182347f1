using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Membership.Bench;

/// <summary>
/// Every process the harness starts is registered here and killed (with its children) when it is stopped, when the
/// harness ends, on Ctrl-C and on SIGTERM/SIGHUP. Output goes to a log file under bench/.work/logs.
/// </summary>
internal static class Processes
{
    private static readonly Lock Gate = new();
    private static readonly List<Process> Started = [];
    private static readonly List<PosixSignalRegistration> Signals = [];

    /// <summary>Ctrl-C and SIGTERM cancel <paramref name="cancel"/>; a second Ctrl-C kills everything at once.</summary>
    public static void InstallHandlers(CancellationTokenSource cancel)
    {
        var presses = 0;
        Console.CancelKeyPress += (_, e) =>
        {
            if (Interlocked.Increment(ref presses) == 1)
            {
                e.Cancel = true;
                Progress.Say("interrupted: stopping (Ctrl-C again to kill at once)");
                TryCancel(cancel);
            }
            else
            {
                StopAll();
            }
        };
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            Signals.Add(PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true;
                TryCancel(cancel);
            }));
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
    }

    public static Process Start(ProcessStartInfo info, string logPath)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        foreach (var name in new[] { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy" })
        {
            info.Environment.Remove(name);
        }

        info.Environment["NO_PROXY"] = "127.0.0.1,localhost";
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var logGate = new Lock();
        var closed = false;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Exited += (_, _) =>
        {
            lock (logGate)
            {
                closed = true;
                log.Dispose();
            }
        };
        lock (Gate)
        {
            process.Start();
            Started.Add(process);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;

        void Write(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (logGate)
            {
                if (!closed)
                {
                    log.WriteLine(line);
                }
            }
        }
    }

    public static void Stop(Process? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }

        lock (Gate)
        {
            Started.Remove(process);
        }

        process.Dispose();
    }

    public static void StopAll()
    {
        List<Process> all;
        lock (Gate)
        {
            all = [.. Started];
        }

        foreach (var p in all)
        {
            Stop(p);
        }
    }

    /// <summary>Runs a command to completion (builds), bounded in time, with its output in a log file.</summary>
    public static async Task RunAsync(string file, IEnumerable<string> args, string workingDirectory, string logPath, TimeSpan limit, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        var process = Start(info, logPath);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            var code = process.ExitCode;
            if (code != 0)
            {
                throw new BenchException($"{file} {string.Join(' ', info.ArgumentList)} failed with exit code {code}; see {logPath}");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BenchException($"{file} {string.Join(' ', info.ArgumentList)} did not finish within {limit.TotalMinutes:0} min; see {logPath}");
        }
        finally
        {
            Stop(process);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<bool> PortOpenAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Peak and current resident set size of a process, in MiB (from /proc/&lt;pid&gt;/status).</summary>
    public static (double PeakMb, double CurrentMb) Rss(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        double peak = 0, current = 0;
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = KbToMb(line);
            }
            else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                current = KbToMb(line);
            }
        }

        return (peak, current);

        static double KbToMb(string line) =>
            double.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }

    private static void TryCancel(CancellationTokenSource cancel)
    {
        try
        {
            cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}

/// <summary>An in-memory Azurite table service on a free loopback port.</summary>
internal sealed class AzuriteServer : IDisposable
{
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;

    private AzuriteServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public Process Process => _process;

    public static string ConnectionStringFor(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";

    public static async Task<AzuriteServer> StartAsync(Paths paths, string logName, CancellationToken cancellationToken)
    {
        var port = Processes.FreePort();
        var tool = Path.Combine(paths.Repo, "node_modules", ".bin", "azurite-table");
        if (!File.Exists(tool))
        {
            throw new BenchException($"{tool} is missing: run `npm ci` in the repository first (./run.sh does it)");
        }

        var info = new ProcessStartInfo(tool) { WorkingDirectory = paths.Work };
        foreach (var a in new[] { "--inMemoryPersistence", "--tableHost", "127.0.0.1", "--tablePort", port.ToString(CultureInfo.InvariantCulture), "--skipApiVersionCheck", "--disableTelemetry", "--silent" })
        {
            info.ArgumentList.Add(a);
        }

        var process = Processes.Start(info, Path.Combine(paths.Logs, logName + ".log"));
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(30))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                Processes.Stop(process);
                throw new BenchException("azurite-table exited at start; see " + Path.Combine(paths.Logs, logName + ".log"));
            }

            if (await Processes.PortOpenAsync(port))
            {
                return new AzuriteServer(process, port);
            }

            await Task.Delay(50, cancellationToken);
        }

        Processes.Stop(process);
        throw new BenchException("azurite-table did not listen within 30 s");
    }

    public void Dispose() => Processes.Stop(_process);
}

/// <summary>A build of the service (or the baseline app) that can be started.</summary>
internal sealed record ServiceBinary(string Name, string File, IReadOnlyList<string> Args)
{
    /// <summary>
    /// Started in its own folder, as the Functions host starts a custom handler in the app's root: that folder is the
    /// content root ASP.NET Core looks at on start-up, so it must not be a tree of build output.
    /// </summary>
    public ProcessStartInfo StartInfo(int port, string connectionString, string tablePrefix)
    {
        var info = new ProcessStartInfo(File) { WorkingDirectory = Path.GetDirectoryName(Args.Count > 0 ? Args[0] : File)! };
        foreach (var a in Args)
        {
            info.ArgumentList.Add(a);
        }

        // The way the Functions host starts a custom handler: the port in FUNCTIONS_CUSTOMHANDLER_PORT.
        info.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        info.Environment["Membership__Storage__ConnectionString"] = connectionString;
        info.Environment["Membership__Storage__TablePrefix"] = tablePrefix;

        // The harness measures the service, not its rate limits: many tokens in the setup (Tencent's 200/s per command)
        // and thousands of writes per token in the throughput phases (the client limit is 20/s per token).
        info.Environment["Membership__Tencent__RateLimitPerSecond"] = "0";
        info.Environment["Membership__RateLimits__ClientWritesPerSecond"] = "0";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment.Remove("ASPNETCORE_URLS");
        return info;
    }
}

/// <summary>A running service process.</summary>
internal sealed class RunningService : IDisposable
{
    private RunningService(Process process, int port)
    {
        Process = process;
        Port = port;
    }

    public Process Process { get; }

    public int Port { get; }

    /// <summary>Starts the binary on a free port and waits until it answers <c>/_matrix/client/versions</c> (60 s at most).</summary>
    public static async Task<RunningService> StartAsync(ServiceBinary binary, string connectionString, string tablePrefix, Paths paths, string logName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(binary);
        var log = Path.Combine(paths.Logs, logName + ".log");

        // A free port can be taken by someone else between our probe and the service's bind: then try another (3 at most).
        for (var attempt = 1; ; attempt++)
        {
            var port = Processes.FreePort();
            var process = Processes.Start(binary.StartInfo(port, connectionString, tablePrefix), log);
            if (await WaitReadyAsync(process, port, cancellationToken))
            {
                return new RunningService(process, port);
            }

            var exited = process.HasExited;
            Processes.Stop(process);
            if (!exited || attempt == 3)
            {
                throw new BenchException(exited ? $"{binary.Name} service exited at start; see {log}" : $"{binary.Name} service did not answer within 60 s; see {log}");
            }
        }
    }

    private static async Task<bool> WaitReadyAsync(Process process, int port, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(60))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                return false;
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/_matrix/client/versions"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(50, cancellationToken);
        }

        return false;
    }

    public void Dispose() => Processes.Stop(Process);
}

internal class BenchException(string message) : Exception(message);
