using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Membership.Protocols.Tests.Interop;

/// <summary>Runs a script from the test output's <c>node/</c> folder with the repository root as working directory.</summary>
internal static class NodeRunner
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The folder holding package.json (and node_modules), found by walking up from the test binaries.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Runs <c>node node/{script} args...</c> and parses the JSON it prints.</summary>
    public static async Task<JsonObject> RunAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "node", script));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish within {Timeout.TotalSeconds} s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {script} exited with {process.ExitCode}: {await stderr}");
        }

        return JsonNode.Parse(await stdout)!.AsObject();
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "package.json")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No package.json above {AppContext.BaseDirectory}");
    }
}
