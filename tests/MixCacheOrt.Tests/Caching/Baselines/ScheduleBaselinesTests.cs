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
    public void FasterCacheWeighsTheBandsOfTheDeltaAndCompoundsTheFactors()
    {
        // uncond = cond + ΔLF·a + ΔHF·b = cond + Δ·b + ΔLF·(a − b): the policy returns (b, a − b).
        var policy = new FasterCachePolicy("fastercache", new FasterCacheOptions());
        policy.Reset(10, 12);
        policy.SetTimesteps([999, 900, 500, 250, 250, 250, 250, 250, 250, 250]);
        Assert.That(policy.EstimateCfgDelta(3), Is.Null, "no full step yet");
        policy.Observe(Full(0));

        // t = 250 is inside both update ranges ((99, 901) low, (-1, 301) high): both bands × 1.1, then × 1.21
        Assert.That(policy.EstimateCfgDelta(3), Is.EqualTo(new CfgDeltaWeights(1.1f, 0f)));
        CfgDeltaWeights second = policy.EstimateCfgDelta(4)!.Value;
        Assert.That(second.Full, Is.EqualTo(1.21f).Within(1e-6));
        Assert.That(second.LowBand, Is.EqualTo(0f).Within(1e-6));

        // a new full step refreshes the deltas; t = 500 scales only the low band: Δ·1 + ΔLF·0.1
        policy.Observe(Full(5));
        CfgDeltaWeights low = policy.EstimateCfgDelta(2)!.Value;
        Assert.That(low.Full, Is.EqualTo(1f));
        Assert.That(low.LowBand, Is.EqualTo(0.1f).Within(1e-6));
    }

    private static StepObservation Full(int step) =>
        new(step, CacheDecision.Full, [1f], null, [1f], [2f], NoBlocks.Instance, []);

    private sealed class NoBlocks : IBlockOutputReader
    {
        public static readonly NoBlocks Instance = new();

        public IReadOnlyList<int> Computed => [];

        public ReadOnlySpan<float> Current(int block) => [];

        public ReadOnlySpan<float> Previous(int block) => [];

        public double Distance(int block) => double.NaN;
    }
}
