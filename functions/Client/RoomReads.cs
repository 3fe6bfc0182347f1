using Membership.Core.Identifiers;
using Membership.Service;

namespace Membership.Functions.Client;

/// <summary>
/// The read functions' one door to room state: <see cref="RoomService.ReadStateAsync"/>, which applies the visibility
/// rule (Membership.Core RoomVisibility: current state while joined, the room as of their departure after that,
/// nothing for who never joined or has forgotten the room).
/// </summary>
internal static class RoomReads
{
    /// <summary>What the caller may read of the room; 403 when that is nothing.</summary>
    public static async Task<VisibleState> ReadVisibleAsync(this RoomService rooms, RoomId roomId, UserId caller, long? atSeq, CancellationToken cancellationToken)
    {
        var view = await rooms.ReadStateAsync(roomId, caller, atSeq, cancellationToken);
        return view.Visibility.CanRead ? view : throw NeverAMember(roomId, caller);
    }

    public static MatrixException NeverAMember(RoomId roomId, UserId caller) =>
        MatrixException.Forbidden($"{caller} is not in room {roomId} and never was (or has forgotten it)");
}
