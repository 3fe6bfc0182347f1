namespace Membership.Protocols;

/// <summary>
/// A JSON value that has no canonical form (Matrix appendix "Canonical JSON"): a non-integral or out-of-range number,
/// a lone surrogate, a duplicate key, nesting deeper than <see cref="CanonicalJson.MaxDepth"/>, or a CLR value
/// System.Text.Json cannot write.
/// </summary>
public sealed class CanonicalJsonException : FormatException
{
    /// <summary>Creates the exception with a default message.</summary>
    public CanonicalJsonException()
        : base("The value has no canonical JSON form.")
    {
    }

    /// <summary>Creates the exception with a message naming the offending value.</summary>
    public CanonicalJsonException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public CanonicalJsonException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
