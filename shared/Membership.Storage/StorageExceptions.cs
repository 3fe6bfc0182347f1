namespace Membership.Storage;

/// <summary>Storage could not be reached or failed: the surfaces answer 503 (Matrix) or 100001 (admin), never a 500.</summary>
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
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
