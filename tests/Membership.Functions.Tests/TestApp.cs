using Membership.Functions.Hosting;
using Membership.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Functions.Tests;

/// <summary>
/// The real app on Kestrel (loopback; a free port unless one is given) over a test's own Azurite, under a fresh table
/// prefix so no test class sees another's data, its tables created, with an HttpClient at its address.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private bool _stopped;

    private TestApp(WebApplication app, string tablePrefix, Uri baseAddress)
    {
        App = app;
        TablePrefix = tablePrefix;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    public string TablePrefix { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public static string NewTablePrefix(string start = "t") => start + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Starts the app; <paramref name="settings"/> override the storage and logging defaults, then <paramref name="configure"/> runs.</summary>
    public static async Task<TestApp> StartAsync(
        string connectionString,
        IEnumerable<KeyValuePair<string, string?>>? settings = null,
        Action<WebApplicationBuilder>? configure = null,
        int port = 0)
    {
        var all = new Dictionary<string, string?>
        {
            ["Membership:Storage:ConnectionString"] = connectionString,
            ["Membership:Storage:TablePrefix"] = NewTablePrefix(),
            ["Membership:Storage:NetworkTimeout"] = "00:00:05",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        var app = MembershipApp.Build(["--urls", $"http://127.0.0.1:{port}"], builder =>
        {
            foreach (var (key, value) in all)
            {
                builder.Configuration[key] = value;
            }

            configure?.Invoke(builder);
        });
        try
        {
            await app.Services.GetRequiredService<MembershipStore>().EnsureTablesAsync();
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestApp(app, all["Membership:Storage:TablePrefix"]!, new Uri(address));
    }

    /// <summary>Stops the process: requests end, background work stops.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            Http.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
