using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Membership.HostDouble;

/// <summary>
/// The worker process, started the way the Functions host starts a dotnet-isolated worker: host arguments on the command
/// line, the app folder as working directory, the host's environment variables plus the app settings. Its output is kept
/// (the last <see cref="KeptLines"/> lines). A process-exit hook kills it if this process ends without disposing it.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private const int KeptLines = 5000;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Action<string>? _echo;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(Process process, Action<string>? echo)
    {
        _process = process;
        _echo = echo;
    }

    /// <summary><see cref="Stopwatch"/> timestamp taken just before the process was started.</summary>
    public long StartedTimestamp { get; private set; }

    /// <summary>Completes with the exit code when the process exits.</summary>
    public Task<int> Exited => _exited.Task;

    public IReadOnlyList<string> Output => [.. _output];

    public static WorkerProcess Start(FunctionsHostOptions options, string appDirectory, Uri hostEndpoint, string workerId, string requestId)
    {
        var info = new ProcessStartInfo
        {
            WorkingDirectory = appDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (options.WorkerPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            info.FileName = DotnetHost();
            info.ArgumentList.Add(options.WorkerPath);
        }
        else
        {
            info.FileName = options.WorkerPath;
        }

        // The host's command line: the legacy switches and their --functions-* successors, which the worker reads into
        // Functions:Worker:HostEndpoint, WorkerId, RequestId and GrpcMaxMessageLength.
        var maxMessage = int.MaxValue.ToString(CultureInfo.InvariantCulture);
        string[] args =
        [
            "--host", hostEndpoint.Host, "--port", hostEndpoint.Port.ToString(CultureInfo.InvariantCulture),
            "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", maxMessage,
            "--functions-uri", hostEndpoint.AbsoluteUri, "--functions-worker-id", workerId,
            "--functions-request-id", requestId, "--functions-grpc-max-message-length", maxMessage,
        ];
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Loopback traffic (gRPC to the double, HTTP from it) must not go through a proxy configured for this machine.
        foreach (var name in new[] { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy" })
        {
            info.Environment.Remove(name);
        }

        info.Environment["NO_PROXY"] = "127.0.0.1,localhost";
        info.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        info.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory;
        info.Environment["FUNCTIONS_WORKER_DIRECTORY"] = appDirectory;
        info.Environment["AzureWebJobsScriptRoot"] = appDirectory;
        foreach (var (name, value) in options.Settings)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var worker = new WorkerProcess(new Process { StartInfo = info, EnableRaisingEvents = true }, options.WorkerOutput);
        try
        {
            worker.Run();
        }
        catch
        {
            worker.Dispose();
            throw;
        }

        return worker;
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
        {
            // Not started, or exited meanwhile.
        }
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        Kill();
        _process.Dispose();
    }

    private void Run()
    {
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.Exited += (_, _) => _exited.TrySetResult(ExitCode());
        AppDomain.CurrentDomain.ProcessExit += KillOnExit;
        StartedTimestamp = Stopwatch.GetTimestamp();
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private int ExitCode()
    {
        try
        {
            return _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    private void KillOnExit(object? sender, EventArgs e) => Kill();

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > KeptLines && _output.TryDequeue(out _))
        {
        }

        try
        {
            _echo?.Invoke(line);
        }
        catch (InvalidOperationException)
        {
            // A test output helper refuses lines once its test has ended; the line is kept above all the same.
        }
    }

    /// <summary>The dotnet host running this process, so a .dll worker runs on the same runtime installation.</summary>
    private static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var self = Environment.ProcessPath;
        return self is not null && string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal) ? self : "dotnet";
    }
}
