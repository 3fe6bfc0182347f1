using Membership.Functions.Admin;
using Membership.Service.Webhooks;
using Membership.Storage;

namespace Membership.Functions.Webhooks;

/// <summary>Webhooks: the dispatcher and its settings (<c>Membership:Webhooks</c>), and the timer function's endpoint.</summary>
internal static class WebhookServices
{
    /// <summary>
    /// Registers the dispatcher, its sender, the callback settings cache and the background service. Under a Functions
    /// host (either package) the <c>WebhookSweep</c> timer sweeps and every instance polls the
    /// stored configuration; locally a background sweep runs and an instance without callbacks does no webhook I/O.
    /// </summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        var membership = configuration.GetSection("Membership");
        var options = membership.GetSection("Webhooks").Get<WebhookOptions>() ?? new WebhookOptions();
        options.SdkAppId = (membership.GetSection("Tencent").Get<TencentOptions>() ?? new TencentOptions()).SdkAppId;
        var underFunctions = Hosting.HostingModes.UnderFunctionsHost(configuration);
        options.PollConfigWhenDisabled ??= underFunctions;
        options.BackgroundSweep ??= !underFunctions;
        options.Validate();

        return services
            .AddSingleton(options)
            .AddSingleton(sp =>
            {
                // Its own client and metrics, so webhook traffic never counts as the request path's.
                var metrics = new StorageMetrics();
                return new WebhookStore(new MembershipStore(sp.GetRequiredService<StorageOptions>(), metrics, sp.GetRequiredService<ILogger<MembershipStore>>()), metrics);
            })
            .AddSingleton<WebhookSettings>()
            .AddSingleton<WebhookSender>()
            .AddSingleton<WebhookDispatcher>()
            .AddHostedService<WebhookBackgroundService>();
    }
}
