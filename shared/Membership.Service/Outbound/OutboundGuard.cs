using System.Net;
using System.Net.Sockets;
using Membership.Protocols;
using Microsoft.Extensions.Logging;

namespace Membership.Service.Outbound;

/// <summary>
/// The one way this service opens outbound connections (federation discovery, key fetches, invites, webhooks): every
/// HTTP client is built on <see cref="CreateHandler"/>, whose connect step resolves the host itself and checks each
/// address it will connect to against the <see cref="AddressPolicy"/> (<c>Membership:Outbound</c>). Checking the
/// address actually connected to, after DNS, defeats names that resolve to loopback and DNS rebinding; a redirect or
/// any other new connection goes through the same step. A host with any refused address is refused whole, as Synapse
/// does. The base URLs named in <c>Membership:Federation:Servers</c> were chosen by the operator and stay reachable.
/// </summary>
public sealed partial class OutboundGuard
{
    private readonly AddressPolicy _policy;
    private readonly HashSet<string> _configured;
    private readonly ILogger<OutboundGuard> _logger;

    public OutboundGuard(AddressPolicy policy, MembershipOptions options, ILogger<OutboundGuard> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _policy = policy;
        _logger = logger;
        _configured = new HashSet<string>(
            options.Federation.Servers.Values.Select(url => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? Endpoint(uri.Host, uri.Port) : null).OfType<string>(),
            StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A handler whose connections pass the address check (unless <paramref name="checkAddresses"/> is false: webhooks
    /// with <c>Membership:Webhooks:AllowPrivateTargets</c>). Redirects are never followed.
    /// </summary>
    public SocketsHttpHandler CreateHandler(TimeSpan connectTimeout, TimeSpan pooledConnectionLifetime, bool checkAddresses = true) => new()
    {
        ConnectTimeout = connectTimeout,
        PooledConnectionLifetime = pooledConnectionLifetime,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, checkAddresses, cancellationToken),
    };

    private async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool checkAddresses, CancellationToken cancellationToken)
    {
        var (host, port) = (endpoint.Host, endpoint.Port);
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        if (checkAddresses && !_configured.Contains(Endpoint(host, port)) && Array.Find(addresses, a => !_policy.Permits(a)) is { } refused)
        {
            LogRefused(_logger, host, port, refused.ToString());
            throw new OutboundAddressRefusedException($"{host}:{port} resolves to {refused}, which the outbound address policy refuses");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // Connects to one of the addresses just checked: the name is not resolved again.
            await socket.ConnectAsync(addresses, port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string Endpoint(string host, int port) => $"{host.Trim('[', ']')}:{port}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an outbound connection to {Host}:{Port}: it resolves to {Address}, which Membership:Outbound refuses")]
    private static partial void LogRefused(ILogger logger, string host, int port, string address);
}

/// <summary>An outbound connection was refused by the address policy (logged; callers see only that the peer was unreachable).</summary>
public sealed class OutboundAddressRefusedException : IOException
{
    public OutboundAddressRefusedException()
    {
    }

    public OutboundAddressRefusedException(string message)
        : base(message)
    {
    }

    public OutboundAddressRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
