using Membership.Storage;

namespace Membership.Service;

internal sealed partial class RoomDraft
{
    /// <summary>
    /// Changes head fields that no Matrix event derives (the admin surface's settings, the member cap, the destroyed
    /// mark). The caller appends the event that records the change, so the log still tells every change.
    /// </summary>
    public void UpdateHead(Func<RoomHead, RoomHead> change)
    {
        Head = change(Head);
        _snapshot = null;
    }
}
