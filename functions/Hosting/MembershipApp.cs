using Membership.Functions.Admin;
using Membership.Functions.Docs;
using Membership.Functions.Federation;
using Membership.Functions.RoomConfig;
using Membership.Functions.RoomEngine;
using Membership.Functions.Webhooks;
using Membership.Service;
using Membership.Storage;
using Microsoft.AspNetCore.Routing.Constraints;

namespace Membership.Functions.Hosting;

/// <summary>Builds the app: what Program runs, and what the tests start on a free port.</summary>
public static partial class MembershipApp
{
    public const int DefaultPort = 8008;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Settings come from the environment (app settings in Azure) and nothing reloads them: without this, start-up
        // would watch the content root for appsettings changes (on Linux an inotify watch per folder below it).
        var builder = WebApplication.CreateSlimBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
        configure?.Invoke(builder);

        // Listen where the Functions host proxies to, else the configured URLs, else the local default.
        ConfigureListenAddress(builder);

        // Request URLs carry tokens and UserSigs in their query strings: keep the hosting logs that print them quiet.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);

        // Configuration: Membership:* (DESIGN.md §7), refusing secrets that are still Key Vault references.
        SecretReferenceGuard.Check(builder.Configuration);
        var membership = builder.Configuration.GetSection("Membership");
        var options = membership.Get<MembershipOptions>() ?? new MembershipOptions();
        builder.Services.AddSingleton(options);

        // Where outbound connections may go: built now, so a malformed range stops the start-up with its name.
        builder.Services.AddSingleton(options.Outbound.CreatePolicy());
        builder.Services.AddSingleton<Service.Outbound.OutboundGuard>();
        builder.Services.AddSingleton(membership.GetSection("Storage").Get<StorageOptions>() ?? new StorageOptions());
        builder.Services.Configure<TencentOptions>(membership.GetSection("Tencent"));

        // Storage, and the membership service over it.
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<StorageMetrics>();
        builder.Services.AddSingleton<MembershipStore>();
        builder.Services.AddSingleton<ServerIdentity>();
        builder.Services.AddSingleton<RoomLocks>();
        builder.Services.AddSingleton<UserIndex>();
        builder.Services.AddSingleton<RoomService>();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<AdminRateLimiter>();
        builder.Services.AddSingleton<Client.ClientRateLimiter>();
        builder.Services.AddFederation();
        builder.Services.AddWebhooks(builder.Configuration);

        // Telemetry (exported only when APPLICATIONINSIGHTS_CONNECTION_STRING is set) and the OpenAPI document (built on first request).
        builder.AddTelemetry();
        builder.Services.AddApiDocs();

        // Route constraints: the slim builder leaves out regex, which the client version segment uses.
        builder.Services.AddRoutingCore().Configure<RouteOptions>(o => o.SetParameterPolicy<RegexInlineRouteConstraint>("regex"));

        var app = builder.Build();

        // Every failure in the surface's own envelope; CORS for web clients.
        app.UseMiddleware<TelemetryScope>();
        app.UseMiddleware<SurfaceErrors>();
        app.UseMiddleware<Cors>();

        // The three surfaces.
        app.MapClientApi();
        app.MapFederationEndpoints();
        app.MapAdminApi();
        app.MapRoomEngineApi();
        app.MapRoomConfigApi();

        // Webhooks: the timer-triggered sweep (POST /WebhookSweep from the Functions host).
        app.MapWebhookFunctions();

        // The API documentation: GET /openapi/v1.json and GET /docs.
        app.MapApiDocs();
        return app;
    }

    /// <summary>
    /// Starts creating the tables without holding up the first request (cold start): a request meeting a missing table
    /// waits for this same attempt. A storage outage at start-up is logged and requests answer 503 until it ends.
    /// </summary>
    public static void StartPreparingStorage(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var store = app.Services.GetRequiredService<MembershipStore>();
        _ = Task.Run(async () =>
        {
            try
            {
                await store.EnsureTablesAsync();
            }
            catch (StorageUnavailableException ex)
            {
                LogStorageNotReady(app.Logger, ex);
            }
        });
    }

    private static void ConfigureListenAddress(WebApplicationBuilder builder)
    {
        var functionsPort = builder.Configuration["FUNCTIONS_CUSTOMHANDLER_PORT"];
        if (!string.IsNullOrEmpty(functionsPort))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{functionsPort}");
        }
        else if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{DefaultPort}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tables could not be created at start-up; storage calls will fail until storage answers")]
    private static partial void LogStorageNotReady(ILogger logger, Exception ex);
}
