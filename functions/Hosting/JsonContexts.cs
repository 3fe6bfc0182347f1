using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Membership.Functions.Admin.IssueToken;
using Membership.Functions.Client;
using Membership.Functions.Client.CreateRoom;
using Membership.Functions.Client.JoinedMembers;
using Membership.Functions.Client.JoinedRooms;
using Membership.Functions.Client.LegacyMembership;
using Membership.Functions.Client.Members;
using Membership.Functions.Client.Versions;
using Membership.Functions.Client.WhoAmI;
using Membership.Functions.Federation.InviteV2;
using Membership.Functions.Federation.ServerVersion;
using Membership.Functions.RoomConfig;
using Membership.Functions.RoomConfig.GetCallback;
using Membership.Functions.RoomConfig.GetCallbackDeliveries;
using Membership.Functions.RoomEngine;
using Membership.Functions.RoomEngine.BanRoomMember;
using Membership.Functions.RoomEngine.ChangeRoomOwner;
using Membership.Functions.RoomEngine.GetBannedMemberList;
using Membership.Functions.RoomEngine.GetRoomInfo;
using Membership.Functions.RoomEngine.GetRoomMemberList;
using Membership.Functions.RoomEngine.KickUserOut;
using Membership.Functions.RoomEngine.MarkRoomMember;
using Membership.Functions.RoomEngine.RoomEngineCreateRoom;
using Membership.Functions.RoomEngine.UpdateRoomInfo;
using Membership.Functions.RoomEngine.UpdateRoomMemberInfo;

namespace Membership.Functions.Hosting;

/// <summary>
/// The Matrix surfaces' wire types (client-server and federation), snake_case: source-generated metadata, so bodies are
/// read and written without reflection (Native AOT) and the OpenAPI document describes exactly these types.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(EmptyObject))]
[JsonSerializable(typeof(MatrixError))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
[JsonSerializable(typeof(TargetedMembershipBody))]
[JsonSerializable(typeof(ReasonBody))]
[JsonSerializable(typeof(LegacyMembershipBody))]
[JsonSerializable(typeof(LegacyMembershipReply))]
[JsonSerializable(typeof(CreateRoomBody))]
[JsonSerializable(typeof(RoomIdReply))]
[JsonSerializable(typeof(EventIdReply))]
[JsonSerializable(typeof(WhoAmIReply))]
[JsonSerializable(typeof(VersionsReply))]
[JsonSerializable(typeof(JoinedRoomsReply))]
[JsonSerializable(typeof(MembersReply))]
[JsonSerializable(typeof(JoinedMembersReply))]
[JsonSerializable(typeof(InviteV2Body))]
[JsonSerializable(typeof(InviteReply))]
[JsonSerializable(typeof(ServerVersionReply))]
internal sealed partial class MatrixJsonContext : JsonSerializerContext;

/// <summary>The admin surface's wire types, with the field names as Tencent spells them.</summary>
[JsonSourceGenerationOptions(RespectNullableAnnotations = true)]
[JsonSerializable(typeof(EmptyObject))]
[JsonSerializable(typeof(TencentReply))]
[JsonSerializable(typeof(IssueTokenBody))]
[JsonSerializable(typeof(IssueTokenReply))]
[JsonSerializable(typeof(RoomBody))]
[JsonSerializable(typeof(RoomAccountsBody))]
[JsonSerializable(typeof(KickUserOutBody))]
[JsonSerializable(typeof(BanRoomMemberBody))]
[JsonSerializable(typeof(ChangeRoomOwnerBody))]
[JsonSerializable(typeof(RoomEngineCreateRoomBody))]
[JsonSerializable(typeof(UpdateRoomInfoBody))]
[JsonSerializable(typeof(UpdateRoomMemberInfoBody))]
[JsonSerializable(typeof(MarkRoomMemberBody))]
[JsonSerializable(typeof(GetRoomMemberListBody))]
[JsonSerializable(typeof(GetBannedMemberListBody))]
[JsonSerializable(typeof(GetRoomInfoReply))]
[JsonSerializable(typeof(GetRoomMemberListReply))]
[JsonSerializable(typeof(GetBannedMemberListReply))]
[JsonSerializable(typeof(CallbackBody))]
[JsonSerializable(typeof(GetCallbackReply))]
[JsonSerializable(typeof(GetCallbackDeliveriesBody))]
[JsonSerializable(typeof(GetCallbackDeliveriesReply))]
internal sealed partial class TencentJsonContext : JsonSerializerContext;
