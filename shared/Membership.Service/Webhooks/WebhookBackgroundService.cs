using Membership.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Membership.Service.Webhooks;

/// <summary>
/// Starts the dispatcher with the app (the stored configuration is read in the background) and, unless the Functions
/// timer does it (<c>WebhookSweep</c>), sweeps every <see cref="WebhookOptions.SweepInterval"/>. Stopping the app
/// stops delivery: attempts in flight are abandoned and picked up again by the next process.
/// </summary>
public sealed partial class WebhookBackgroundService(WebhookDispatcher dispatcher, WebhookOptions options, TimeProvider clock, ILogger<WebhookBackgroundService> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        dispatcher.Start();
        if (options.BackgroundSweep ?? true)
        {
            _loop = SweepLoopAsync(_stopping.Token);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await dispatcher.StopAsync();
        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task SweepLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, clock);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                await dispatcher.SweepAsync(fromTimer: false, cancellationToken);
            }
            catch (StorageException ex)
            {
                LogSweepFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A webhook sweep met a storage failure; the next one tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception ex);
}
