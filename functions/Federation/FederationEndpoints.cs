using Membership.Service.Federation;

namespace Membership.Functions.Federation;

/// <summary>
/// The federation surface, one line per endpoint; each function's folder holds its code and a <c>function.json</c>
/// with the same methods and route. Keys and version are public; the invite endpoints authenticate with X-Matrix.
/// </summary>
internal static class FederationEndpoints
{
    public static void MapFederationEndpoints(this IEndpointRouteBuilder app)
    {
        app.Map("ServerKeys", "GET", "_matrix/key/v2/server", ServerKeys.ServerKeys.Handle);
        app.Map("ServerVersion", "GET", "_matrix/federation/v1/version", ServerVersion.ServerVersion.Handle);
        app.Map("InviteV1", "PUT", "_matrix/federation/v1/invite/{roomId}/{eventId}", InviteV1.InviteV1.Handle);
        app.Map("InviteV2", "PUT", "_matrix/federation/v2/invite/{roomId}/{eventId}", InviteV2.InviteV2.Handle);
    }

    /// <summary>Outbound HTTP (bounded), the key ring over the <c>serverkeys</c> table, and both sides of the invite.</summary>
    public static IServiceCollection AddFederation(this IServiceCollection services) => services
        .AddSingleton<FederationClient>()
        .AddSingleton<KeyRing>()
        .AddSingleton<InviteReceiver>()
        .AddSingleton<InviteSender>();

    /// <summary>Matrix routes also take OPTIONS, so the Functions host forwards CORS preflights (as the client routes do).</summary>
    private static void Map(this IEndpointRouteBuilder app, string function, string method, string route, RequestDelegate handler) =>
        app.MapMethods("/" + route, [method, "OPTIONS"], handler)
            .WithName(function)
            .WithDisplayName(function);
}
