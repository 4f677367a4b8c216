using MixCacheOrt.Caching;
using MixCacheOrt.Caching.Baselines;

namespace MixCacheOrt.Tests.Caching.Baselines;

public sealed class MagCachePolicyTests
{
    private static readonly CacheAvailability Ready = new(true, true, new HashSet<int>(), HasResidual: true);

    [Test]
    public void AccumulatesTheErrorOfTheRatioProductAndRestartsAfterComputing()
    {
        // ratios 0.95 from step 2 on, threshold 0.12, K = 4, retention 0.2 of 10 steps = 2:
        // step 2: product 0.95, error 0.05 -> skip; step 3: 0.9025, error 0.05 + 0.0975 = 0.1475 >= 0.12 -> compute
        var o = new MagCacheOptions { Ratios = [1, 1, .. Enumerable.Repeat(0.95, 8)], Threshold = 0.12, MaxSkipSteps = 4, RetentionRatio = 0.2 };
        var policy = new MagCachePolicy("magcache", o);
        policy.Reset(10, 12);
        string[] d = [.. Enumerable.Range(0, 10).Select(k => policy.Decide(k, Ready).ToString())];
        Assert.That(d, Is.EqualTo(new[] { "full", "full", "residual", "full", "residual", "full", "residual", "full", "residual", "full" }));
    }

    [Test]
    public void AtMostKStepsAreSkippedInARow()
    {
        var o = new MagCacheOptions { Ratios = Enumerable.Repeat(1.0, 12).ToArray(), MaxSkipSteps = 3, RetentionRatio = 0 };
        var policy = new MagCachePolicy("magcache", o);
        policy.Reset(12, 12);
        policy.Decide(0, Ready with { HasResidual = false });
        string[] d = [.. Enumerable.Range(1, 9).Select(k => policy.Decide(k, Ready).ToString())];
        Assert.That(d, Is.EqualTo(new[] { "residual", "residual", "residual", "full", "residual", "residual", "residual", "full", "residual" }));
    }

    [Test]
    public void MagnitudeRatioIsTheMeanPerTokenNormRatio()
    {
        // two tokens of dim 2: norms 5 and 1 now, 2.5 and 2 before -> ratios 2 and 0.5 -> mean 1.25
        float[] now = [3, 4, 1, 0];
        float[] before = [1.5f, 2, 0, 2];
        Assert.That(MagCacheCalibration.MagnitudeRatio(now, before, 2), Is.EqualTo(1.25).Within(1e-6));
    }
}
