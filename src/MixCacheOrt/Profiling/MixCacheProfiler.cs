using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching.MixCache;
using MixCacheOrt.Metrics;
using MixCacheOrt.Models;
using MixCacheOrt.Numerics;
using MixCacheOrt.Ort;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Schedulers;

namespace MixCacheOrt.Profiling;

/// <summary>
/// Offline profiling for MixCache (paper §3.3–3.5): full-compute runs record the redundancy curves D_step, D_cfg,
/// D_block_i (eq. 5) and the statistics (μ, σ) of the cached-minus-real distance tensors of each granularity; θ, δ1
/// and δ2 come from D_step after it stabilises; the impact I of each granularity at step t is the relative L1
/// distance of the final latent when a Gaussian perturbation N(μ̂, σ̂) is injected at t where that cache would
/// inject its error (guided output for step, unconditional output for cfg, block i's conditional output for block_i).
/// </summary>
/// <remarks>
/// Rules chosen where the paper is open (each is also stated in <c>README.md</c>):
/// <list type="bullet">
/// <item>D_step has stabilised at the first step t ≥ 5 whose window D_step[t-5..t] spans at most
/// <see cref="StabilityTolerance"/> of the window's mean; θ is the mean of D_step from there on.</item>
/// <item>δ1 and δ2 are θ plus the smallest and the largest deviation from θ after stabilisation, i.e. the minimum and
/// maximum of D_step from there on.</item>
/// <item>μ̂ averages μ over steps ≥ 10 (the paper excludes the first 10); σ̂ averages σ over the last 40 of them.</item>
/// <item>I_step and I_cfg are the mean of their impact curves over steps ≥ 10; I_block_i keeps its per-step curve.</item>
/// </list>
/// All values are averaged over the profiled (prompt, seed) pairs.
/// </remarks>
public sealed class MixCacheProfiler : IDisposable
{
    /// <summary>Relative spread of a 6-step D_step window below which D_step counts as stable.</summary>
    public const double StabilityTolerance = 0.25;

    private const int ExcludedWarmupSteps = 10;
    private readonly ModelPackage package;
    private readonly DenoiserExecutor executor;
    private readonly PromptEncoder prompts;
    private readonly int[] candidates;

    public MixCacheProfiler(ModelPackage package, IReadOnlyList<int>? candidates = null)
    {
        this.package = package;
        this.executor = new DenoiserExecutor(package);
        this.prompts = new PromptEncoder(package);
        this.candidates = [.. candidates ?? package.Manifest.Blocks.Candidates];
    }

    /// <summary>Profiles one (prompt, seed): curves, distance statistics and the perturbation impacts.</summary>
    /// <param name="prompt">Prompt of the run.</param>
    /// <param name="seed">Noise seed.</param>
    /// <param name="steps">Sampling steps.</param>
    /// <param name="impactStride">Measure impacts every this many steps (others are filled from the nearest measured step).</param>
    /// <param name="cancellationToken">Checked between model passes.</param>
    public RunProfile ProfileRun(string prompt, ulong seed, int steps, int impactStride = 1, CancellationToken cancellationToken = default)
    {
        SchedulerSpec spec = this.package.Manifest.Scheduler;
        var scheduler = new FlowMatchEulerScheduler(steps, spec.Shift, spec.TimestepScale);
        float guidance = (float)spec.Guidance;
        using OrtValue both = this.prompts.Encode([prompt, string.Empty]);
        using OrtValue cond = this.executor.Ops.SliceBatch(both, 0, 1);
        int n = this.package.Manifest.Geometry.LatentElementCount;

        // 1. the full-compute reference run, keeping what the statistics and restarts need
        var latents = new float[steps][];
        var outputs = new float[steps][];
        var conds = new float[steps][];
        var unconds = new float[steps][];
        var blocks = this.candidates.ToDictionary(b => b, _ => new float[steps][]);
        float[] x = SeededNoise.Create(seed, n);
        var capture = this.candidates.ToHashSet();
        for (int k = 0; k < steps; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            latents[k] = (float[])x.Clone();
            using DenoiserOutput pass = this.executor.Run(new DenoiserRequest { Latent = x, Timestep = scheduler.Timestep(k), Context = both, Batch = 2, Capture = capture });
            conds[k] = pass.Conditional.ToArray();
            unconds[k] = pass.Unconditional.ToArray();
            foreach (int b in this.candidates)
            {
                using OrtValue row = this.executor.Ops.SliceBatch(pass.Captured[b], 0, 1);
                blocks[b][k] = this.executor.Ops.ToHost(row);
            }

            outputs[k] = new float[n];
            Guidance.Combine(conds[k], unconds[k], guidance, outputs[k]);
            scheduler.Step(k, outputs[k], x);
        }

        float[] final = x;
        var run = new RunProfile { Prompt = prompt, Seed = seed, Steps = steps };
        for (int k = 1; k < steps; k++)
        {
            run.StepDistance.Add(RelativeL1.Distance(outputs[k], outputs[k - 1]));
            run.CfgDistance.Add(RelativeL1.Distance(unconds[k], conds[k]));
            run.StepError.Add(Moments(outputs[k - 1], outputs[k]));
            float[] cachedUncond = new float[n];
            TensorPrimitives.Subtract(unconds[k - 1], conds[k - 1], cachedUncond);
            TensorPrimitives.Add(cachedUncond, conds[k], cachedUncond);
            run.CfgError.Add(Moments(cachedUncond, unconds[k]));
            foreach (int b in this.candidates)
            {
                run.BlockDistance.GetOrAdd(b).Add(RelativeL1.Distance(blocks[b][k], blocks[b][k - 1]));
                run.BlockError.GetOrAdd(b).Add(Moments(blocks[b][k - 1], blocks[b][k]));
            }
        }

        // 2. Gaussian perturbation at step t, where each cache would put its error, then full compute to the end
        (double Mu, double Sigma) stepNoise = Summarise(run.StepError, steps);
        (double Mu, double Sigma) cfgNoise = Summarise(run.CfgError, steps);
        for (int t = 0; t < steps; t += impactStride)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ulong noiseSeed = seed * 1000003UL + (ulong)t;
            float[] perturbedOutput = Perturbed(outputs[t], stepNoise, noiseSeed);
            run.StepImpact[t] = RelativeL1.Distance(this.Continue(scheduler, latents[t], t, perturbedOutput, both, guidance), final);

            float[] u = Perturbed(unconds[t], cfgNoise, noiseSeed + 1);
            float[] guided = new float[n];
            Guidance.Combine(conds[t], u, guidance, guided);
            run.CfgImpact[t] = RelativeL1.Distance(this.Continue(scheduler, latents[t], t, guided, both, guidance), final);

            foreach (int b in this.candidates)
            {
                (double Mu, double Sigma) blockNoise = Summarise(run.BlockError[b], steps);
                float[] hidden = Perturbed(blocks[b][t], blockNoise, noiseSeed + 2 + (ulong)b);
                float[] condOut;
                using (OrtValue h = OrtValues.Tensor(hidden, 1, this.package.Manifest.Geometry.Tokens, hidden.Length / this.package.Manifest.Geometry.Tokens))
                using (DenoiserOutput pass = this.executor.Run(new DenoiserRequest
                {
                    Latent = latents[t], Timestep = scheduler.Timestep(t), Context = cond, Batch = 1, ResumeAfterBlock = b, ResumeHidden = h,
                }))
                {
                    condOut = pass.Conditional.ToArray();
                }

                float[] g = new float[n];
                Guidance.Combine(condOut, unconds[t], guidance, g);
                run.BlockImpact.GetOrAdd(b)[t] = RelativeL1.Distance(this.Continue(scheduler, latents[t], t, g, both, guidance), final);
            }
        }

        return run;
    }

    /// <summary>Applies <paramref name="output"/> at step <paramref name="t"/> and runs full compute to the end.</summary>
    private float[] Continue(FlowMatchEulerScheduler scheduler, float[] latent, int t, float[] output, OrtValue both, float guidance)
    {
        float[] x = (float[])latent.Clone();
        scheduler.Step(t, output, x);
        float[] guided = new float[x.Length];
        for (int k = t + 1; k < scheduler.Steps; k++)
        {
            using DenoiserOutput pass = this.executor.Run(new DenoiserRequest { Latent = x, Timestep = scheduler.Timestep(k), Context = both, Batch = 2 });
            Guidance.Combine(pass.Conditional, pass.Unconditional, guidance, guided);
            scheduler.Step(k, guided, x);
        }

        return x;
    }

    private static float[] Perturbed(float[] value, (double Mu, double Sigma) noise, ulong seed)
    {
        float[] z = SeededNoise.Create(seed, value.Length);
        TensorPrimitives.Multiply(z, (float)noise.Sigma, z);
        TensorPrimitives.Add(z, (float)noise.Mu, z);
        TensorPrimitives.Add(z, value, z);
        return z;
    }

    /// <summary>Mean and standard deviation of the distance tensor cached − real.</summary>
    private static (double Mu, double Sigma) Moments(float[] cached, float[] real)
    {
        float[] d = new float[real.Length];
        TensorPrimitives.Subtract(cached, real, d);
        double mu = TensorPrimitives.Sum<float>(d) / d.Length;
        double meanSquare = TensorPrimitives.SumOfSquares<float>(d) / d.Length;
        return (mu, Math.Sqrt(Math.Max(0, meanSquare - (mu * mu))));
    }

    /// <summary>μ̂ = mean μ over steps ≥ 10; σ̂ = mean σ over the last 40 of those (the lists start at step 1).</summary>
    internal static (double Mu, double Sigma) Summarise(IReadOnlyList<(double Mu, double Sigma)> perStep, int steps)
    {
        int first = Math.Min(ExcludedWarmupSteps, perStep.Count) - 1;
        first = Math.Max(0, first);
        var tail = perStep.Skip(first).ToList();
        if (tail.Count == 0)
        {
            tail = [.. perStep];
        }

        double mu = tail.Average(p => p.Mu);
        double sigma = tail.Skip(Math.Max(0, tail.Count - 40)).Average(p => p.Sigma);
        return (mu, sigma);
    }

    /// <summary>Combines the runs into the profile the policy reads (plus the averaged raw curves).</summary>
    public static MixCacheProfile Aggregate(IReadOnlyList<RunProfile> runs, IReadOnlyList<int> candidates)
    {
        ArgumentOutOfRangeException.ThrowIfZero(runs.Count);
        int steps = runs[0].Steps;
        var thresholds = runs.Select(r => Thresholds(r.StepDistance)).ToList();
        double MeanImpact(Func<RunProfile, SortedDictionary<int, double>> pick) =>
            runs.Average(r => pick(r).Where(kv => kv.Key >= ExcludedWarmupSteps || steps <= ExcludedWarmupSteps).Select(kv => kv.Value).DefaultIfEmpty(0).Average());
        var blocks = new Dictionary<string, double[]>();
        foreach (int b in candidates)
        {
            blocks[b.ToString(System.Globalization.CultureInfo.InvariantCulture)] =
                [.. Enumerable.Range(0, steps).Select(t => runs.Average(r => Nearest(r.BlockImpact[b], t)))];
        }

        var curves = new Dictionary<string, double[]>
        {
            ["D_step"] = MeanCurve(runs, r => r.StepDistance),
            ["D_cfg"] = MeanCurve(runs, r => r.CfgDistance),
            ["I_step"] = [.. Enumerable.Range(0, steps).Select(t => runs.Average(r => Nearest(r.StepImpact, t)))],
            ["I_cfg"] = [.. Enumerable.Range(0, steps).Select(t => runs.Average(r => Nearest(r.CfgImpact, t)))],
        };
        var noise = new Dictionary<string, NoiseStatistics>
        {
            ["step"] = Noise(runs, r => r.StepError, steps),
            ["cfg"] = Noise(runs, r => r.CfgError, steps),
        };
        foreach (int b in candidates)
        {
            string key = b.ToString(System.Globalization.CultureInfo.InvariantCulture);
            curves[$"D_block_{key}"] = MeanCurve(runs, r => r.BlockDistance[b]);
            curves[$"mu_block_{key}"] = MeanCurve(runs, r => [.. r.BlockError[b].Select(e => e.Mu)]);
            curves[$"sigma_block_{key}"] = MeanCurve(runs, r => [.. r.BlockError[b].Select(e => e.Sigma)]);
            noise[$"block_{key}"] = Noise(runs, r => r.BlockError[b], steps);
        }

        curves["mu_step"] = MeanCurve(runs, r => [.. r.StepError.Select(e => e.Mu)]);
        curves["sigma_step"] = MeanCurve(runs, r => [.. r.StepError.Select(e => e.Sigma)]);
        curves["mu_cfg"] = MeanCurve(runs, r => [.. r.CfgError.Select(e => e.Mu)]);
        curves["sigma_cfg"] = MeanCurve(runs, r => [.. r.CfgError.Select(e => e.Sigma)]);
        return new MixCacheProfile
        {
            Theta = thresholds.Average(t => t.Theta),
            Delta1 = thresholds.Average(t => t.Delta1),
            Delta2 = thresholds.Average(t => t.Delta2),
            Steps = steps,
            Impact = new ImpactTable { Step = MeanImpact(r => r.StepImpact), Cfg = MeanImpact(r => r.CfgImpact), Blocks = blocks },
            Perturbation = noise,
            Curves = curves,
            Runs = [.. runs.Select(r => $"{r.Prompt} (seed {r.Seed})")],
        };
    }

    /// <summary>
    /// θ, δ1, δ2 of one run from its D_step curve (index k − 1 = step k): stable from the first window of 6 whose
    /// spread is within <see cref="StabilityTolerance"/> of its mean; θ = mean, δ1/δ2 = min/max from there on.
    /// </summary>
    internal static (double Theta, double Delta1, double Delta2) Thresholds(IReadOnlyList<double> stepDistance)
    {
        int start = stepDistance.Count - 1;
        for (int i = 5; i < stepDistance.Count; i++)
        {
            IEnumerable<double> window = stepDistance.Skip(i - 5).Take(6);
            double mean = window.Average();
            if (window.Max() - window.Min() <= StabilityTolerance * mean)
            {
                start = i - 5;
                break;
            }
        }

        var stable = stepDistance.Skip(Math.Max(0, start)).ToList();
        return (stable.Average(), stable.Min(), stable.Max());
    }

    private static double Nearest(SortedDictionary<int, double> measured, int t) =>
        measured.MinBy(kv => Math.Abs(kv.Key - t)).Value;

    private static double[] MeanCurve(IReadOnlyList<RunProfile> runs, Func<RunProfile, IReadOnlyList<double>> pick)
    {
        int length = runs.Min(r => pick(r).Count);
        return [.. Enumerable.Range(0, length).Select(i => runs.Average(r => pick(r)[i]))];
    }

    private static NoiseStatistics Noise(IReadOnlyList<RunProfile> runs, Func<RunProfile, IReadOnlyList<(double Mu, double Sigma)>> pick, int steps)
    {
        var each = runs.Select(r => Summarise(pick(r), steps)).ToList();
        return new NoiseStatistics(each.Average(e => e.Mu), each.Average(e => e.Sigma));
    }

    public void Dispose() => this.executor.Dispose();
}
