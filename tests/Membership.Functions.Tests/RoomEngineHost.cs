using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Membership.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Membership.Functions.Tests;

/// <summary>
/// The real app, like <see cref="ServiceFixture"/>, for the tests that need what it does not offer: its own
/// configuration (a low rate limit) and a <see cref="StorageProxy"/> between the app and its Azurite, so a test can
/// break the storage connection in the middle of a transaction.
/// </summary>
public abstract class RoomEngineHost : IAsyncLifetime
{
    private TestApp? _app;

    public Azurite Storage { get; } = new();

    public StorageProxy Proxy { get; private set; } = null!;

    public HttpClient Http => _app!.Http;

    public IServiceProvider Services => _app!.Services;

    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    public async Task InitializeAsync()
    {
        await Storage.InitializeAsync();
        Proxy = new StorageProxy(Storage.Port);
        var settings = new Dictionary<string, string?>
        {
            ["Membership:Storage:ConnectionString"] = Storage.ConnectionString.Replace($":{Storage.Port}/", $":{Proxy.Port}/", StringComparison.Ordinal),
        };
        Configure(settings);
        _app = await TestApp.StartAsync(Storage.ConnectionString, settings);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Proxy?.Dispose();
        await Storage.DisposeAsync();
    }
}

/// <summary>A host whose admin commands are limited to 3 calls a second per command.</summary>
public sealed class RateLimitedHost : RoomEngineHost
{
    public const int PerSecond = 3;

    protected override void Configure(IDictionary<string, string?> settings) =>
        settings["Membership:Tencent:RateLimitPerSecond"] = PerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A host whose storage connection runs through a proxy the tests can break.</summary>
public sealed class FaultyStorageHost : RoomEngineHost
{
}

/// <summary>
/// A TCP proxy in front of Azurite. It forwards bytes unchanged and counts the HTTP requests it sees by kind; when
/// <see cref="CutTransactions"/> is set, it forwards an entity-group transaction (<c>POST .../$batch</c>) only up to
/// the middle of its body and then drops the connection, as a network failure in the middle of the write would; when
/// <see cref="RefuseAll"/> is set, it drops every connection at once (storage down); with <see cref="Delay"/>, it holds
/// every request that long before forwarding it (slow storage); when <see cref="RejectTransactions"/> is set, it answers
/// each transaction itself with the 400 <c>PropertyValueTooLarge</c> Table Storage gives a property over its limit.
/// </summary>
public sealed partial class StorageProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private int _transactionsCut;
    private int _transactions;
    private int _requests;
    private volatile bool _cutTransactions;
    private volatile bool _refuseAll;
    private volatile bool _rejectTransactions;
    private long _delayTicks;

    public StorageProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    public int Port { get; }

    public bool CutTransactions
    {
        get => _cutTransactions;
        set => _cutTransactions = value;
    }

    public bool RefuseAll
    {
        get => _refuseAll;
        set => _refuseAll = value;
    }

    public bool RejectTransactions
    {
        get => _rejectTransactions;
        set => _rejectTransactions = value;
    }

    /// <summary>How long each request is held before it is forwarded (zero: not at all).</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    public int TransactionsCut => Volatile.Read(ref _transactionsCut);

    /// <summary>Entity-group transactions (<c>$batch</c>) forwarded whole.</summary>
    public int Transactions => Volatile.Read(ref _transactions);

    /// <summary>Every HTTP request seen, transactions included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            if (RefuseAll)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                return;
            }

            using var server = new TcpClient();
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target);
                using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var up = ForwardRequestsAsync(client.GetStream(), server.GetStream(), both.Token);
                var down = server.GetStream().CopyToAsync(client.GetStream(), both.Token);
                await Task.WhenAny(up, down);
                await both.CancelAsync();
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A dropped connection is what this proxy is for.
            }

            client.Client.LingerState = new LingerOption(true, 0);
        }
    }

    /// <summary>Client to Azurite, request by request (HTTP/1.1 with Content-Length, as the Azure SDK sends).</summary>
    private async Task ForwardRequestsAsync(NetworkStream from, NetworkStream to, CancellationToken cancellationToken)
    {
        var buffer = new List<byte>();
        var chunk = new byte[16384];
        while (true)
        {
            var headerEnd = IndexOf(buffer, "\r\n\r\n"u8.ToArray());
            if (headerEnd < 0)
            {
                var read = await from.ReadAsync(chunk, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                buffer.AddRange(chunk.AsSpan(0, read));
                continue;
            }

            var head = Encoding.Latin1.GetString([.. buffer.Take(headerEnd)]);
            var length = ContentLength().Match(head) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
            var total = headerEnd + 4 + length;
            while (buffer.Count < total)
            {
                var read = await from.ReadAsync(chunk, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                buffer.AddRange(chunk.AsSpan(0, read));
            }

            if (RefuseAll)
            {
                throw new IOException("storage is down (proxy)");
            }

            Interlocked.Increment(ref _requests);
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken);
            }

            var isTransaction = head.StartsWith("POST ", StringComparison.Ordinal) && head.Split("\r\n")[0].Contains("/$batch", StringComparison.Ordinal);
            if (isTransaction && CutTransactions)
            {
                // Send the headers and half the body, then drop the connection: Azurite never sees a whole transaction.
                await to.WriteAsync(buffer.Take(headerEnd + 4 + (length / 2)).ToArray(), cancellationToken);
                await to.FlushAsync(cancellationToken);
                Interlocked.Increment(ref _transactionsCut);
                throw new IOException("transaction cut by the proxy");
            }

            if (isTransaction && RejectTransactions)
            {
                // Answered here, never forwarded: Azurite sees nothing of it.
                await from.WriteAsync(PropertyValueTooLarge, cancellationToken);
                buffer.RemoveRange(0, total);
                continue;
            }

            if (isTransaction)
            {
                Interlocked.Increment(ref _transactions);
            }

            await to.WriteAsync(buffer.Take(total).ToArray(), cancellationToken);
            buffer.RemoveRange(0, total);
        }
    }

    private static int IndexOf(List<byte> haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Count; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++)
            {
                match = haystack[i + j] == needle[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }

    private static readonly byte[] PropertyValueTooLarge = Response(
        """{"odata.error":{"code":"PropertyValueTooLarge","message":{"lang":"en-US","value":"The property value exceeds the maximum allowed size (64KB)."}}}""");

    private static byte[] Response(string body) => Encoding.UTF8.GetBytes(
        $"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json;odata=minimalmetadata;streaming=true;charset=utf-8\r\nx-ms-error-code: PropertyValueTooLarge\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");

    [GeneratedRegex(@"\r\ncontent-length:\s*(\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex ContentLength();
}
