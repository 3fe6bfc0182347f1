using Membership.Functions.Admin;
using Membership.Functions.Client;
using Membership.Functions.Federation;
using Membership.Functions.Webhooks;
using Membership.Service;
using Membership.Storage;

namespace Membership.Functions.Hosting;

/// <summary>The services of the app, the same in every hosting mode.</summary>
internal static partial class MembershipServices
{
    public static IHostApplicationBuilder AddMembership(this IHostApplicationBuilder builder, HostingMode mode)
    {
        // Configuration: Membership:* (docs/configuration.md), refusing secrets that are still Key Vault references.
        SecretReferenceGuard.Check(builder.Configuration);
        var membership = builder.Configuration.GetSection("Membership");
        var services = builder.Services;
        services.AddSingleton(new HostingContext(mode));
        var options = membership.Get<MembershipOptions>() ?? new MembershipOptions();
        services.AddSingleton(options);

        // Where outbound connections may go: built now, so a malformed range stops the start-up with its name.
        services.AddSingleton(options.Outbound.CreatePolicy());
        services.AddSingleton<Service.Outbound.OutboundGuard>();
        services.AddSingleton(membership.GetSection("Storage").Get<StorageOptions>() ?? new StorageOptions());
        services.Configure<TencentOptions>(membership.GetSection("Tencent"));

        // Request URLs carry tokens and UserSigs in their query strings: keep the hosting logs that print them quiet.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);

        // Storage, and the membership service over it.
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<StorageMetrics>();
        services.AddSingleton<MembershipStore>();
        services.AddSingleton<ServerIdentity>();
        services.AddSingleton<RoomLocks>();
        services.AddSingleton<UserIndex>();
        services.AddSingleton<RoomService>();
        services.AddSingleton<TokenService>();

        // The surfaces' request readers (authentication, rate limits, bodies) and the pipeline every call passes through.
        services.AddSingleton<ClientRateLimiter>();
        services.AddSingleton<ClientRequests>();
        services.AddSingleton<ClientMembership>();
        services.AddSingleton<AdminRateLimiter>();
        services.AddSingleton<AdminRequests>();
        services.AddFederation();
        services.AddSingleton<SurfacePipeline>();

        // Webhooks: the outbox dispatcher; under a Functions host its timer function sweeps.
        services.AddWebhooks(builder.Configuration);

        // Telemetry (exported only when APPLICATIONINSIGHTS_CONNECTION_STRING is set) and the OpenAPI document.
        builder.AddTelemetry(underWorker: mode == HostingMode.Worker);
        services.AddSingleton<Docs.ApiDocument>();
        return builder;
    }

    /// <summary>
    /// Starts creating the tables without holding up the first request (cold start): a request meeting a missing table
    /// waits for this same attempt. A storage outage at start-up is logged and requests answer 503 until it ends.
    /// </summary>
    public static void StartPreparingStorage(this IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var store = host.Services.GetRequiredService<MembershipStore>();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MembershipServices));
        _ = Task.Run(async () =>
        {
            try
            {
                await store.EnsureTablesAsync();
            }
            catch (StorageUnavailableException ex)
            {
                LogStorageNotReady(logger, ex);
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tables could not be created at start-up; storage calls will fail until storage answers")]
    private static partial void LogStorageNotReady(ILogger logger, Exception ex);
}
