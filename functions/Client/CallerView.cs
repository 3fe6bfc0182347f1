using Membership.Core.Identifiers;
using Membership.Service;

namespace Membership.Functions.Client;

/// <summary>The read endpoints' one door to room state: the service's <see cref="RoomService.ReadStateAsync"/>, which applies the visibility rule.</summary>
internal static class CallerView
{
    /// <summary>What the caller may read of the room; 403 when that is nothing (never a member, or forgotten).</summary>
    public static async Task<VisibleState> LoadAsync(HttpContext http, RoomId roomId, UserId caller, long? atSeq = null)
    {
        var view = await ReadAsync(http, roomId, caller, atSeq);
        return view.Visibility.CanRead ? view : throw NeverAMember(roomId, caller);
    }

    public static Task<VisibleState> ReadAsync(HttpContext http, RoomId roomId, UserId caller, long? atSeq = null) =>
        MembershipActions.Rooms(http).ReadStateAsync(roomId, caller, atSeq, http.RequestAborted);

    public static MatrixException NeverAMember(RoomId roomId, UserId caller) =>
        MatrixException.Forbidden($"{caller} is not in room {roomId} and never was (or has forgotten it)");
}
