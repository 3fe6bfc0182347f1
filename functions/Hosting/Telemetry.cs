using System.Reflection;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Membership.Functions.Hosting;

/// <summary>
/// Where telemetry goes. The app registers the Azure Monitor one when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set; a
/// host may register its own before the app is built (another exporter, or an in-memory one in tests).
/// </summary>
public sealed class TelemetryExport
{
    public Action<TracerProviderBuilder>? Traces { get; init; }

    public Action<MeterProviderBuilder>? Metrics { get; init; }

    public Action<OpenTelemetryLoggerOptions>? Logs { get; init; }
}

/// <summary>
/// Telemetry: structured logs scoped per request (<see cref="RequestScope"/>, opened by <see cref="SurfacePipeline"/>), the <c>Membership</c> meter
/// (<see cref="TelemetryMetrics"/>), and, only when there is somewhere to send them, OpenTelemetry traces, metrics and logs
/// exported to Application Insights. Without a connection string nothing is exported, no listener exists, and start-up
/// does no more than register two singletons.
/// </summary>
internal static class Telemetry
{
    public const string ConnectionStringKey = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Set by the Functions app's settings (infra/bicep) when Application Insights takes Entra ID tokens only.</summary>
    public const string AuthenticationStringKey = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder, bool underWorker)
    {
        builder.Services.AddSingleton<TelemetryMetrics>();
        var export = builder.Services.FirstOrDefault(d => d.ServiceType == typeof(TelemetryExport))?.ImplementationInstance as TelemetryExport
            ?? AzureMonitor(builder.Configuration);
        if (export is not null)
        {
            AddPipeline(builder, export, underWorker);
        }

        return builder;
    }

    private static TelemetryExport? AzureMonitor(IConfiguration configuration)
    {
        var connectionString = configuration[ConnectionStringKey];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        var credential = Credential(configuration[AuthenticationStringKey]);
        return new TelemetryExport
        {
            Traces = t => t.AddAzureMonitorTraceExporter(o => Configure(o, connectionString, credential)),
            Metrics = m => m.AddAzureMonitorMetricExporter(o => Configure(o, connectionString, credential)),
            Logs = l => l.AddAzureMonitorLogExporter(o => Configure(o, connectionString, credential)),
        };
    }

    private static void Configure(AzureMonitorExporterOptions options, string connectionString, ManagedIdentityCredential? credential)
    {
        options.ConnectionString = connectionString;
        options.Credential = credential;
    }

    /// <summary><c>Authorization=AAD</c>, with <c>ClientId=</c> for a user-assigned identity: ingestion with a managed identity's token.</summary>
    private static ManagedIdentityCredential? Credential(string? authentication)
    {
        var parts = (authentication ?? string.Empty)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!string.Equals(parts.GetValueOrDefault("Authorization"), "AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.GetValueOrDefault("ClientId") is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }

    private static void AddPipeline(IHostApplicationBuilder builder, TelemetryExport export, bool underWorker)
    {
        // ASP.NET Core 10 puts the HTTP semantic-convention tags (method, route, path, status; never the query string) on its
        // request span only when asked; 11 will by default.
        AppContext.SetSwitch("Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData", false);
        var version = typeof(Telemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];

        builder.Logging.AddOpenTelemetry(logs =>
        {
            logs.IncludeScopes = true;
            logs.IncludeFormattedMessage = true;
            logs.AddProcessor(new RequestIdLogProcessor());
            export.Logs?.Invoke(logs);
        });

        var telemetry = builder.Services.AddOpenTelemetry();
        if (underWorker && System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported)
        {
            // The worker's invocations continue the Functions host's traces (the trace_context of each invocation).
            telemetry.UseFunctionsWorkerDefaults();
        }

        telemetry
            .ConfigureResource(resource => resource.AddService("membership", serviceVersion: version))
            .WithTracing(traces =>
            {
                // Requests (ASP.NET Core) and outgoing HTTP: storage round trips and federation calls.
                traces.AddSource("Microsoft.AspNetCore", "System.Net.Http");
                traces.AddProcessor(new TelemetryRedactionProcessor());
                export.Traces?.Invoke(traces);
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(TelemetryMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http");
                export.Metrics?.Invoke(metrics);
            });
    }
}
