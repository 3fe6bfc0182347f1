using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Membership.Functions.Tests;

/// <summary>
/// Records what the app logs (at the levels its configuration lets through: Warning and up in the test hosts), so a
/// test can prove no request ended in the last-chance handler's "Unhandled failure" (a 500 with a logged exception).
/// </summary>
public sealed class FaultLogCapture : ILoggerProvider
{
    public const string UnhandledMessage = "Unhandled failure";

    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyCollection<Entry> Entries => _entries;

    /// <summary>Adds a capture to a running app's logger factory (existing loggers pick it up too).</summary>
    public static FaultLogCapture Attach(IServiceProvider services)
    {
        var capture = new FaultLogCapture();
        services.GetRequiredService<ILoggerFactory>().AddProvider(capture);
        return capture;
    }

    /// <summary>Entries of the last-chance handler: a request that failed in a way nothing else handled.</summary>
    public IReadOnlyList<Entry> Unhandled() =>
        [.. _entries.Where(e => e.Message.StartsWith(UnhandledMessage, StringComparison.Ordinal))];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception)
    {
        public override string ToString() => $"{Level} {Category}: {Message} {Exception?.GetType().Name}: {Exception?.Message}";
    }

    private sealed class Logger(FaultLogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                capture._entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception));
            }
        }
    }
}
