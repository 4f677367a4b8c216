using MixCacheOrt.Caching;
using MixCacheOrt.Caching.Baselines;

namespace MixCacheOrt.Tests.Caching.Baselines;

public sealed class TaylorSeerTests
{
    [Test]
    public void Schedule_WarmupThenOneComputedStepEveryN_TailComputed()
    {
        var options = new TaylorSeerOptions { Interval = 3, Warmup = 2, Tail = 2 };

        bool[] computes = [.. Enumerable.Range(0, 12).Select(k => TaylorSeerDecisions.Computes(k, 12, options))];

        // 0-1 warm-up; 2, 5, 8 computed; 10-11 the tail
        Assert.That(computes, Is.EqualTo(new[] { true, true, true, false, false, true, false, false, true, false, true, true }));
    }

    [TestCase("taylorseer", StepMode.ResidualReuse, CacheNeeds.Residual | CacheNeeds.Forecast)]
    [TestCase("taylorseer-lite", StepMode.StepReuse, CacheNeeds.Forecast)]
    [TestCase("taylorseer-lite:order=0", StepMode.StepReuse, CacheNeeds.None)]
    public void Policy_ForecastsWhatItsTargetCaches(string spec, StepMode mode, CacheNeeds needs)
    {
        ICachePolicy policy = CachePolicyFactory.Create(spec, new CachePolicyContext(12, [3, 6, 9], "/unused"));
        policy.Reset(50, 12);
        var ready = new CacheAvailability(true, true, new HashSet<int>(), HasResidual: true);

        CacheDecision cached = policy.Decide(20, ready) is { Mode: not StepMode.Full } d ? d : policy.Decide(21, ready);

        Assert.That(policy.Needs, Is.EqualTo(needs));
        Assert.That(cached.Mode, Is.EqualTo(mode));
        Assert.That(cached.Forecast, Is.EqualTo(needs.HasFlag(CacheNeeds.Forecast)), "order 1 forecasts, order 0 reuses");
        Assert.That(policy.Decide(20, new CacheAvailability(false, false, new HashSet<int>())), Is.EqualTo(CacheDecision.Full), "nothing to forecast from yet");
    }

    [Test]
    public void Presets_AreTheReferenceDefaults()
    {
        Assert.That(TaylorSeerOptions.Feature, Is.EqualTo(new TaylorSeerOptions { Target = TaylorSeerTarget.Residual, Interval = 5, Warmup = 3, Tail = 0, Order = 1 }));
        Assert.That(TaylorSeerOptions.Lite, Is.EqualTo(new TaylorSeerOptions { Target = TaylorSeerTarget.Output, Interval = 3, Warmup = 6, Tail = 2, Order = 1 }));
        Assert.That(CachePolicyFactory.Check("taylorseer-lite:n=1").Error, Is.EqualTo("taylorseer-lite:n must be a whole number from 2 to 50 (got '1')"));
        Assert.That(CachePolicyFactory.Check("taylorseer:tail=2").Error, Does.StartWith("taylorseer has no key 'tail'; allowed keys: n (one computed step every N steps"));
    }
}
