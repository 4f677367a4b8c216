using MixCacheOrt.Caching.MixCache;
using MixCacheOrt.Models;
using MixCacheOrt.Profiling;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Profiling;

public sealed class MixCacheProfilerTests
{
    [Test]
    public void ThresholdsComeFromTheStableTailOfDStep()
    {
        // falls, then stays within 25% of its mean from index 3 on (window 3..8): theta = mean, deltas = min/max
        double[] d = [0.9, 0.5, 0.3, 0.11, 0.10, 0.09, 0.10, 0.11, 0.10, 0.095, 0.105];
        (double theta, double delta1, double delta2) = MixCacheProfiler.Thresholds(d);
        double[] tail = d[3..];
        Assert.That(theta, Is.EqualTo(tail.Average()).Within(1e-12));
        Assert.That(delta1, Is.EqualTo(0.09));
        Assert.That(delta2, Is.EqualTo(0.11));
    }

    [Test]
    public void NoiseStatisticsSkipTheFirstTenStepsAndAverageSigmaOverTheLastForty()
    {
        // entries are steps 1..60: mu = step number, sigma = 1 before step 21 and 3 from step 21 on
        var perStep = Enumerable.Range(1, 60).Select(s => ((double)s, s >= 21 ? 3.0 : 1.0)).ToList();
        (double mu, double sigma) = MixCacheProfiler.Summarise(perStep, 61);
        Assert.That(mu, Is.EqualTo(Enumerable.Range(10, 51).Average()).Within(1e-9), "mu over steps 10..60");
        Assert.That(sigma, Is.EqualTo(3.0), "sigma over the last 40 (steps 21..60)");
    }

    [Test]
    public void ProfilesTheShippedModelAndThePolicyCanReadTheResult()
    {
        using ModelPackage package = ModelPackage.Load(ShippedModel.Directory, new ExecutionSettings { Threads = 2 }, verifyChecksums: false);
        using var profiler = new MixCacheProfiler(package);
        RunProfile run = profiler.ProfileRun("a red circle moving right", 1, steps: 6, impactStride: 2);
        Assert.That(run.StepDistance, Has.Count.EqualTo(5));
        Assert.That(run.StepImpact.Keys, Is.EqualTo(new[] { 0, 2, 4 }));
        Assert.That(run.StepImpact.Values.Concat(run.CfgImpact.Values), Is.All.GreaterThan(0).And.All.LessThan(10));

        MixCacheProfile profile = MixCacheProfiler.Aggregate([run], package.Manifest.Blocks.Candidates);
        Assert.That(profile.Delta1, Is.LessThanOrEqualTo(profile.Delta2));
        Assert.That(profile.Impact.Blocks.Keys, Is.EquivalentTo(package.Manifest.Blocks.Candidates.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.That(profile.Impact.Blocks.Values, Is.All.Length.EqualTo(6));
        Assert.That(profile.Curves!.Keys, Does.Contain("D_step").And.Contain("I_cfg").And.Contain("sigma_block_6"));

        using var temp = new TempDirectory();
        string path = Path.Combine(temp.Path, MixCacheProfile.FileName);
        profile.Save(path);
        MixCacheProfile back = MixCacheProfile.Load(path);
        Assert.That(back.Theta, Is.EqualTo(profile.Theta));
        Assert.That(back.Impact.Blocks["6"], Is.EqualTo(profile.Impact.Blocks["6"]));
    }
}
