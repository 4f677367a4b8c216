using MixCacheOrt.Caching;
using MixCacheOrt.Caching.Baselines;

namespace MixCacheOrt.Tests.Caching.Baselines;

public sealed class DBCacheTests
{
    [TestCase(5, 0.05, 0, true)]
    [TestCase(5, 0.09, 0, false)] // over the threshold
    [TestCase(5, double.NaN, 0, false)] // nothing to compare with yet
    [TestCase(1, 0.01, 0, false)] // warm-up
    [TestCase(5, 0.01, 2, false)] // two skipped in a row already
    public void SkipsMiddle_UnderTheThresholdAfterTheWarmup_UpToTheLimitInARow(int step, double change, int consecutive, bool skips)
    {
        var options = new DBCacheOptions { Threshold = 0.08, Warmup = 2, MaxConsecutive = 2 };
        Assert.That(DBCacheDecisions.SkipsMiddle(step, change, consecutive, options), Is.EqualTo(skips));
    }

    [Test]
    public void NoLimitInARowWhenMaxConsecutiveIsZero() =>
        Assert.That(DBCacheDecisions.SkipsMiddle(30, 0.01, 25, new DBCacheOptions()), Is.True);

    [Test]
    public void Specs_BuildFirstBlockAndDualBlockCaches()
    {
        var context = new CachePolicyContext(12, [3, 6, 9], "/unused");
        Assert.That(DBCacheOptions.FirstBlock, Is.EqualTo(new DBCacheOptions { FirstBlocks = 1, LastBlocks = 0, Threshold = 0.05 }));
        Assert.That(CachePolicyFactory.Create("dbcache:f=3,b=2,r=0.1", context).Name, Is.EqualTo("dbcache:b=2,f=3,r=0.1"));
        Assert.That(CachePolicyFactory.Check("fbcache:f=2").Error, Does.StartWith("fbcache has no key 'f'; allowed keys: r ("));
        var e = Assert.Throws<ArgumentException>(() => CachePolicyFactory.Create("dbcache:f=8,b=4", context));
        Assert.That(e!.Message, Does.StartWith("DBCache needs 1 <= Fn and Fn + Bn < 12 blocks (got F8B4)"));
    }
}
