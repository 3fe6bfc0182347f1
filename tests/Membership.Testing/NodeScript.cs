using System.Diagnostics;

namespace Membership.Testing;

/// <summary>Runs a node script from the repository root (so it finds node_modules), bounded in time.</summary>
public static class NodeScript
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string scriptPath, IEnumerable<string> args, IDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(scriptPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {scriptPath} did not finish in time. stderr: {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
