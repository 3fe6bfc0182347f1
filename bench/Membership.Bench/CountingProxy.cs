using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Membership.Bench;

/// <summary>One storage request seen by the proxy.</summary>
internal sealed class StorageRequest(string method, string table, long arrived)
{
    public string Method { get; } = method;

    /// <summary>Table name with the session's prefix removed, or <c>$batch</c> for an entity-group transaction.</summary>
    public string Table { get; } = table;

    /// <summary><see cref="Stopwatch.GetTimestamp"/> when the request head reached the proxy.</summary>
    public long Arrived { get; } = arrived;

    /// <summary>HTTP status of the response (0 until it is back).</summary>
    public int Status { get; set; }

    /// <summary>For a batch: the first failing inner status (412, 409, ...), else 0.</summary>
    public int InnerFailure { get; set; }

    public bool IsConflict => Status == 412 || InnerFailure == 412;

    public string Kind => Table == "$batch" ? "POST $batch" : $"{Method} {Table}";
}

/// <summary>
/// A loopback HTTP/1.1 reverse proxy between the service and Azurite: forwards every request unchanged, records it
/// (method, table, arrival time, status, inner batch failures such as 412) and can delay each request to model slow
/// storage. Each client connection gets its own upstream connection; requests on a connection are handled in order
/// (HttpClient does not pipeline).
/// </summary>
internal sealed partial class CountingProxy : IAsyncDisposable
{
    private const int MaxLog = 500_000;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _upstream;
    private readonly List<StorageRequest> _log = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private readonly string _tablePrefix;
    private long _total;
    private long _conflicts;
    private long _delayTicks;
    private long _inFlight;
    private long _lastArrival;

    public CountingProxy(int upstreamPort, string tablePrefix)
    {
        _upstream = new IPEndPoint(IPAddress.Loopback, upstreamPort);
        _tablePrefix = tablePrefix;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>Added before each request is forwarded (slow-storage experiments); zero by default.</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    public long Total => Interlocked.Read(ref _total);

    /// <summary>412 responses, including a 412 inside a batch response.</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    /// <summary>Position in the log, to read what arrived after it with <see cref="Since"/>.</summary>
    public int Mark()
    {
        lock (_gate)
        {
            return _log.Count;
        }
    }

    public List<StorageRequest> Since(int mark)
    {
        lock (_gate)
        {
            return mark >= _log.Count ? [] : _log.GetRange(mark, _log.Count - mark);
        }
    }

    /// <summary>Forgets the log (counters keep running); marks taken before are invalid afterwards.</summary>
    public void ClearLog()
    {
        lock (_gate)
        {
            _log.Clear();
        }
    }

    /// <summary>Requests forwarded whose response has not come back yet.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>
    /// Waits (polling every millisecond, at most <paramref name="limit"/>) until no request is in flight and none has
    /// arrived for <paramref name="quiet"/>: the background work of the previous call (an index write) is done, so
    /// the next measured call does not share storage with it.
    /// </summary>
    public async Task QuietAsync(TimeSpan quiet, TimeSpan limit, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < limit)
        {
            if (InFlight == 0 && Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastArrival)) >= quiet)
            {
                return;
            }

            await Task.Delay(1, cancellationToken);
        }
    }

    /// <summary>Waits until no request has arrived for <paramref name="quiet"/> (at most <paramref name="limit"/>).</summary>
    public async Task SettleAsync(TimeSpan quiet, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        var last = Total;
        var lastChange = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(10, cancellationToken);
            var now = Total;
            if (now != last)
            {
                last = now;
                lastChange = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(lastChange) >= quiet)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_gate)
        {
            foreach (var c in _open)
            {
                c.Dispose();
            }

            _open.Clear();
        }

        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

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
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            client.NoDelay = true;
            lock (_gate)
            {
                _open.Add(client);
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        var upstream = new TcpClient { NoDelay = true };
        try
        {
            await upstream.ConnectAsync(_upstream, _stop.Token);
            lock (_gate)
            {
                _open.Add(upstream);
            }

            var down = client.GetStream();
            var up = upstream.GetStream();
            var fromClient = new HttpReader(down);
            var fromServer = new HttpReader(up);
            while (!_stop.IsCancellationRequested)
            {
                var head = await fromClient.ReadHeadAsync(_stop.Token);
                if (head is null)
                {
                    return;
                }

                var request = HttpHead.Parse(head);
                var entry = Record(request.Method, request.Target);
                Interlocked.Increment(ref _inFlight);
                try
                {
                    await ExchangeAsync(request, head, entry, down, up, fromClient, fromServer);
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or FormatException)
        {
            // A closed connection ends its loop; the client sees the close.
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }

            upstream.Dispose();
            client.Dispose();
        }
    }

    /// <summary>Forwards one request and its response (after any interim 1xx), recording the outcome on <paramref name="entry"/>.</summary>
    private async Task ExchangeAsync(HttpHead request, byte[] head, StorageRequest entry, Stream down, Stream up, HttpReader fromClient, HttpReader fromServer)
    {
        var delay = Delay;
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _stop.Token);
        }

        if (request.ExpectsContinue)
        {
            // Answer the interim response ourselves and drop the header, so the body never waits on a timer.
            await down.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), _stop.Token);
            head = HttpHead.WithoutHeader(head, "Expect");
        }

        await up.WriteAsync(head, _stop.Token);
        await fromClient.CopyBodyAsync(up, request.Framing(isResponse: false, requestMethod: null), null, _stop.Token);

        while (true)
        {
            var responseHead = await fromServer.ReadHeadAsync(_stop.Token) ?? throw new IOException("storage closed the connection mid-request");
            var response = HttpHead.Parse(responseHead);
            await down.WriteAsync(responseHead, _stop.Token);
            if (response.Status is >= 100 and < 200)
            {
                continue;
            }

            using var capture = entry.Table == "$batch" ? new MemoryStream() : null;
            await fromServer.CopyBodyAsync(down, response.Framing(isResponse: true, requestMethod: request.Method), capture, _stop.Token);
            entry.Status = response.Status;
            if (capture is not null)
            {
                entry.InnerFailure = InnerFailure(capture);
            }

            if (entry.IsConflict)
            {
                Interlocked.Increment(ref _conflicts);
            }

            return;
        }
    }

    private StorageRequest Record(string method, string target)
    {
        var entry = new StorageRequest(method, TableOf(target), Stopwatch.GetTimestamp());
        Interlocked.Exchange(ref _lastArrival, entry.Arrived);
        Interlocked.Increment(ref _total);
        lock (_gate)
        {
            if (_log.Count < MaxLog)
            {
                _log.Add(entry);
            }
        }

        return entry;
    }

    /// <summary><c>/devstoreaccount1/{prefix}rooms(PartitionKey=...)?...</c> -> <c>rooms</c>; <c>/devstoreaccount1/$batch</c> -> <c>$batch</c>.</summary>
    private string TableOf(string target)
    {
        var path = target.Split('?', 2)[0];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2)
        {
            return path;
        }

        var name = Uri.UnescapeDataString(segments[1]);
        var paren = name.IndexOf('(', StringComparison.Ordinal);
        if (paren >= 0)
        {
            name = name[..paren];
        }

        if (name.Length > _tablePrefix.Length && name.StartsWith(_tablePrefix, StringComparison.OrdinalIgnoreCase))
        {
            name = name[_tablePrefix.Length..];
        }

        return name;
    }

    /// <summary>The first inner response status of 400 or more in a batch response body (changeset part), else 0.</summary>
    private static int InnerFailure(MemoryStream body)
    {
        var text = Encoding.Latin1.GetString(body.GetBuffer(), 0, (int)body.Length);
        foreach (Match m in InnerStatus().Matches(text))
        {
            var status = int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            if (status >= 400)
            {
                return status;
            }
        }

        return 0;
    }

    [GeneratedRegex(@"HTTP/1\.1 (\d{3})")]
    private static partial Regex InnerStatus();
}

/// <summary>How the body of an HTTP/1.1 message is delimited.</summary>
internal readonly record struct BodyFraming(long ContentLength, bool Chunked, bool UntilClose)
{
    public static BodyFraming None { get; } = new(0, false, false);
}

/// <summary>The parts of an HTTP/1.1 head the proxy needs.</summary>
internal sealed class HttpHead
{
    private HttpHead(string method, string target, int status, long? contentLength, bool chunked, bool expectsContinue)
    {
        Method = method;
        Target = target;
        Status = status;
        ContentLength = contentLength;
        Chunked = chunked;
        ExpectsContinue = expectsContinue;
    }

    public string Method { get; }

    public string Target { get; }

    public int Status { get; }

    public long? ContentLength { get; }

    public bool Chunked { get; }

    public bool ExpectsContinue { get; }

    public static HttpHead Parse(byte[] head)
    {
        var lines = Encoding.Latin1.GetString(head).Split("\r\n");
        var first = lines[0].Split(' ', 3);
        if (first.Length < 2)
        {
            throw new FormatException("bad start line: " + lines[0]);
        }

        var isResponse = first[0].StartsWith("HTTP/", StringComparison.Ordinal);
        var status = isResponse ? int.Parse(first[1], CultureInfo.InvariantCulture) : 0;
        long? length = null;
        var chunked = false;
        var expects = false;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                length = long.Parse(value, CultureInfo.InvariantCulture);
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                chunked = true;
            }
            else if (name.Equals("Expect", StringComparison.OrdinalIgnoreCase) && value.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
            {
                expects = true;
            }
        }

        return isResponse
            ? new HttpHead(string.Empty, string.Empty, status, length, chunked, false)
            : new HttpHead(first[0], first[1], 0, length, chunked, expects);
    }

    public static byte[] WithoutHeader(byte[] head, string header)
    {
        var lines = Encoding.Latin1.GetString(head).Split("\r\n")
            .Where(l => !l.StartsWith(header + ":", StringComparison.OrdinalIgnoreCase));
        return Encoding.Latin1.GetBytes(string.Join("\r\n", lines));
    }

    public BodyFraming Framing(bool isResponse, string? requestMethod)
    {
        if (isResponse && (requestMethod == "HEAD" || Status == 204 || Status == 304))
        {
            return BodyFraming.None;
        }

        if (Chunked)
        {
            return new BodyFraming(0, true, false);
        }

        if (ContentLength is { } n)
        {
            return new BodyFraming(n, false, false);
        }

        // A request without length has no body; a response without one runs to the close.
        return isResponse ? new BodyFraming(0, false, true) : BodyFraming.None;
    }
}

/// <summary>Buffered reading of HTTP/1.1 messages from a stream, forwarding bodies byte for byte.</summary>
internal sealed class HttpReader(Stream stream)
{
    private const int MaxHead = 1 << 20;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>The head up to and including the blank line, or null at a clean end of stream.</summary>
    public async Task<byte[]?> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var scanned = 0; // bytes after _start known not to start the blank line (offsets survive FillAsync's compaction)
        while (true)
        {
            var at = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf("\r\n\r\n"u8);
            if (at >= 0)
            {
                var stop = _start + scanned + at + 4;
                var head = _buffer[_start..stop];
                _start = stop;
                return head;
            }

            scanned = Math.Max(0, _end - _start - 3);
            if (_end - _start > MaxHead)
            {
                throw new IOException("head too large");
            }

            if (!await FillAsync(cancellationToken))
            {
                return _end == _start ? null : throw new IOException("stream ended inside a head");
            }
        }
    }

    public async Task CopyBodyAsync(Stream destination, BodyFraming framing, Stream? capture, CancellationToken cancellationToken)
    {
        if (framing.Chunked)
        {
            while (true)
            {
                var line = await ReadLineAsync(cancellationToken);
                await destination.WriteAsync(line, cancellationToken);
                var text = System.Text.Encoding.Latin1.GetString(line).Trim();
                var semicolon = text.IndexOf(';', StringComparison.Ordinal);
                var size = long.Parse(semicolon >= 0 ? text[..semicolon] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    // Trailers, then the blank line.
                    while (true)
                    {
                        var trailer = await ReadLineAsync(cancellationToken);
                        await destination.WriteAsync(trailer, cancellationToken);
                        if (trailer.Length == 2)
                        {
                            return;
                        }
                    }
                }

                await CopyExactAsync(destination, size, capture, cancellationToken);
                await CopyExactAsync(destination, 2, null, cancellationToken);
            }
        }

        if (framing.UntilClose)
        {
            while (true)
            {
                if (_end == _start && !await FillAsync(cancellationToken))
                {
                    return;
                }

                var n = _end - _start;
                await destination.WriteAsync(_buffer.AsMemory(_start, n), cancellationToken);
                capture?.Write(_buffer, _start, n);
                _start += n;
            }
        }

        await CopyExactAsync(destination, framing.ContentLength, capture, cancellationToken);
    }

    private async Task CopyExactAsync(Stream destination, long count, Stream? capture, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_end == _start && !await FillAsync(cancellationToken))
            {
                throw new IOException("stream ended inside a body");
            }

            var n = (int)Math.Min(count, _end - _start);
            await destination.WriteAsync(_buffer.AsMemory(_start, n), cancellationToken);
            capture?.Write(_buffer, _start, n);
            _start += n;
            count -= n;
        }
    }

    private async Task<byte[]> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var at = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (at >= 0)
            {
                var line = _buffer[_start..(_start + at + 2)];
                _start += at + 2;
                return line;
            }

            if (!await FillAsync(cancellationToken))
            {
                throw new IOException("stream ended inside a chunk header");
            }
        }
    }

    /// <summary>Reads more bytes (compacting or growing the buffer); false at end of stream.</summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read > 0;
    }
}
