using MixCacheOrt.Caching;
using MixCacheOrt.Evaluation;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Tests.Evaluation;

public sealed class StepModesTests
{
    [Test]
    public void LabelsDropTheBlockIndex()
    {
        Assert.Multiple(() =>
        {
            Assert.That(StepModes.Label(CacheDecision.Full), Is.EqualTo("full"));
            Assert.That(StepModes.Label(CacheDecision.ReuseStep), Is.EqualTo("step"));
            Assert.That(StepModes.Label(CacheDecision.ReuseCfg), Is.EqualTo("cfg"));
            Assert.That(StepModes.Label(CacheDecision.ReuseBlock(9)), Is.EqualTo("block"));
            Assert.That(StepModes.Label(CacheDecision.ReuseBranchBlock(3)), Is.EqualTo("branch_block"));
            Assert.That(StepModes.Label(CacheDecision.ReuseResidual), Is.EqualTo("residual"));
        });
    }

    [Test]
    public void CountGroupsBlocksAndKeepsReportOrder()
    {
        CacheDecision[] decisions = [CacheDecision.ReuseBlock(6), CacheDecision.Full, CacheDecision.ReuseStep, CacheDecision.ReuseBlock(9), CacheDecision.Full];
        StepTrace[] trace = [.. decisions.Select((d, i) => new StepTrace { Step = i, Timestep = 0, Decision = d, BlockEvaluations = 0, Elapsed = TimeSpan.Zero })];
        IReadOnlyDictionary<string, int> counts = StepModes.Count(trace);
        Assert.That(counts.Keys, Is.EqualTo(new[] { "full", "step", "block" }));
        Assert.That(counts.Values, Is.EqualTo(new[] { 2, 1, 2 }));
    }

    [Test]
    public void UnknownModesFollowTheKnownOnesAlphabetically()
    {
        Assert.That(StepModes.Order(["zeta", "cfg", "alpha", "full", "cfg"]), Is.EqualTo(new[] { "full", "cfg", "alpha", "zeta" }));
    }
}
