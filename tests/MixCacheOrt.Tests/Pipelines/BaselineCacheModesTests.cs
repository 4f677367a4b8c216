using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Pipelines;

/// <summary>The residual and per-branch block caches used by the baselines, on the shipped model.</summary>
public sealed class BaselineCacheModesTests : ShippedPipelineFixture
{
    [Test]
    public void ReusingTheResidualOfTheSamePassReproducesTheFullPass()
    {
        // Identity check of the residual path: pre(x) + (blocks(pre(x)) − pre(x)) → post equals the full pass.
        using var executor = new DenoiserExecutor(this.Package);
        var prompts = new PromptEncoder(this.Package);
        using var context = prompts.Encode(["a red circle moving right", string.Empty]);
        float[] latent = SeededNoise.Create(3, this.Package.Manifest.Geometry.LatentElementCount);
        using DenoiserOutput full = executor.Run(new DenoiserRequest { Latent = latent, Timestep = 700f, Context = context, Batch = 2, CaptureResidual = true });
        OrtValue residual = full.Residual!;
        using DenoiserOutput skipped = executor.Run(new DenoiserRequest { Latent = latent, Timestep = 700f, Context = context, Batch = 2, SkipBlocksResidual = residual });
        Assert.That(skipped.BlocksRun, Is.Zero);
        Assert.That(MaxAbs(skipped.Conditional, full.Conditional), Is.LessThan(1e-5));
        Assert.That(MaxAbs(skipped.Unconditional, full.Unconditional), Is.LessThan(1e-5));

        // at another timestep and latent, the reused residual no longer matches exactly (it is an approximation)
        float[] other = SeededNoise.Create(4, latent.Length);
        using DenoiserOutput moved = executor.Run(new DenoiserRequest { Latent = other, Timestep = 650f, Context = context, Batch = 2, SkipBlocksResidual = residual });
        using DenoiserOutput truth = executor.Run(new DenoiserRequest { Latent = other, Timestep = 650f, Context = context, Batch = 2 });
        Assert.That(MaxAbs(moved.Conditional, truth.Conditional), Is.GreaterThan(1e-3));
    }

    [Test]
    public void ResidualAndBranchBlockStepsRunWhatTheyShould()
    {
        var script = new[] { CacheDecision.Full, CacheDecision.ReuseResidual, CacheDecision.ReuseBranchBlock(6), CacheDecision.Full };
        var policy = new NeedsPolicy(script, CacheNeeds.Residual | CacheNeeds.BranchBlocks, new HashSet<int> { 6 });
        var request = new GenerationRequest { Prompt = "a green square moving up", Seed = 9, Steps = 4 };
        GenerationResult r = this.Pipeline.Generate(request, policy);
        int l = this.Package.Manifest.Blocks.Count;
        Assert.That(r.Trace.Select(s => s.Decision.ToString()), Is.EqualTo(new[] { "full", "residual", "branch_block_6", "full" }));
        Assert.That(r.Trace.Select(s => s.BlockEvaluations), Is.EqualTo(new[] { 2 * l, 0, 2 * (l - 7), 2 * l }));
        Assert.That(r.CacheBytesPeak, Is.GreaterThanOrEqualTo(2L * 2 * this.Package.Manifest.Geometry.Tokens * 128 * sizeof(float)),
            "a two-branch residual and a two-branch block output are held");

        // without the needs declared nothing is cached for these modes, so they fall back to full steps
        var plain = new NeedsPolicy(script, CacheNeeds.None, new HashSet<int> { 6 });
        GenerationResult fallback = this.Pipeline.Generate(request, plain);
        Assert.That(fallback.Trace.Select(s => s.Decision.Mode), Is.All.EqualTo(StepMode.Full));
        Assert.That(r.Latent, Is.Not.EqualTo(fallback.Latent));
    }

    [TestCase("teacache-0.1")]
    [TestCase("pab")]
    [TestCase("blockdance")]
    [TestCase("fastercache")]
    [TestCase("magcache")]
    public void BaselinePoliciesCacheSomeStepsAndAreDeterministic(string name)
    {
        var context = CachePolicyContext.For(this.Package);
        var request = new GenerationRequest { Prompt = "a blue circle moving down slowly", Seed = 42, Steps = 30, SkipDecode = true };
        GenerationResult a = this.Pipeline.Generate(request, CachePolicyFactory.Create(name, context));
        GenerationResult b = this.Pipeline.Generate(request, CachePolicyFactory.Create(name, context));
        Assert.That(a.Trace.Count(s => s.Decision.Mode != StepMode.Full), Is.GreaterThan(0));
        Assert.That(a.Trace.Select(s => s.Decision), Is.EqualTo(b.Trace.Select(s => s.Decision)));
        Assert.That(a.Latent, Is.EqualTo(b.Latent));
    }

    private static double MaxAbs(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            m = Math.Max(m, Math.Abs(a[i] - b[i]));
        }

        return m;
    }

    private sealed class NeedsPolicy(IReadOnlyList<CacheDecision> script, CacheNeeds needs, IReadOnlySet<int> candidates) : ICachePolicy
    {
        public string Name => "scripted-needs";

        public IReadOnlySet<int> BlockCandidates => candidates;

        public CacheNeeds Needs => needs;

        public void Reset(int steps, int blockCount)
        {
        }

        public CacheDecision Decide(int step, CacheAvailability cache) => script[step];

        public void Observe(StepObservation observation)
        {
        }
    }
}
