using MixCacheOrt.Caching;
using MixCacheOrt.Caching.Baselines;

namespace MixCacheOrt.Tests.Caching.Baselines;

public sealed class FixedStepCacheTests
{
    [Test]
    public void Schedule_WarmupThenOneFullStepEveryN()
    {
        var options = new FixedStepCacheOptions { Interval = 3, Warmup = 4 };

        bool[] computes = [.. Enumerable.Range(0, 12).Select(k => FixedStepCacheDecisions.Computes(k, options))];

        // steps 0-3 warm-up; then 4, 7, 10 computed, the others reused
        Assert.That(computes, Is.EqualTo(new[] { true, true, true, true, true, false, false, true, false, false, true, false }));
    }

    [Test]
    public void Policy_ReusesOnlyWhenAnOutputExists()
    {
        var policy = new FixedStepCachePolicy("step:n=2,warmup=0", new FixedStepCacheOptions { Interval = 2, Warmup = 0 });
        var empty = new CacheAvailability(false, false, new HashSet<int>());
        var ready = new CacheAvailability(true, true, new HashSet<int>());

        Assert.That(policy.Decide(1, empty), Is.EqualTo(CacheDecision.Full), "nothing to reuse yet");
        Assert.That(policy.Decide(1, ready), Is.EqualTo(CacheDecision.ReuseStep));
        Assert.That(policy.Decide(2, ready), Is.EqualTo(CacheDecision.Full));
    }

    [Test]
    public void Spec_BuildsThePolicy_WithItsKeys()
    {
        Assert.That(CachePolicyFactory.Check("step:n=3,warmup=10"), Is.EqualTo(((string?)"step:n=3,warmup=10", (string?)null)));
        Assert.That(CachePolicyFactory.Check("step:n=0").Error, Is.EqualTo("step:n must be a whole number from 1 to 50 (got '0')"));
        ICachePolicy policy = CachePolicyFactory.Create("step:warmup=2,n=4", new CachePolicyContext(12, [3, 6, 9], "/unused"));
        Assert.That(policy.Name, Is.EqualTo("step:n=4,warmup=2"));
    }
}
