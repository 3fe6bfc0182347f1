using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Membership.Testing;

/// <summary>
/// A private Azurite table service: in memory, on a free loopback port, started for one test class and killed after
/// it. Use it as an xunit class fixture (<c>IClassFixture&lt;Azurite&gt;</c>).
/// </summary>
public sealed class Azurite : IAsyncLifetime
{
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? _process;

    public int Port { get; private set; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public async Task InitializeAsync() => await StartAsync(FreePort());

    /// <summary>Starts Azurite on <paramref name="port"/> (fault tests restart it on the same port; in-memory data is lost).</summary>
    public async Task StartAsync(int port)
    {
        Port = port;
        var start = new ProcessStartInfo(RepoPaths.NodeBin("azurite-table"))
        {
            ArgumentList = { "--inMemoryPersistence", "--tableHost", "127.0.0.1", "--tablePort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--skipApiVersionCheck", "--disableTelemetry", "--silent" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("azurite-table did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"azurite-table exited with {_process.ExitCode}; is node_modules installed (npm ci)?");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"azurite-table did not listen on {port} within 30 s");
    }

    public Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => StopAsync();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
