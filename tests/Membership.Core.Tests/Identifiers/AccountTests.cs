using Membership.Core.Identifiers;

namespace Membership.Core.Tests.Identifiers;

/// <summary>The admin surface's one account rule: printable ASCII except ':', 1 to 128 characters, as a localpart of this server or a full user ID.</summary>
public sealed class AccountTests
{
    private static readonly ServerName Server = ServerName.Parse("localhost");

    public static TheoryData<string, string> Accepted => new()
    {
        { "alice", "@alice:localhost" },
        { "Alice_1", "@Alice_1:localhost" },
        { "a.b_c=d-e/f+g", "@a.b_c=d-e/f+g:localhost" },
        { "!#$%&'()*,;<=>?[]^`{|}~@", "@!#$%&'()*,;<=>?[]^`{|}~@:localhost" },
        { new string('a', Account.MaxLength), "@" + new string('a', Account.MaxLength) + ":localhost" },
        { "@carol:localhost", "@carol:localhost" },
        { "@dave:other.example", "@dave:other.example" },
    };

    public static TheoryData<string, string> Refused => new()
    {
        { "Empty", string.Empty },
        { "TrailingNewline", "bob\n" },
        { "LeadingSpace", " bob" },
        { "InnerSpace", "bo b" },
        { "Tab", "bo\tb" },
        { "Nul", "bo\0b" },
        { "Delete", "bo\u007Fb" },
        { "RightToLeftOverride", "bo\u202Eb" },
        { "ZeroWidthSpace", "bo\u200Bb" },
        { "NonAscii", "bøb" },
        { "Emoji", "b😀b" },
        { "Colon", "a:b" },
        { "TooLong", new string('a', Account.MaxLength + 1) },
        { "MatrixIdWithNewline", "@bob\n:localhost" },
        { "MatrixIdWithSpace", "@bo b:localhost" },
        { "MatrixIdWithEmptyLocalpart", "@:localhost" },
        { "MatrixIdWithBadServer", "@bob:exa mple" },
        { "AtSignAlone", "@" },
        { "AtSignWithoutServer", "@bob" },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void AccountsOfTheRuleAreUsersOfThisServerOrTheUserTheyName(string account, string user)
    {
        Assert.True(Account.TryParse(account, Server, out var parsed, out var error), error);
        Assert.Equal(user, parsed.Value);
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void TextOutsideTheRuleIsRefusedSayingWhy(string name, string account)
    {
        Assert.False(Account.TryParse(account, Server, out _, out var error), name);
        Assert.False(string.IsNullOrWhiteSpace(error));

        // The error shows what was refused without carrying its control characters into logs or answers.
        Assert.DoesNotContain(error, c => c is < ' ' or > '~' and not '…');
    }
}
