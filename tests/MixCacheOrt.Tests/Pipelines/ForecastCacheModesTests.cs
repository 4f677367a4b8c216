using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;
using MixCacheOrt.Ort;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Schedulers;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Pipelines;

/// <summary>
/// Decisions with <see cref="CacheDecision.Forecast"/> on the shipped model, each checked against the first-order rule
/// worked from what the policy observed (and, where the forecast feeds the model, an executor pass run by hand).
/// </summary>
public sealed class ForecastCacheModesTests : ShippedPipelineFixture
{
    private const float Guidance = 5f;
    private const string Prompt = "a red circle moving right";

    [Test]
    public void StepAndCfgForecastsExtrapolateTheLastTwoFullSteps()
    {
        CacheDecision step = CacheDecision.ReuseStep, cfg = CacheDecision.ReuseCfg;
        var policy = new ScriptedCachePolicy(
            [CacheDecision.Full, step, CacheDecision.Full, step.Forecasting(), step.Forecasting(), cfg.Forecasting()], new HashSet<int>(), CacheNeeds.Forecast);
        GenerationResult r = this.Pipeline.Generate(new GenerationRequest { Prompt = Prompt, Seed = 1, Steps = 6, Guidance = Guidance }, policy);
        Assert.That(r.Trace.Select(s => s.Decision.ToString()), Is.EqualTo(new[] { "full", "step", "full", "forecast_step", "forecast_step", "forecast_cfg" }));
        var o = policy.Observations;

        // full outputs at steps 0 and 2: step 3 is 1/2 of their distance ahead of step 2, step 4 a whole one
        Assert.That(MaxAbs(o[3].Output, Line(o[2].Output, o[0].Output, 0.5f)), Is.LessThan(1e-5));
        Assert.That(MaxAbs(o[4].Output, Line(o[2].Output, o[0].Output, 1f)), Is.LessThan(1e-5));

        // Δcfg = uncond − cond of steps 0 and 2, 3/2 ahead at step 5; uncond = cond + Δ; output = uncond + g (cond − uncond)
        float[] delta0 = Delta(o[0]), delta2 = Delta(o[2]);
        float[] delta5 = Line(delta2, delta0, 1.5f);
        float[] expected = [.. o[5].Cond.Select((c, i) => (c + delta5[i]) + (Guidance * (c - (c + delta5[i]))))];
        Assert.That(MaxAbs(o[5].Output, expected), Is.LessThan(1e-4));
    }

    [Test]
    public void BlockAndResidualForecastsFeedTheModelTheExtrapolatedActivation()
    {
        // blocks: block 6 computed at steps 0 and 1 (full), forecast one step ahead at step 2 = 2·b1 − b0
        var blocks = new ScriptedCachePolicy([CacheDecision.Full, CacheDecision.Full, CacheDecision.ReuseBlock(6).Forecasting()], new HashSet<int> { 6 }, CacheNeeds.Forecast);
        var request = new GenerationRequest { Prompt = Prompt, Seed = 4, Steps = 3, Guidance = Guidance };
        GenerationResult r = this.Pipeline.Generate(request, blocks);
        Assert.That(r.Trace[2].Decision.ToString(), Is.EqualTo("forecast_block_6"));
        var o = blocks.Observations;
        float[][] latents = this.Latents(request, o.Select(x => x.Output).ToArray());
        using var executor = new DenoiserExecutor(this.Package);
        var prompts = new PromptEncoder(this.Package);
        using OrtValue cond = prompts.Encode([Prompt]);
        long[] blockShape = [1, this.Package.Manifest.Geometry.Tokens, o[0].Blocks[6].Current.Length / this.Package.Manifest.Geometry.Tokens];
        using (OrtValue hidden = OrtValues.Tensor(Line(o[1].Blocks[6].Current, o[0].Blocks[6].Current, 1f), blockShape))
        using (DenoiserOutput pass = executor.Run(new DenoiserRequest
               {
                   Latent = latents[2], Timestep = this.Scheduler(request).Timestep(2), Context = cond, Batch = 1, ResumeAfterBlock = 6, ResumeHidden = hidden,
               }))
        {
            Assert.That(MaxAbs(o[2].Cond, pass.Conditional), Is.LessThan(1e-4));
        }

        // residual: what the blocks added at steps 0 and 1 (both branches), forecast to step 2 = 2·r1 − r0
        var residual = new ScriptedCachePolicy([CacheDecision.Full, CacheDecision.Full, CacheDecision.ReuseResidual.Forecasting()], new HashSet<int>(),
            CacheNeeds.Forecast | CacheNeeds.Residual);
        r = this.Pipeline.Generate(request, residual);
        Assert.That(r.Trace[2].Decision.ToString(), Is.EqualTo("forecast_residual"));
        o = residual.Observations;
        latents = this.Latents(request, o.Select(x => x.Output).ToArray());
        using OrtValue both = prompts.Encode([Prompt, string.Empty]);
        FlowMatchEulerScheduler scheduler = this.Scheduler(request);
        float[] Residual(int k)
        {
            using DenoiserOutput pass = executor.Run(new DenoiserRequest { Latent = latents[k], Timestep = scheduler.Timestep(k), Context = both, Batch = 2, CaptureResidual = true });
            return pass.Residual!.ToArray<float>();
        }

        float[] r0 = Residual(0), r1 = Residual(1);
        using OrtValue forecast = OrtValues.Tensor(Line(r1, r0, 1f), 2, this.Package.Manifest.Geometry.Tokens, r0.Length / 2 / this.Package.Manifest.Geometry.Tokens);
        using DenoiserOutput skipped = executor.Run(new DenoiserRequest { Latent = latents[2], Timestep = scheduler.Timestep(2), Context = both, Batch = 2, SkipBlocksResidual = forecast });
        float[] guided = new float[o[2].Output.Length];
        MixCacheOrt.Numerics.Guidance.Combine(skipped.Conditional, skipped.Unconditional, Guidance, guided);
        Assert.That(MaxAbs(o[2].Output, guided), Is.LessThan(1e-4));
    }

    [Test]
    public void WithoutTheForecastNeedAForecastDecisionIsAPlainReuse()
    {
        var policy = new ScriptedCachePolicy([CacheDecision.Full, CacheDecision.Full, CacheDecision.ReuseStep.Forecasting()], new HashSet<int>());
        GenerationResult r = this.Pipeline.Generate(new GenerationRequest { Prompt = Prompt, Seed = 2, Steps = 3, Guidance = Guidance }, policy);
        Assert.That(r.Trace[2].Decision.ToString(), Is.EqualTo("step"));
        Assert.That(policy.Observations[2].Output, Is.EqualTo(policy.Observations[1].Output));
    }

    private FlowMatchEulerScheduler Scheduler(GenerationRequest request) =>
        new(request.Steps!.Value, this.Package.Manifest.Scheduler.Shift, this.Package.Manifest.Scheduler.TimestepScale);

    /// <summary>The latent entering each step, replayed from the seed's noise and the observed outputs with the Euler rule.</summary>
    private float[][] Latents(GenerationRequest request, float[][] outputs)
    {
        FlowMatchEulerScheduler scheduler = this.Scheduler(request);
        var latents = new float[outputs.Length][];
        latents[0] = SeededNoise.Create(request.Seed, this.Package.Manifest.Geometry.LatentElementCount);
        for (int k = 1; k < outputs.Length; k++)
        {
            latents[k] = (float[])latents[k - 1].Clone();
            scheduler.Step(k - 1, outputs[k - 1], latents[k]);
        }

        return latents;
    }

    /// <summary>latest + (latest − older) · s, element by element.</summary>
    private static float[] Line(float[] latest, float[] older, float s) => [.. latest.Select((x, i) => x + ((x - older[i]) * s))];

    private static float[] Delta(ScriptedCachePolicy.Observed o) => [.. o.Uncond.Select((u, i) => u - o.Cond[i])];

    private static double MaxAbs(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            m = Math.Max(m, Math.Abs(a[i] - b[i]));
        }

        return m;
    }
}
