using Microsoft.CodeAnalysis;

namespace Membership.Functions.Generators;

/// <summary>Build errors for declarations the hosts could not serve alike; each names the rule it enforces.</summary>
internal static class Problems
{
    private const string Category = "Membership.Functions";

    public static readonly DiagnosticDescriptor Anonymous = new(
        "MEMF001",
        "HTTP functions are anonymous",
        "Function {0} must use AuthorizationLevel.Anonymous: the app authenticates every caller itself (access token, UserSig, X-Matrix), and a function key would be a second, unchecked credential",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Signature = new(
        "MEMF002",
        "Function signature the hosts cannot call",
        "Function {0} cannot be served in every hosting mode: {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Place = new(
        "MEMF003",
        "One folder per function",
        "Function {0} must be declared by a class of the same name in {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor OneConstructor = new(
        "MEMF004",
        "Function classes have one public constructor",
        "{0} must have exactly one public constructor, whose parameters are services",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateName = new(
        "MEMF005",
        "Function names are unique",
        "Two functions are named {0} (names are compared ignoring case, as the Functions host does)",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);
}
