using MixCacheOrt.Caching;
using MixCacheOrt.Caching.Baselines;
using MixCacheOrt.Caching.MixCache;
using MixCacheOrt.Evaluation;

namespace MixCacheOrt.Tests.Caching;

public sealed class CacheSpecTests
{
    [Test]
    public void Parse_LowercasesTheFamily_AndSortsKeysInTheCanonicalName()
    {
        CacheSpec spec = CacheSpec.Parse(" MagCache:K=3, e=0.06 ");

        Assert.That(spec.Family, Is.EqualTo("magcache"));
        Assert.That(spec.Settings, Is.EqualTo(new Dictionary<string, string> { ["e"] = "0.06", ["k"] = "3" }));
        Assert.That(spec.Canonical, Is.EqualTo("magcache:e=0.06,k=3"));
        Assert.That(CacheSpec.Parse("pab").Canonical, Is.EqualTo("pab"));
    }

    [TestCase("teacache:l1=0.05", "teacache:l1=0.05")]
    [TestCase("magcache:k=3,e=0.06", "magcache:e=0.06,k=3")]
    [TestCase("mixcache:n=eff", "mixcache:n=eff")]
    [TestCase("MIXCACHE-EFF", "mixcache-eff")]
    [TestCase("blockdance:n=4", "blockdance:n=4")]
    public void Check_GivesTheCanonicalName(string spec, string name) =>
        Assert.That(CachePolicyFactory.Check(spec), Is.EqualTo(((string?)name, (string?)null)));

    [TestCase("teacache:x=1", "teacache has no key 'x'; allowed keys: l1 (accumulated rescaled relative L1 threshold; default 0.1)")]
    [TestCase("magcache:q=1", "magcache has no key 'q'; allowed keys: e (error threshold; default 0.12); k (most steps skipped in a row; default 4); r (share of the first steps always computed; default 0.2)")]
    [TestCase("teacache:l1=0", "teacache:l1 must be a number above 0 and at most 1 (got '0')")]
    [TestCase("teacache:l1=abc", "teacache:l1 must be a number above 0 and at most 1 (got 'abc')")]
    [TestCase("magcache:k=0", "magcache:k must be a whole number from 1 to 50 (got '0')")]
    [TestCase("mixcache:only=cfgs", "mixcache:only must be one of all, step, cfg, block (got 'cfgs')")]
    [TestCase("mixcache:n=1", "mixcache:n must be acc, eff or a whole number from 2 to 20 (got '1')")]
    [TestCase("teacache:l1", "cache spec 'teacache:l1': 'l1' is not key=value; write e.g. teacache:key=value,key=value")]
    [TestCase("teacache:l1=0.1,l1=0.2", "cache spec 'teacache:l1=0.1,l1=0.2' gives 'l1' twice")]
    [TestCase(":l1=0.1", "cache spec ':l1=0.1' has no method name; write e.g. teacache:l1=0.05")]
    public void BadSpecs_AreOneLineNamingTheKeyAndWhatItTakes(string spec, string error)
    {
        (string? name, string? message) = CachePolicyFactory.Check(spec);

        Assert.That(name, Is.Null);
        Assert.That(message, Is.EqualTo(error));
        Assert.That(message, Does.Not.Contain("\n"));
    }

    [Test]
    public void UnknownFamily_ListsThePresetsAndTheFamilies()
    {
        string? error = CachePolicyFactory.Check("bogus:x=1").Error;

        Assert.That(error, Does.StartWith("unknown cache method 'bogus'; use a preset (none, trace, mixcache-acc"));
        Assert.That(error, Does.EndWith("or one of step, teacache, magcache, mixcache, fastercache, pab, blockdance, fbcache, dbcache, taylorseer, taylorseer-lite with key=value settings"));
    }

    [Test]
    public void MixCacheSpecs_MapToThePresetsAndTheAblations()
    {
        MixCacheOptions From(string spec) => CachePolicyFactory.MixCacheOptionsFrom(new SpecValues(CacheSpec.Parse(spec)));

        Assert.That(From("mixcache"), Is.EqualTo(MixCacheOptions.Efficiency));
        Assert.That(From("mixcache:n=acc"), Is.EqualTo(MixCacheOptions.Accuracy));
        Assert.That(From("mixcache:n=acc,rules=paper"), Is.EqualTo(MixCacheOptions.PaperAccuracy));
        Assert.That(From("mixcache:n=4"), Is.EqualTo(MixCacheOptions.Efficiency with { FixedInterval = 4 }));
        Assert.That(From("mixcache:only=step"), Is.EqualTo(MixCacheOptions.Efficiency with { Granularities = CacheGranularities.Step }));
        Assert.That(From("mixcache:penalty=off"), Is.EqualTo(MixCacheOptions.Efficiency with { Penalty = false, AgeScaled = false }));
        Assert.That(From("mixcache:scale=1.5"), Is.EqualTo(MixCacheOptions.Efficiency with { ThresholdScale = 1.5 }));
        Assert.That(From("mixcache:forecast=on"), Is.EqualTo(MixCacheOptions.Efficiency with { Forecast = true }));
        Assert.That(From("mixcache:costs=measured"), Is.EqualTo(MixCacheOptions.Efficiency with { MeasuredCosts = true }));
        Assert.That(From("mixcache:rules=paper,costs=measured"), Is.EqualTo(MixCacheOptions.PaperEfficiency with { CostAware = true, MeasuredCosts = true }));
        Assert.That(From("mixcache:target=2.5x"), Is.EqualTo(MixCacheOptions.Efficiency with { TargetSpeedup = 2.5 }));
        Assert.That(From("mixcache:target=3"), Is.EqualTo(MixCacheOptions.Efficiency with { TargetSpeedup = 3 }));
        Assert.That(CachePolicyFactory.Check("mixcache:target=0.5x").Error, Is.EqualTo("mixcache:target must be a speedup above 1 and at most 20, e.g. 2.5x (got '0.5x')"));
    }

    [Test]
    public void MagCacheAndFasterCacheSpecs_SetTheirOptions_DefaultsAsThePresets()
    {
        double[] ratios = [1.0, 0.99];
        MagCacheOptions mag = CachePolicyFactory.MagCacheOptionsFrom(new SpecValues(CacheSpec.Parse("magcache:k=3,e=0.06,r=0.1")), ratios);
        Assert.That((mag.Threshold, mag.MaxSkipSteps, mag.RetentionRatio), Is.EqualTo((0.06, 3, 0.1)));
        MagCacheOptions magDefaults = CachePolicyFactory.MagCacheOptionsFrom(new SpecValues(CacheSpec.Parse("magcache")), ratios);
        Assert.That(magDefaults, Is.EqualTo(new MagCacheOptions { Ratios = ratios }));

        Assert.That(CachePolicyFactory.FasterCacheOptionsFrom(new SpecValues(CacheSpec.Parse("fastercache"))), Is.EqualTo(new FasterCacheOptions()));
        FasterCacheOptions faster = CachePolicyFactory.FasterCacheOptionsFrom(new SpecValues(CacheSpec.Parse("fastercache:skip=3,t=500,alpha=1.2")));
        Assert.That((faster.UnconditionalSkipRange, faster.UnconditionalTimestepRange.High, faster.AlphaLowFrequency, faster.AlphaHighFrequency),
            Is.EqualTo((3, 500.0, 1.2f, 1.2f)));
    }

    [Test]
    public void MethodLists_KeepASpecsSettingsTogether()
    {
        Assert.That(EvaluationMethods.Split("none, magcache:k=3,e=0.06,teacache:l1=0.05,pab"),
            Is.EqualTo(new[] { "none", "magcache:k=3,e=0.06", "teacache:l1=0.05", "pab" }));
        Assert.That(EvaluationMethods.Resolve(["teacache:l1=0.05", "magcache:k=3,e=0.06", "teacache-0.1"], CachePolicyFactory.Names, CachePolicyFactory.Check),
            Is.EqualTo(new[] { "none", "teacache:l1=0.05", "magcache:e=0.06,k=3", "teacache-0.1" }));
        var e = Assert.Throws<UnknownMethodException>(() =>
            EvaluationMethods.Resolve(["teacache:x=1"], CachePolicyFactory.Names, CachePolicyFactory.Check));
        Assert.That(e!.Detail, Does.StartWith("teacache has no key 'x'"));
    }
}
