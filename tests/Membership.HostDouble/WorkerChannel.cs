using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Grpc.Core;
using RpcException = Grpc.Core.RpcException;
using Membership.HostDouble.Rpc;
using Microsoft.Extensions.Logging;

namespace Membership.HostDouble;

/// <summary>
/// The host's end of the worker's event stream (the <c>FunctionRpc</c> gRPC service). Requests are matched to answers by
/// <c>request_id</c>, which the .NET worker copies onto every answer; RpcLog messages are handed to <see cref="Log"/>.
/// One worker, one stream: a second stream is refused.
/// </summary>
internal sealed class WorkerChannel : FunctionRpc.FunctionRpcBase, IDisposable
{
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<string> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closing = new();
    private Exception? _closedBecause;
    private int _streams;

    public WorkerChannel(Action<WorkerLog> log) => Log = log;

    public Action<WorkerLog> Log { get; }

    /// <summary>Completes with the worker id of the StartStream message.</summary>
    public Task<string> Started => _started.Task;

    /// <summary><see cref="Stopwatch"/> timestamp of the StartStream message.</summary>
    public long StartedTimestamp { get; private set; }

    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        if (Interlocked.Increment(ref _streams) != 1)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "the host double serves one worker stream"));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _closing.Token);
        var writer = Task.Run(() => WriteAllAsync(responseStream, stop.Token), CancellationToken.None);
        try
        {
            if (!await requestStream.MoveNext(stop.Token) || requestStream.Current.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "the worker must open the stream with StartStream"));
            }

            StartedTimestamp = Stopwatch.GetTimestamp();
            _started.TrySetResult(requestStream.Current.StartStream.WorkerId);
            while (await requestStream.MoveNext(stop.Token))
            {
                Dispatch(requestStream.Current);
            }

            Close(new IOException("the worker closed its event stream"));
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or RpcException or InvalidOperationException)
        {
            Close(new IOException("the worker's event stream broke: " + ex.Message, ex));
        }
        finally
        {
            await stop.CancelAsync();
            await writer;
        }
    }

    /// <summary>Sends a request and waits for the answer that carries its request id.</summary>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.RequestId = Guid.NewGuid().ToString("N");
        var answer = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[message.RequestId] = answer;
        try
        {
            // Checked after registering, so a Close racing with this call fails the request either way.
            if (_closedBecause is { } closed)
            {
                throw closed;
            }

            await _outbound.Writer.WriteAsync(message, cancellationToken);
            return await answer.Task.WaitAsync(timeout, cancellationToken);
        }
        finally
        {
            _pending.TryRemove(message.RequestId, out _);
        }
    }

    /// <summary>Sends a message that has no answer (WorkerTerminate).</summary>
    public bool TrySend(StreamingMessage message) => _closedBecause is null && _outbound.Writer.TryWrite(message);

    /// <summary>Fails everything waiting on the worker (it exited, or the double is stopping) and ends the stream.</summary>
    public void Close(Exception reason)
    {
        Interlocked.CompareExchange(ref _closedBecause, reason, null);
        _started.TrySetException(_closedBecause);
        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(_closedBecause);
        }

        _outbound.Writer.TryComplete();
    }

    /// <summary>Ends the gRPC call, so that the server can stop without waiting for it.</summary>
    public void Abort()
    {
        Close(new ObjectDisposedException(nameof(FunctionsHostDouble)));
        _closing.Cancel();
    }

    public void Dispose() => _closing.Dispose();

    private void Dispatch(StreamingMessage message)
    {
        if (message.ContentCase == StreamingMessage.ContentOneofCase.RpcLog)
        {
            var log = message.RpcLog;
            Log(new WorkerLog(
                (LogLevel)(int)log.Level,
                log.Category,
                log.Message,
                string.IsNullOrEmpty(log.InvocationId) ? null : log.InvocationId,
                log.Exception is { } ex ? $"{ex.Type}: {ex.Message}" : null));
        }
        else if (_pending.TryGetValue(message.RequestId, out var answer))
        {
            answer.TrySetResult(message);
        }
    }

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> responseStream, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _outbound.Reader.ReadAllAsync(cancellationToken))
            {
                await responseStream.WriteAsync(message, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The call is over; whoever waits for an answer is failed by Close.
        }
    }
}
