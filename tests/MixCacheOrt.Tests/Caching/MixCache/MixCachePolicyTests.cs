using MixCacheOrt.Caching;
using MixCacheOrt.Caching.MixCache;

namespace MixCacheOrt.Tests.Caching.MixCache;

/// <summary>
/// MixCache's decisions driven by a fake denoiser whose distances are scripted: outputs are positive constants, so
/// each relative L1 distance is exactly the scripted value.
/// </summary>
public sealed class MixCachePolicyTests
{
    private static MixCacheProfile Profile(double stepImpact = 1, double cfgImpact = 10, double blockImpact = 1) => new()
    {
        Theta = 0.1,
        Delta1 = 0.05,
        Delta2 = 0.1,
        Steps = 50,
        Impact = new ImpactTable
        {
            Step = stepImpact,
            Cfg = cfgImpact,
            Blocks = new() { ["3"] = Enumerable.Repeat(blockImpact, 50).ToArray(), ["6"] = Enumerable.Repeat(blockImpact, 50).ToArray() },
        },
    };

    /// <summary>Plays the pipeline's role for <paramref name="steps"/> steps and returns the decisions.</summary>
    private static List<CacheDecision> Drive(ICachePolicy policy, int steps, Func<int, double> stepDistance, double cfgDistance = 0.2,
        Func<int, double>? blockDistance = null, List<Dictionary<string, double>>? metrics = null, float cachedError = 1f, Func<CacheDecision, TimeSpan>? compute = null)
    {
        blockDistance ??= _ => 0.5;
        policy.Reset(steps, 12);
        var decisions = new List<CacheDecision>();
        float[]? previous = null;
        float[]? lastFull = null;
        float level = 1f;
        var blockLevels = new Dictionary<int, float>();
        for (int k = 0; k < steps; k++)
        {
            CacheDecision d = policy.Decide(k, new CacheAvailability(previous is not null, k > 0, new HashSet<int> { 3, 6 }));
            decisions.Add(d);
            float[]? cond = null, uncond = null;
            var reader = new FakeBlocks();
            if (d.Mode == StepMode.Full)
            {
                level = previous is null ? 1f : level * (1f + (float)stepDistance(k));
                cond = [level, level];
                uncond = [level * (1f + (float)cfgDistance), level * (1f + (float)cfgDistance)];
                foreach (int b in policy.BlockCandidates)
                {
                    float old = blockLevels.GetValueOrDefault(b, 0f);
                    float now = old == 0f ? 1f : old * (1f + (float)blockDistance(k));
                    reader.Set(b, [now], old == 0f ? [] : [old]);
                    blockLevels[b] = now;
                }
            }

            float[] output = d.Mode == StepMode.StepReuse ? previous! : d.Mode == StepMode.Full ? [level, level] : [level * cachedError, level * cachedError];
            var m = new Dictionary<string, double>();
            policy.Observe(new StepObservation(k, d, output, previous, cond, uncond, reader, m, lastFullOutput: lastFull, compute: compute?.Invoke(d) ?? TimeSpan.Zero));
            metrics?.Add(m);
            previous = output;
            lastFull = d.Mode == StepMode.Full ? output : lastFull;
        }

        return decisions;
    }

    [Test]
    public void WarnsOnlyWhenTheRunHasAnotherStepCountThanTheProfile()
    {
        var policy = new MixCachePolicy("t", Profile(), MixCacheOptions.Efficiency, [3, 6]);
        Assert.Multiple(() =>
        {
            Assert.That(policy.StepCountWarning(50), Is.Null, "the profile's own step count");
            Assert.That(policy.StepCountWarning(30), Does.Contain("50 steps").And.Contain("has 30").And.Contain("mixcache profile --steps 30"));
        });
    }

    [Test]
    public void WarmUpLastsUntilTheStepDistanceFallsBelowTheta()
    {
        var policy = new MixCachePolicy("t", Profile(), MixCacheOptions.PaperEfficiency, [3, 6]);
        double[] d = [1, 0.5, 0.3, 0.2, 0.15, 0.09, 0.09, 0.09, 0.09, 0.09];
        List<CacheDecision> decisions = Drive(policy, 10, k => d[k]);
        // D_step is measured at step 5 (0.09 < 0.1): steps 0..5 are full, caching starts at step 6
        Assert.That(decisions.Take(6), Is.All.EqualTo(CacheDecision.Full));
        Assert.That(decisions[6].Mode, Is.Not.EqualTo(StepMode.Full));
    }

    [TestCase(0.01, 5)] // D_full < delta1: N = 5 (eff), four cached steps between full steps
    [TestCase(0.07, 4)]
    [TestCase(0.5, 3)]
    public void IntervalScalesWithTheDistanceBetweenFullSteps(double fullDistance, int expectedN)
    {
        var policy = new MixCachePolicy("t", Profile(), MixCacheOptions.PaperEfficiency, [3, 6]);
        // warm-up ends at step 1; the first interval is the middle one (4); afterwards every full step
        // sees D_full = the scripted value (the fake scales its level once per full step)
        List<CacheDecision> decisions = Drive(policy, 40, k => k <= 1 ? 0.05 : fullDistance);
        int[] fullSteps = [.. decisions.Select((d, i) => (d, i)).Where(x => x.d.Mode == StepMode.Full).Select(x => x.i)];
        int[] gaps = [.. fullSteps.Zip(fullSteps.Skip(1), (a, b) => b - a)];
        Assert.That(gaps[1], Is.EqualTo(4), "first interval after warm-up is the middle value");
        Assert.That(gaps.Skip(2), Is.All.EqualTo(expectedN));
    }

    [Test]
    public void GreedyChoiceMinimisesDistanceTimesImpactAndThePenaltyForbidsRepeats()
    {
        // D_step = 0.05 (I 1 -> P .05), D_cfg = 0.2 (I 10 -> P 2), D_block = 0.01 (I 1 -> P .01): block wins, then step
        var policy = new MixCachePolicy("t", Profile(), MixCacheOptions.PaperEfficiency with { FixedInterval = 5 }, [3, 6]);
        List<CacheDecision> decisions = Drive(policy, 12, _ => 0.05, blockDistance: _ => 0.01);
        Assert.That(decisions.Take(6).Select(d => d.ToString()), Is.EqualTo(new[] { "full", "full", "block_6", "step", "block_6", "step" }));
    }

    [Test]
    public void WithoutPenaltyTheBestModeRepeats()
    {
        var policy = new MixCachePolicy("t", Profile(), MixCacheOptions.PaperEfficiency with { FixedInterval = 5, Penalty = false }, [3, 6]);
        List<CacheDecision> decisions = Drive(policy, 7, _ => 0.05, blockDistance: _ => 0.01);
        Assert.That(decisions.Skip(2).Take(4), Is.All.EqualTo(CacheDecision.ReuseBlock(6)));
    }

    [TestCase(CacheGranularities.Step, StepMode.StepReuse)]
    [TestCase(CacheGranularities.Cfg, StepMode.CfgReuse)]
    [TestCase(CacheGranularities.Block, StepMode.BlockReuse)]
    public void SingleGranularityAblationsUseOnlyTheirMode(CacheGranularities only, StepMode mode)
    {
        var policy = new MixCachePolicy("t", Profile(), MixCacheOptions.PaperEfficiency with { Granularities = only, Penalty = false }, [3, 6]);
        List<CacheDecision> decisions = Drive(policy, 20, _ => 0.05);
        StepMode[] cached = [.. decisions.Where(d => d.Mode != StepMode.Full).Select(d => d.Mode)];
        Assert.That(cached, Is.Not.Empty);
        Assert.That(cached, Is.All.EqualTo(mode));
        Assert.That(policy.BlockCandidates, only == CacheGranularities.Block ? Is.Not.Empty : Is.Empty);
    }

    [Test]
    public void SameInputsGiveTheSameTraceAndMetricsAreRecorded()
    {
        var metrics = new List<Dictionary<string, double>>();
        var policy = new MixCachePolicy("t", Profile(), MixCacheOptions.PaperAccuracy, [3, 6]);
        List<CacheDecision> a = Drive(policy, 30, k => 0.2 / (k + 1), metrics: metrics);
        List<CacheDecision> b = Drive(policy, 30, k => 0.2 / (k + 1));
        Assert.That(b, Is.EqualTo(a));
        Assert.That(metrics[^1].Keys, Does.Contain("D_step").And.Contain("D_cfg").And.Contain("D_block_6").And.Contain("P_step").And.Contain("N"));
        Assert.That(metrics[^1]["D_cfg"], Is.EqualTo(0.2).Within(1e-6));
    }

    [Test]
    public void StepDistanceAfterCachedStepsIgnoresTheCacheError()
    {
        // cached steps output 1.5x the real level (a bad approximation); D_step at the next full step must still be
        // the real per-step distance (0.05 per full step, spread over the gap), not the distance to the cached output
        var metrics = new List<Dictionary<string, double>>();
        var policy = new MixCachePolicy("t", Profile(), MixCacheOptions.PaperEfficiency with { FixedInterval = 4, Granularities = CacheGranularities.Cfg, StepDistanceFromLastFull = true }, [3, 6]);
        List<CacheDecision> decisions = Drive(policy, 12, _ => 0.05, metrics: metrics, cachedError: 1.5f);
        int fullAfterCache = Enumerable.Range(1, 11).First(k => decisions[k].Mode == StepMode.Full && decisions[k - 1].Mode != StepMode.Full);
        int previousFull = Enumerable.Range(0, fullAfterCache).Last(k => decisions[k].Mode == StepMode.Full);
        Assert.That(metrics[fullAfterCache]["D_step"], Is.EqualTo(0.05 / (fullAfterCache - previousFull)).Within(1e-6));
    }

    [TestCase(false, 3)]
    [TestCase(true, 5)]
    public void PerStepFullDistanceIsComparedWithTheThresholdsOnTheirScale(bool perStep, int expectedInterval)
    {
        // each full step moves the output by 12%: as written D_full = 0.12 >= delta2 (0.1) -> N = 3 (eff);
        // per step over the first interval of 4 it is 0.03 < delta1 (0.05) -> N = 5
        var metrics = new List<Dictionary<string, double>>();
        var policy = new MixCachePolicy("t", Profile(), MixCacheOptions.PaperEfficiency with { PerStepFullDistance = perStep }, [3, 6]);
        Drive(policy, 20, k => k < 3 ? 0.09 : 0.12, metrics: metrics);
        Dictionary<string, double> firstFull = metrics.First(m => m.ContainsKey("D_full"));
        Assert.That(firstFull["D_full"], Is.EqualTo(perStep ? 0.03 : 0.12).Within(1e-6));
        Assert.That(firstFull["N"], Is.EqualTo(expectedInterval));
    }

    [Test]
    public void ProfiledWarmupFloorKeepsAnEarlySmallStepDistanceFromEndingTheWarmUp()
    {
        // profiled mean D_step: rises to its peak at index 2 (measured at step 3) -> floor = step 4
        MixCacheProfile profile = Profile() with
        {
            Curves = new() { ["D_step"] = [0.2, 0.3, 0.5, 0.2, 0.08, 0.07, 0.07, 0.07, 0.07, 0.07] },
            Steps = 11,
        };
        Assert.That(profile.WarmupFloor(), Is.EqualTo(4));

        // this run's D_step is already small at step 1 (0.05 < theta): as written, caching starts at step 2
        Func<int, double> early = _ => 0.05;
        List<CacheDecision> paper = Drive(new MixCachePolicy("t", profile, MixCacheOptions.PaperEfficiency, [3, 6]), 11, early);
        List<CacheDecision> floored = Drive(new MixCachePolicy("t", profile, MixCacheOptions.PaperEfficiency with { ProfiledWarmupFloor = true }, [3, 6]), 11, early);
        Assert.That(paper.FindIndex(d => d.Mode != StepMode.Full), Is.EqualTo(2));
        Assert.That(floored.FindIndex(d => d.Mode != StepMode.Full), Is.EqualTo(5), "the trigger fires at step 4, caching from step 5");
    }

    [Test]
    public void AgeScaledStepScoreGrowsWithEachConsecutiveReuse()
    {
        var metrics = new List<Dictionary<string, double>>();
        var options = MixCacheOptions.PaperEfficiency with { FixedInterval = 4, Granularities = CacheGranularities.Step, Penalty = false, AgeScaled = true };
        List<CacheDecision> d = Drive(new MixCachePolicy("t", Profile(), options, [3, 6]), 12, _ => 0.05, metrics: metrics);
        int full = Enumerable.Range(2, 8).First(k => d[k].Mode == StepMode.Full && d[k + 1].Mode == StepMode.StepReuse && d[k + 2].Mode == StepMode.StepReuse);
        double p0 = metrics[full]["P_step"], p1 = metrics[full + 1]["P_step"], p2 = metrics[full + 2]["P_step"];
        Assert.That(p1 / p0, Is.EqualTo(2).Within(1e-9), "after one reuse the reused output is two steps old");
        Assert.That(p2 / p0, Is.EqualTo(3).Within(1e-9));
        Assert.That(d.Skip(full + 1).Take(3).Select(x => x.Mode), Is.All.EqualTo(StepMode.StepReuse), "no hard penalty: the step cache may repeat");
    }

    [Test]
    public void CostAwareScoresDivideByTheSavedShareOfTheStep()
    {
        Assert.That(new ModeScore(CacheDecision.ReuseCfg, 0.2, 3, 0.5).Score, Is.EqualTo(1.2).Within(1e-12));
        var plain = new List<Dictionary<string, double>>();
        var cost = new List<Dictionary<string, double>>();
        Drive(new MixCachePolicy("t", Profile(), MixCacheOptions.PaperEfficiency, [3, 6]), 12, _ => 0.05, metrics: plain);
        Drive(new MixCachePolicy("t", Profile(), MixCacheOptions.PaperEfficiency with { CostAware = true }, [3, 6]), 12, _ => 0.05, metrics: cost);
        int k = plain.FindIndex(m => m.ContainsKey("P_cfg"));
        Assert.That(cost[k]["P_cfg"], Is.EqualTo(2 * plain[k]["P_cfg"]).Within(1e-9), "cfg saves half of a full step");
        Assert.That(cost[k]["P_step"], Is.EqualTo(plain[k]["P_step"]).Within(1e-9), "step saves all of it");

        // block 6 of 12 skips blocks 0..6 for the conditional branch: saves 1 - 5/24 of the block evaluations
        Assert.That(cost[k]["P_block_6"], Is.EqualTo(plain[k]["P_block_6"] / (1 - (5.0 / 24))).Within(1e-9));
    }

    [Test]
    public void MeasuredCostsTakeTheSavedShareFromTheStepTimesOnceAModeHasRun()
    {
        // Full steps take 10 ms, block steps 2 ms: a block step saves 1 − 2/10 = 0.8 of a full step, where the block
        // count says 1 − (11 − b)/24 for block b of 12. Until the first block step both give the same scores.
        static TimeSpan Compute(CacheDecision d) => TimeSpan.FromMilliseconds(d.Mode == StepMode.Full ? 10 : d.Mode == StepMode.BlockReuse ? 2 : 0);
        var counted = new List<Dictionary<string, double>>();
        var measured = new List<Dictionary<string, double>>();
        List<CacheDecision> d = Drive(new MixCachePolicy("t", Profile(), MixCacheOptions.PaperEfficiency with { CostAware = true }, [3, 6]), 30, _ => 0.05,
            blockDistance: _ => 0.01, metrics: counted, compute: Compute);
        Drive(new MixCachePolicy("t", Profile(), MixCacheOptions.PaperEfficiency with { CostAware = true, MeasuredCosts = true }, [3, 6]), 30, _ => 0.05,
            blockDistance: _ => 0.01, metrics: measured, compute: Compute);
        int k = d.FindIndex(x => x.Mode == StepMode.BlockReuse);
        Assert.That(k, Is.GreaterThan(0), "a block step ran");
        int b = d[k].Block;
        Assert.That(measured[k - 1][$"P_block_{b}"], Is.EqualTo(counted[k - 1][$"P_block_{b}"]).Within(1e-12), "no block step measured yet");
        double countedShare = 1 - ((11 - b) / 24.0);
        Assert.That(measured[k][$"P_block_{b}"] / counted[k][$"P_block_{b}"], Is.EqualTo(countedShare / 0.8).Within(1e-9));
    }

    [Test]
    public void RefinedPresetsDifferFromThePaperOnlyInTheirRefinements()
    {
        Assert.That(MixCacheOptions.Efficiency with { StepDistanceFromLastFull = false, PerStepFullDistance = false, ProfiledWarmupFloor = false, AgeScaled = false, CostAware = false, Penalty = true },
            Is.EqualTo(MixCacheOptions.PaperEfficiency));
        Assert.That(MixCacheOptions.Accuracy.Intervals, Is.EqualTo(IntervalPreset.Accuracy));
    }

    [Test]
    public void ChooseIsPureAndSkipsUnknownDistances()
    {
        ModeScore[] scores =
        [
            new(CacheDecision.ReuseStep, double.NaN, 1),
            new(CacheDecision.ReuseCfg, 0.3, 1),
            new(CacheDecision.ReuseBlock(6), 0.1, 5),
        ];
        Assert.That(MixCacheDecisions.Choose(scores, CacheGranularities.All, null, true), Is.EqualTo(CacheDecision.ReuseCfg));
        Assert.That(MixCacheDecisions.Choose(scores, CacheGranularities.All, StepMode.CfgReuse, true), Is.EqualTo(CacheDecision.ReuseBlock(6)));
        Assert.That(MixCacheDecisions.Choose(scores, CacheGranularities.Step, null, true), Is.Null);
        Assert.That(MixCacheDecisions.ScaleInterval(0.05, 0.05, 0.1, IntervalPreset.Accuracy), Is.EqualTo(3), "delta1 itself is the middle band");
    }

    [TestCase(10, 40, 0.0, 4)] // budget 50/2.5 = 20, 10 left over 40 steps: 0.25 per step → N = 1/0.25
    [TestCase(10, 40, 0.1, 6)] // (1 − 0.1) / (0.25 − 0.1) = 6
    [TestCase(5, 30, 0.0, 2)] // 15 left over 30 steps: 0.5 per step → N = 2
    [TestCase(2, 10, 0.0, 1)] // 18 left over 10 steps: every step can be full
    [TestCase(19, 30, 0.25, 10)] // 1/30 per step is below a cached step's cost: the largest interval
    public void BudgetIntervalSpreadsTheComputeLeftOverTheStepsLeft(double spent, int stepsLeft, double cachedCost, int expected) =>
        Assert.That(MixCacheDecisions.BudgetInterval(spent, stepsLeft, 50, 2.5, cachedCost, 10), Is.EqualTo(expected));

    [TestCase(2.5, 0.1, 10, 12)] // q = 0.1 + 0.9/10 = 0.19; W = (20 − 50·0.19) / 0.81 = 12.96
    [TestCase(2.0, 0.0, 5, 18)] // q = 0.2; W = (25 − 10) / 0.8 = 18.75
    [TestCase(4.0, 0.25, 10, 1)] // q = 0.325; (12.5 − 16.25) / 0.675 < 0: at least 1
    public void LatestWarmupEndLeavesTheLargestIntervalJustEnough(double target, double cachedCost, int maxInterval, int expected) =>
        Assert.That(MixCacheDecisions.LatestWarmupEnd(50, target, cachedCost, maxInterval), Is.EqualTo(expected));

    [TestCase(2.0)]
    [TestCase(2.5)]
    [TestCase(3.0)]
    public void BudgetModeSpendsTheTargetsComputeWhateverTheDistances(double target)
    {
        // Distances that keep the warm-up from ending on its own (D_step above θ) and ones that end it at once: either
        // way the run spends about 50 / target full steps. Costs worked by hand: full 1, cfg 1/2, block b (11 − b)/24.
        foreach (Func<int, double> distance in new Func<int, double>[] { _ => 0.5, _ => 0.01 })
        {
            var policy = new MixCachePolicy("t", Profile(), MixCacheOptions.Efficiency with { TargetSpeedup = target }, [3, 6]);
            List<CacheDecision> decisions = Drive(policy, 50, distance);
            double spent = decisions.Sum(d => d.Mode switch
            {
                StepMode.Full => 1,
                StepMode.CfgReuse => 0.5,
                StepMode.BlockReuse => (11 - d.Block) / 24.0,
                _ => 0,
            });
            Assert.That(50 / spent, Is.EqualTo(target).Within(0.1 * target), $"ideal speedup {50 / spent:F2}");
        }
    }

    [Test]
    public void LayoutGuardComputesEveryStepWhileTheStepDistanceStaysAboveTwiceTheta()
    {
        // Caching starts early (D_step 0.01 < θ = 0.1); steps 20-29 change the output fast (D_step = 2 per step of gap at
        // every full step, far above 2θ); from step 30 it is calm again.
        double D(int k) => k is >= 20 and < 30 ? 2 : 0.01;
        List<CacheDecision> plain = Drive(new MixCachePolicy("t", Profile(), MixCacheOptions.Efficiency, [3, 6]), 45, D);
        List<CacheDecision> guarded = Drive(new MixCachePolicy("t", Profile(), MixCacheOptions.Efficiency with { LayoutGuard = true }, [3, 6]), 45, D);

        int firstFullInStorm = guarded.FindIndex(20, d => d.Mode == StepMode.Full);
        Assert.That(guarded.Skip(firstFullInStorm + 1).Take(30 - firstFullInStorm - 1), Is.All.EqualTo(CacheDecision.Full), "full while the layout moves");
        Assert.That(guarded.Skip(32).Where(d => d.Mode != StepMode.Full), Is.Not.Empty, "caching resumes when it is calm");
        Assert.That(plain.Skip(21).Take(9).Where(d => d.Mode != StepMode.Full), Is.Not.Empty, "without the guard the storm is cached");
        Assert.That(guarded.Take(firstFullInStorm + 1), Is.EqualTo(plain.Take(firstFullInStorm + 1)), "the same until the guard fires");
    }

    [Test]
    public void ResidualStepsReuseTheBlockStackInsteadOfTheWholeOutput()
    {
        MixCacheOptions options = MixCacheOptions.Efficiency with { Granularities = CacheGranularities.Step };
        List<CacheDecision> plain = Drive(new MixCachePolicy("t", Profile(), options, [3, 6]), 30, k => k < 10 ? 0.5 : 0.01);
        var policy = new MixCachePolicy("t", Profile(), options with { ResidualSteps = true }, [3, 6]);
        List<CacheDecision> residual = Drive(policy, 30, k => k < 10 ? 0.5 : 0.01);

        Assert.That(policy.Needs, Is.EqualTo(CacheNeeds.Residual | CacheNeeds.LastFullOutput));
        Assert.That(plain.Where(d => d.Mode != StepMode.Full), Is.Not.Empty.And.All.EqualTo(CacheDecision.ReuseStep));
        Assert.That(residual.Select(d => d.Mode == StepMode.Full), Is.EqualTo(plain.Select(d => d.Mode == StepMode.Full)), "the same schedule");
        Assert.That(residual.Where(d => d.Mode != StepMode.Full), Is.All.EqualTo(CacheDecision.ReuseResidual));
    }

    [Test]
    public void ForecastingMixCacheForecastsEveryCachedMode()
    {
        var policy = new MixCachePolicy("t", Profile(), MixCacheOptions.Efficiency with { Forecast = true }, [3, 6]);
        List<CacheDecision> decisions = Drive(policy, 30, k => k < 10 ? 0.5 : 0.01);
        Assert.That(policy.Needs, Is.EqualTo(CacheNeeds.Forecast | CacheNeeds.LastFullOutput));
        Assert.That(decisions.Where(d => d.Mode != StepMode.Full), Is.Not.Empty.And.All.Matches<CacheDecision>(d => d.Forecast));
        Assert.That(decisions.Where(d => d.Mode == StepMode.Full), Is.All.Matches<CacheDecision>(d => !d.Forecast));
    }

    private sealed class FakeBlocks : IBlockOutputReader
    {
        private readonly Dictionary<int, (float[] Current, float[] Previous)> values = [];

        public IReadOnlyList<int> Computed => [.. this.values.Keys];

        public void Set(int block, float[] current, float[] previous) => this.values[block] = (current, previous);

        public ReadOnlySpan<float> Current(int block) => this.values[block].Current;

        public ReadOnlySpan<float> Previous(int block) => this.values[block].Previous;

        public double Distance(int block) =>
            this.values[block].Previous.Length == 0 ? double.NaN : MixCacheOrt.Metrics.RelativeL1.Distance(this.values[block].Current, this.values[block].Previous);
    }
}
