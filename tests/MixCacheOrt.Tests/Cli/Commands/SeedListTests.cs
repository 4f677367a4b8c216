using MixCacheOrt.Cli.Commands;

namespace MixCacheOrt.Tests.Cli.Commands;

/// <summary>The one <c>--seeds</c> parser behind eval, profile and calibrate.</summary>
public sealed class SeedListTests
{
    [Test]
    public void ParsesTrimsAndDropsDuplicatesKeepingFirstOrder()
    {
        Assert.That(SeedList.TryParse(" 7, 1 ,7,18446744073709551615", out IReadOnlyList<ulong> seeds, out string? error), Is.True);
        Assert.That(error, Is.Null);
        Assert.That(seeds, Is.EqualTo(new ulong[] { 7, 1, ulong.MaxValue }));
    }

    [TestCase("")]
    [TestCase("1,,2")]
    [TestCase("1,x")]
    [TestCase("-1")]
    [TestCase("1.5")]
    [TestCase("18446744073709551616")]
    public void RejectsAnythingButNonNegativeIntegersAndQuotesTheInput(string text)
    {
        Assert.That(SeedList.TryParse(text, out _, out string? error), Is.False);
        Assert.That(error, Does.StartWith("--seeds must be comma-separated non-negative integers"));
        Assert.That(error, Does.Contain($"'{text}'"));
    }
}
