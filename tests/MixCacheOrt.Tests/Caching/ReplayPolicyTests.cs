using System.Text.Json;
using MixCacheOrt.Caching;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Caching;

public sealed class ReplayPolicyTests : ShippedPipelineFixture
{
    private static readonly CacheDecision[] Every =
    [
        CacheDecision.Full, CacheDecision.ReuseStep, CacheDecision.ReuseCfg, CacheDecision.ReuseBlock(6), CacheDecision.ReuseResidual,
        CacheDecision.ReuseBranchBlock(4), CacheDecision.ReuseStep.Forecasting(), CacheDecision.ReuseCfg.Forecasting(),
        CacheDecision.ReuseBlock(9).Forecasting(), CacheDecision.ReuseResidual.Forecasting(),
    ];

    [Test]
    public void ParseReadsBackEveryTraceLabel()
    {
        Assert.That(Every.Select(d => ReplayPolicy.Parse(d.ToString())), Is.EqualTo(Every.Select(d => (CacheDecision?)d)));
        Assert.That(ReplayPolicy.Parse("middle_1"), Is.Null, "decided inside a pass by a block hook");
        Assert.That(ReplayPolicy.Parse("block_x"), Is.Null);
    }

    [Test]
    public void AReplayedScheduleRunsTheSameStepsAndGivesTheSameVideo()
    {
        var context = CachePolicyContext.For(this.Package);
        var request = new GenerationRequest { Prompt = "a yellow square moving down", Seed = 6, Steps = 50, SkipDecode = true };
        GenerationResult recorded = this.Pipeline.Generate(request, CachePolicyFactory.Create("mixcache:forecast=on", context));
        using var temp = new TempDirectory();
        string path = Path.Combine(temp.Path, "run.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { per_step = recorded.Trace.Select(s => new { mode = s.Decision.ToString() }) }));

        ICachePolicy replay = CachePolicyFactory.Create($"replay:{path}", context);
        GenerationResult replayed = this.Pipeline.Generate(request, replay);

        Assert.That(replay.Needs, Is.EqualTo(CacheNeeds.Forecast));
        Assert.That(replayed.Trace.Select(s => s.Decision), Is.EqualTo(recorded.Trace.Select(s => s.Decision)));
        Assert.That(replayed.Latent, Is.EqualTo(recorded.Latent));
        Assert.Throws<CacheSpecException>(() => this.Pipeline.Generate(request with { Steps = 30 }, CachePolicyFactory.Create($"replay:{path}", context)));
        Assert.That(CachePolicyFactory.Check("replay:/no/such/run.json").Error, Does.StartWith("replay: '/no/such/run.json' does not exist"));
    }
}
