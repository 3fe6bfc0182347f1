namespace Membership.Storage;

/// <summary>A storage call failed: <see cref="StorageUnavailableException"/> or <see cref="StorageRejectedException"/>.</summary>
public abstract class StorageException : Exception
{
    protected StorageException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}

/// <summary>Storage could not be reached or failed: the surfaces answer 503 (Matrix) or 100001 (admin), never a 500.</summary>
public sealed class StorageUnavailableException : StorageException
{
    public StorageUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public StorageUnavailableException()
        : base("Table Storage is unavailable", null)
    {
    }

    public StorageUnavailableException(string message)
        : base(message, null)
    {
    }
}

/// <summary>
/// Storage refused a request as malformed (400, or 413 for a transaction too large): what this service sent breaks a
/// Table Storage rule, so it is a bug of ours, not an outage. Logged as an error; the surfaces answer 500, and
/// retrying the same request cannot help.
/// </summary>
public sealed class StorageRejectedException : StorageException
{
    public StorageRejectedException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public StorageRejectedException()
        : base("Table Storage refused the request as malformed", null)
    {
    }

    public StorageRejectedException(string message)
        : base(message, null)
    {
    }
}

/// <summary>Another change to the room committed first (412 on the room head): re-read, re-decide, retry.</summary>
public sealed class ConcurrencyConflictException : Exception
{
    public ConcurrencyConflictException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public ConcurrencyConflictException()
    {
    }

    public ConcurrencyConflictException(string message)
        : base(message)
    {
    }
}

/// <summary>The row to insert exists already (409): a room ID or alias that is taken.</summary>
public sealed class AlreadyExistsException : Exception
{
    public AlreadyExistsException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public AlreadyExistsException()
    {
    }

    public AlreadyExistsException(string message)
        : base(message)
    {
    }
}
