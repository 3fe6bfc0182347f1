using Membership.Service.Webhooks;

namespace Membership.Functions.Webhooks.WebhookSweep;

/// <summary>Deliver the callbacks and federation transactions left behind.</summary>
/// <remarks>
/// Every 30 seconds under a Functions host: re-reads the callback configuration and delivers every room with work
/// left behind (<see cref="WebhookDispatcher.SweepAsync"/>), and every room with users of other servers to their
/// servers (which is how an instance learns of rooms another one made federated). Idempotent; a failure (storage
/// unavailable) marks the invocation failed and the next tick tries again. Without a Functions host a background
/// service sweeps instead.
/// </remarks>
internal sealed partial class WebhookSweep(WebhookDispatcher dispatcher, ILogger<WebhookSweep> logger)
{
    [Function(nameof(WebhookSweep))]
    public async Task Run([TimerTrigger("*/30 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var report = await dispatcher.SweepAsync(fromTimer: true, cancellationToken);
        if (!report.Enabled)
        {
            LogOff(logger, report.FederatedRooms);
        }
        else
        {
            LogSwept(logger, report.Rooms, report.Reconciled, report.FederatedRooms);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Callbacks are off (no room_config callback and no Membership:Webhooks:Url); {FederatedRooms} rooms delivered to other servers")]
    private static partial void LogOff(ILogger logger, int federatedRooms);

    [LoggerMessage(Level = LogLevel.Information, Message = "Swept {Rooms} rooms (every head compared with its cursor: {Reconciled}) and {FederatedRooms} rooms with other servers")]
    private static partial void LogSwept(ILogger logger, int rooms, bool reconciled, int federatedRooms);
}
