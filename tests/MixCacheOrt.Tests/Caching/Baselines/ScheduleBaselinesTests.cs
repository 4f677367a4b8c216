using MixCacheOrt.Caching;
using MixCacheOrt.Caching.Baselines;

namespace MixCacheOrt.Tests.Caching.Baselines;

/// <summary>The fixed schedules of BlockDance, PAB and FasterCache against hand-worked step lists.</summary>
public sealed class ScheduleBaselinesTests
{
    private static readonly CacheAvailability Ready = new(true, true, new HashSet<int> { 6 }, HasResidual: true);

    [Test]
    public void BlockDanceWarmsUpFortyPercentThenReusesEverySecondStepUntilNinetyFivePercent()
    {
        // 50 steps: window [20, 48) (0.95 · 50 = 47.5 rounds to 48); groups of 2 start at 20, 22, ... 46
        int[] reuse = [.. Enumerable.Range(0, 50).Where(k => BlockDanceDecisions.Reuses(k, 50, new BlockDanceOptions()))];
        Assert.That(reuse, Is.EqualTo(new[] { 21, 23, 25, 27, 29, 31, 33, 35, 37, 39, 41, 43, 45, 47 }));
        int[] groupsOf4 = [.. Enumerable.Range(0, 50).Where(k => BlockDanceDecisions.Reuses(k, 50, new BlockDanceOptions { GroupSize = 4 }))];
        Assert.That(groupsOf4.Take(6), Is.EqualTo(new[] { 21, 22, 23, 25, 26, 27 }));
    }

    [Test]
    public void BlockDanceResumesBothBranchesFromHalfDepth()
    {
        var policy = new BlockDancePolicy("blockdance", new BlockDanceOptions(), blockCount: 12);
        policy.Reset(50, 12);
        Assert.That(policy.BlockCandidates, Is.EquivalentTo(new[] { 6 }));
        Assert.That(policy.Needs, Is.EqualTo(CacheNeeds.BranchBlocks));
        Assert.That(policy.Decide(21, Ready), Is.EqualTo(CacheDecision.ReuseBranchBlock(6)));
        Assert.That(policy.Decide(20, Ready), Is.EqualTo(CacheDecision.Full));
        Assert.Throws<ArgumentException>(() => new BlockDancePolicy("b", new BlockDanceOptions { Block = 11 }, 12));
    }

    [Test]
    public void PabBroadcastsEverySecondIterationStrictlyInsideItsTimestepRange()
    {
        var o = new PabOptions();
        Assert.That(PabDecisions.Broadcasts(0, 500, o), Is.False, "iteration 0 always computes");
        Assert.That(PabDecisions.Broadcasts(1, 500, o), Is.True);
        Assert.That(PabDecisions.Broadcasts(2, 500, o), Is.False);
        Assert.That(PabDecisions.Broadcasts(3, 800, o), Is.False, "the range is open");
        Assert.That(PabDecisions.Broadcasts(3, 100, o), Is.False);
        Assert.That(PabDecisions.Broadcasts(3, 799, o), Is.True);
    }

    [Test]
    public void FasterCacheSkipsTheUnconditionalPassFourStepsOutOfFiveBelowT641()
    {
        var o = new FasterCacheOptions();
        bool[] skips = [.. Enumerable.Range(0, 12).Select(k => FasterCacheDecisions.SkipsUnconditional(k, 600, o))];
        Assert.That(skips, Is.EqualTo(new[] { false, true, true, true, true, false, true, true, true, true, false, true }));
        Assert.That(FasterCacheDecisions.SkipsUnconditional(3, 641, o), Is.False);
    }

    [Test]
    public void FasterCacheScalesTheFrequencyBandsOfTheDeltaAndCompoundsTheFactors()
    {
        // latent [1, 1, 8, 8]; Δ = uncond − cond = constant 1 (low band) + checkerboard 0.5 (high band)
        var policy = new FasterCachePolicy("fastercache", new FasterCacheOptions(), [1, 1, 8, 8]);
        policy.Reset(10, 12);
        policy.SetTimesteps([999, 900, 500, 250, 250, 250, 250, 250, 250, 250]);
        float[] checker = [.. Enumerable.Range(0, 64).Select(i => ((i / 8) + (i % 8)) % 2 == 0 ? 0.5f : -0.5f)];
        float[] cond = [.. Enumerable.Range(0, 64).Select(i => i * 0.01f)];
        float[] uncond = [.. cond.Select((c, i) => c + 1f + checker[i])];
        policy.Observe(Full(0, cond, uncond));

        // t = 250 is inside both update ranges ((99, 901) low, (-1, 301) high): both bands × 1.1, then × 1.21
        float[] estimate = new float[64];
        Assert.That(policy.EstimateUnconditional(3, cond, estimate), Is.True);
        Assert.That(estimate, Is.EqualTo(cond.Select((c, i) => c + (1.1f * (1f + checker[i])))).Within(1e-5));
        policy.EstimateUnconditional(4, cond, estimate);
        Assert.That(estimate, Is.EqualTo(cond.Select((c, i) => c + (1.21f * (1f + checker[i])))).Within(1e-5));

        // a new full step refreshes the deltas; t = 500 scales only the low band
        policy.Observe(Full(5, cond, uncond));
        policy.EstimateUnconditional(2, cond, estimate);
        Assert.That(estimate, Is.EqualTo(cond.Select((c, i) => c + 1.1f + checker[i])).Within(1e-5));
    }

    private static StepObservation Full(int step, float[] cond, float[] uncond) =>
        new(step, CacheDecision.Full, cond, null, cond, uncond, NoBlocks.Instance, []);

    private sealed class NoBlocks : IBlockOutputReader
    {
        public static readonly NoBlocks Instance = new();

        public IReadOnlyCollection<int> Computed => [];

        public ReadOnlySpan<float> Current(int block) => [];

        public ReadOnlySpan<float> Previous(int block) => [];

        public double Distance(int block) => double.NaN;
    }
}
