namespace Membership.Protocols.Tests;

public class CallbackSignTests
{
    private const string Token = "xxxxyyyy";
    private const long RequestTime = 1669872112;
    private const string Expected = "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061";

    [Fact]
    public void SignMatchesTencentsDocumentedExample() =>
        Assert.Equal(Expected, CallbackSign.Compute(Token, RequestTime));

    [Theory]
    [InlineData(0)]
    [InlineData(60)]
    [InlineData(-60)]
    public void VerifyAcceptsTheRightSignWithinAMinute(long skew) =>
        Assert.True(CallbackSign.Verify(Token, RequestTime, Expected, RequestTime + skew));

    [Theory]
    [InlineData(61)]
    [InlineData(-61)]
    [InlineData(3600)]
    public void VerifyRejectsRequestsMoreThanAMinuteAway(long skew) =>
        Assert.False(CallbackSign.Verify(Token, RequestTime, Expected, RequestTime + skew));

    [Fact]
    public void VerifyIgnoresHexCase() =>
        Assert.True(CallbackSign.Verify(Token, RequestTime, Expected.ToUpperInvariant(), RequestTime));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("17773bc3")]
    [InlineData("07773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061")]
    [InlineData("zz773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061")]
    [InlineData("17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d4840610")]
    public void VerifyRejectsAWrongOrMalformedSign(string? sign) =>
        Assert.False(CallbackSign.Verify(Token, RequestTime, sign, RequestTime));

    [Fact]
    public void VerifyRejectsAnotherTokenOrRequestTime()
    {
        Assert.False(CallbackSign.Verify("xxxxyyyz", RequestTime, Expected, RequestTime));
        Assert.False(CallbackSign.Verify(Token, RequestTime + 1, Expected, RequestTime));
    }

    [Fact]
    public void VerifyDoesNotOverflowAtExtremeTimes()
    {
        Assert.False(CallbackSign.Verify(Token, long.MinValue, CallbackSign.Compute(Token, long.MinValue), long.MaxValue));
        Assert.True(CallbackSign.Verify(Token, long.MaxValue, CallbackSign.Compute(Token, long.MaxValue), long.MaxValue));
    }
}
