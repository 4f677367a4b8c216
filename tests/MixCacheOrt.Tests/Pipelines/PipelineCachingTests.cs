using MixCacheOrt.Caching;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Pipelines;

/// <summary>The pipeline's execution of each cache mode, checked from what the policy observes, and flat memory over a batch.</summary>
public sealed class PipelineCachingTests : ShippedPipelineFixture
{
    private const float Guidance = 5f;
    private static readonly CacheDecision[] Script =
        [CacheDecision.Full, CacheDecision.ReuseStep, CacheDecision.ReuseCfg, CacheDecision.ReuseBlock(6), CacheDecision.Full];

    [Test]
    public void TransferCounters_OnlyScalarsCrossPerStep()
    {
        // A policy that reads nothing: only the pipeline's own traffic, worked by hand from the code. The noise went to
        // the device before step 0 and the latent comes back after the last step; per step, host → device: one
        // timestep float per batch row, the guidance scale (4 bytes) when a pass ran, the two Euler weights (8 bytes);
        // device → host: the finiteness check of the new latent (one float).
        var policy = new ScriptedCachePolicy([CacheDecision.Full, CacheDecision.ReuseStep, CacheDecision.ReuseCfg], new HashSet<int>(), record: false);

        GenerationResult r = this.Pipeline.Generate(new GenerationRequest { Prompt = "a red circle moving right", Seed = 1, Steps = 3, Guidance = Guidance }, policy);

        Assert.That(r.Trace.Select(s => s.HostToDeviceBytes), Is.EqualTo(new long[] { (2 * 4) + 4 + 8, 8, 4 + 4 + 8 }));
        Assert.That(r.Trace.Select(s => s.DeviceToHostBytes), Is.EqualTo(new long[] { 4, 4, 4 }));
    }

    [Test]
    public void TransferCounters_CountWhatThePolicyCopiesToTheHost()
    {
        // A policy that copies the step's tensors to the host pays for them: at the first step the guided output (one
        // latent), both branch outputs and the current output of blocks 3 and 6 (tokens x dim floats each), plus the
        // pipeline's finiteness check. Slicing the conditional row of each captured block sends two int64 (16 bytes).
        var policy = new ScriptedCachePolicy([CacheDecision.Full], new HashSet<int> { 3, 6 });
        int latent = this.Package.Manifest.Geometry.LatentElementCount;
        long block = (long)this.Package.Manifest.Geometry.Tokens * 128 * sizeof(float);

        GenerationResult r = this.Pipeline.Generate(new GenerationRequest { Prompt = "a red circle moving right", Seed = 1, Steps = 1, Guidance = Guidance }, policy);

        Assert.That(r.Trace[0].DeviceToHostBytes, Is.EqualTo((4L * latent) + (4L * 2 * latent) + (2 * block) + 4), "output, branches, blocks 3 and 6, check");
        Assert.That(r.Trace[0].HostToDeviceBytes, Is.EqualTo((2 * 4) + 4 + 8 + (2 * 16)));
        Assert.That(r.Trace[0].TensorBytes, Is.EqualTo((4L * latent) + (4L * 2 * latent) + (2 * block)), "the host views are tensors; the rest scalars");
    }

    [Test]
    public void MixCacheMovesOnlyScalarsBetweenHostAndDevice()
    {
        // Every distance MixCache reads (D_step, D_cfg, D_full, one per block candidate) is reduced where the tensors
        // live; the step math runs there too. So per step at most 4 + candidates floats come back (with the
        // finiteness check) and what goes up is timesteps, weights and slice bounds: nothing of a latent's size (8 KB).
        var policy = CachePolicyFactory.Create("mixcache-eff", CachePolicyContext.For(this.Package));
        int candidates = policy.BlockCandidates.Count;

        GenerationResult r = this.Pipeline.Generate(new GenerationRequest { Prompt = "a blue square moving up", Seed = 3, Steps = 50, Guidance = Guidance }, policy);

        Assert.That(r.Trace.Select(s => s.Decision.Mode).Distinct(), Is.SupersetOf(new[] { StepMode.Full, StepMode.StepReuse, StepMode.BlockReuse }));
        foreach (StepTrace s in r.Trace)
        {
            Assert.That(s.DeviceToHostBytes, Is.InRange(4, 4 * (4 + candidates)), $"step {s.Step} ({s.Decision})");
            Assert.That(s.HostToDeviceBytes, Is.InRange(8, (2 * 4) + 4 + 8 + (16 * candidates)), $"step {s.Step} ({s.Decision})");
            Assert.That(s.TensorBytes, Is.Zero, $"step {s.Step} ({s.Decision})");
        }
    }

    [TestCase("step")]
    [TestCase("cfg")]
    [TestCase("block")]
    [TestCase("residual")]
    [TestCase("branch_block")]
    [TestCase("forecast_step")]
    [TestCase("forecast_cfg")]
    [TestCase("forecast_block")]
    [TestCase("forecast_residual")]
    [TestCase("full")]
    public void EveryModeAllocatesNothingOnceItsBuffersAndBindingsExist(string mode)
    {
        // Three full steps, then one mode for 20 steps. The first steps allocate (buffers, bindings prepared when values
        // meet a second time); the last ten must allocate no managed memory at all. The policy allocates nothing.
        CacheDecision decision = mode switch
        {
            "step" => CacheDecision.ReuseStep,
            "cfg" => CacheDecision.ReuseCfg,
            "block" => CacheDecision.ReuseBlock(6),
            "residual" => CacheDecision.ReuseResidual,
            "branch_block" => CacheDecision.ReuseBranchBlock(6),
            "forecast_step" => CacheDecision.ReuseStep.Forecasting(),
            "forecast_cfg" => CacheDecision.ReuseCfg.Forecasting(),
            "forecast_block" => CacheDecision.ReuseBlock(6).Forecasting(),
            "forecast_residual" => CacheDecision.ReuseResidual.Forecasting(),
            _ => CacheDecision.Full,
        };
        CacheNeeds needs = CacheNeeds.Residual | CacheNeeds.Forecast | (mode == "branch_block" ? CacheNeeds.BranchBlocks : CacheNeeds.None);
        var policy = new ScriptedCachePolicy([CacheDecision.Full, CacheDecision.Full, CacheDecision.Full, .. Enumerable.Repeat(decision, 20)], new HashSet<int> { 6 }, needs, record: false);
        var request = new GenerationRequest { Prompt = "a red circle moving right", Seed = 1, Steps = 23, Guidance = Guidance, SkipDecode = true };

        long before = GC.GetAllocatedBytesForCurrentThread();
        GenerationResult r = this.Pipeline.Generate(request, policy);
        long total = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(r.Trace.Skip(3).Select(s => s.Decision.ToString()).Distinct(), Is.EqualTo(new[] { decision.ToString() }), "the mode ran");
        Assert.That(r.Trace.TakeLast(10).Select(s => s.AllocatedBytes), Is.All.Zero);
        Assert.That(r.Trace.Select(s => s.TensorBytes), Is.All.Zero, "no tensor crosses between host and device in any step");
        Assert.That(r.Trace.Sum(s => s.AllocatedBytes), Is.InRange(1, total), "the per-step counts are part of what the thread allocated");
    }

    [Test]
    public void MixCacheThresholdScale_IsASpeedDial()
    {
        // Larger thresholds end the warm-up sooner and lengthen intervals: full steps never increase with the scale.
        var context = CachePolicyContext.For(this.Package);
        int FullSteps(string spec) => this.Pipeline
            .Generate(new GenerationRequest { Prompt = "a blue square moving up", Seed = 3, Steps = 50, Guidance = Guidance }, CachePolicyFactory.Create(spec, context))
            .Trace.Count(s => s.Decision.Mode == StepMode.Full);

        int[] full = [FullSteps("mixcache:scale=0.5"), FullSteps("mixcache"), FullSteps("mixcache:scale=2")];

        Assert.That(full, Is.Ordered.Descending);
        Assert.That(full[0], Is.GreaterThan(full[2]), "the dial moves");
    }

    [Test]
    public void EachModeComputesWhatItShould()
    {
        var policy = new ScriptedCachePolicy(Script, new HashSet<int> { 3, 6, 9 });
        GenerationResult r = this.Pipeline.Generate(new GenerationRequest { Prompt = "a red circle moving right", Seed = 1, Steps = 5, Guidance = Guidance }, policy);
        int l = this.Package.Manifest.Blocks.Count;
        Assert.That(r.Trace.Select(s => s.BlockEvaluations), Is.EqualTo(new[] { 2 * l, 0, l, l - 7, 2 * l }));
        Assert.That(r.Trace.Select(s => s.Decision.ToString()), Is.EqualTo(new[] { "full", "step", "cfg", "block_6", "full" }));

        var o = policy.Observations;
        float[] delta = [.. o[0].Uncond.Zip(o[0].Cond, (u, c) => u - c)];

        // step reuse: the output is the previous output
        Assert.That(o[1].Output, Is.EqualTo(o[0].Output));
        Assert.That(o[1].Cond, Is.Empty);

        // cfg reuse: conditional pass only; uncond = cond + Δcfg(step 0); output = uncond + g (cond - uncond)
        Assert.That(o[2].Uncond, Is.Empty, "no real unconditional output on a cached step");
        float[] expected = [.. o[2].Cond.Select((c, i) => (c + delta[i]) + (Guidance * (c - (c + delta[i]))))];
        Assert.That(MaxAbs(o[2].Output, expected), Is.LessThan(1e-4));

        // block reuse: blocks 7.. ran for the conditional branch only, so block 9 is fresh and 3, 6 are not recomputed
        Assert.That(o[3].Blocks.Keys, Is.EquivalentTo(new[] { 9 }));
        Assert.That(o[3].Blocks[9].Previous, Is.EqualTo(o[2].Blocks[9].Current), "previous = the value cached at the last step that computed it");
        expected = [.. o[3].Cond.Select((c, i) => (c + delta[i]) + (Guidance * (c - (c + delta[i]))))];
        Assert.That(MaxAbs(o[3].Output, expected), Is.LessThan(1e-4));

        // full steps capture every candidate, conditional row only
        Assert.That(o[4].Blocks.Keys, Is.EquivalentTo(new[] { 3, 6, 9 }));
        Assert.That(o[4].Blocks[3].Current, Has.Length.EqualTo(this.Package.Manifest.Geometry.Tokens * 128));
        Assert.That(r.CacheBytesPeak, Is.GreaterThanOrEqualTo(3L * this.Package.Manifest.Geometry.Tokens * 128 * sizeof(float)));
        Assert.That(policy.Resets, Is.EqualTo(2), "reset before and after the generation");
    }

    [Test]
    public void InfeasibleDecisionsFallBackToFullSteps()
    {
        // nothing is cached before step 0: a cfg or block reuse there must run a full step, and give the same result
        var full = new ScriptedCachePolicy([CacheDecision.Full], new HashSet<int> { 6 });
        var eager = new ScriptedCachePolicy([CacheDecision.ReuseBlock(6)], new HashSet<int> { 6 });
        var request = new GenerationRequest { Prompt = "a blue square moving up", Seed = 2, Steps = 1 };
        GenerationResult a = this.Pipeline.Generate(request, full);
        GenerationResult b = this.Pipeline.Generate(request, eager);
        Assert.That(b.Trace[0].Decision, Is.EqualTo(CacheDecision.Full));
        Assert.That(b.Latent, Is.EqualTo(a.Latent));
        Assert.That(eager.Observations[0].Blocks[6].Current, Is.EqualTo(full.Observations[0].Blocks[6].Current));
    }

    [Test]
    public void TracePolicyRecordsTheRedundancyCurvesWithFullCompute()
    {
        var trace = new RedundancyTracePolicy([3, 6, 9]);
        var full = new ScriptedCachePolicy([CacheDecision.Full], new HashSet<int> { 3, 6, 9 });
        var request = new GenerationRequest { Prompt = "a red circle moving right", Seed = 4, Steps = 3 };
        GenerationResult traced = this.Pipeline.Generate(request, trace);
        GenerationResult plain = this.Pipeline.Generate(request, full);
        Assert.That(traced.Latent, Is.EqualTo(plain.Latent), "tracing does not change the computation");
        Assert.That(traced.Trace[0].Metrics.Keys, Is.EquivalentTo(new[] { "D_cfg" }), "step 0 has no previous step");
        Assert.That(traced.Trace[2].Metrics.Keys, Is.EquivalentTo(new[] { "D_step", "D_cfg", "D_block_3", "D_block_6", "D_block_9" }));

        // independent check of two of the values from what the scripted policy observed at step 2
        ScriptedCachePolicy.Observed o = full.Observations[2];
        double dCfg = o.Uncond.Zip(o.Cond, (u, c) => Math.Abs(u - c)).Sum() / o.Cond.Sum(c => Math.Abs(c));
        double dBlock = o.Blocks[6].Current.Zip(o.Blocks[6].Previous, (a, b) => Math.Abs(a - b)).Sum() / o.Blocks[6].Previous.Sum(Math.Abs);
        Assert.That(traced.Trace[2].Metrics["D_cfg"], Is.EqualTo(dCfg).Within(1e-4));
        Assert.That(traced.Trace[2].Metrics["D_block_6"], Is.EqualTo(dBlock).Within(1e-4));
    }

    [Test]
    public void MixCacheWithTheShippedProfileCachesAndIsDeterministic()
    {
        var context = new CachePolicyContext(this.Package.Manifest.Blocks.Count, this.Package.Manifest.Blocks.Candidates, this.Package.Directory);
        ICachePolicy policy = CachePolicyFactory.Create("mixcache-eff", context);
        var request = new GenerationRequest { Prompt = "a green square moving up slowly on a dark background", Seed = 42, Steps = 30 };
        GenerationResult a = this.Pipeline.Generate(request, policy);
        GenerationResult b = this.Pipeline.Generate(request, policy);
        int l = this.Package.Manifest.Blocks.Count;
        Assert.That(a.Trace.Count(s => s.Decision.Mode != StepMode.Full), Is.GreaterThan(0), "some steps are cached");
        Assert.That(a.Trace.Sum(s => s.BlockEvaluations), Is.LessThan(2 * l * 30));
        Assert.That(b.Trace.Select(s => s.Decision), Is.EqualTo(a.Trace.Select(s => s.Decision)), "same seed, same decisions");
        Assert.That(b.Latent, Is.EqualTo(a.Latent), "same seed, same output");
        Assert.That(a.Trace.Last().Metrics.Keys, Does.Contain("D_step").And.Contain("N"));
    }

    [Test]
    public void ResidentMemoryStaysFlatOverABatchOfCachedGenerations_GrowthUnder20MB()
    {
        var policy = new ScriptedCachePolicy(Script, new HashSet<int> { 3, 6, 9 });
        var request = new GenerationRequest { Prompt = "a green triangle moving left", Seed = 3, Steps = 5 };
        for (int i = 0; i < 5; i++)
        {
            this.Pipeline.Generate(request, policy);
        }

        ProcessMemory.Settle();
        long before = ProcessMemory.ResidentBytes();
        for (int i = 0; i < 60; i++)
        {
            this.Pipeline.Generate(request with { Seed = (ulong)i }, policy);
            policy.Observations.Clear();
        }

        ProcessMemory.Settle();
        long growth = ProcessMemory.ResidentBytes() - before;
        Assert.That(growth, Is.LessThan(20L << 20), $"RSS grew by {growth / 1048576.0:F1} MB over 60 generations");
    }

    private static double MaxAbs(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.That(a.Length, Is.EqualTo(b.Length));
        double m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            m = Math.Max(m, Math.Abs(a[i] - b[i]));
        }

        return m;
    }
}
