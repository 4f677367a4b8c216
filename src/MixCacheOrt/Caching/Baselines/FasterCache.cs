using System.Numerics.Tensors;
using MixCacheOrt.Numerics;

namespace MixCacheOrt.Caching.Baselines;

/// <summary>
/// FasterCache's CFG-Cache (Lv et al. 2025; diffusers <c>FasterCacheConfig</c> defaults, reference Vchitect/FasterCache):
/// the unconditional pass is skipped when iteration &gt; 0, the timestep is inside <see cref="UnconditionalTimestepRange"/>
/// and iteration mod <see cref="UnconditionalSkipRange"/> ≠ 0; the skipped output is rebuilt from the conditional one
/// plus the last full step's difference split into low and high frequencies (<see cref="FrequencySplit"/>), each
/// band's delta scaled by its α at every skipped step inside its timestep range (the factors compound until the next
/// full step refreshes the deltas).
/// </summary>
/// <remarks>
/// FasterCache's second part, attention reuse (<c>A₋₁ + (A₋₁ − A₋₂)·w</c>), needs attention outputs, which our
/// per-block graphs do not expose: it is not implemented, so this baseline is the CFG-Cache alone.
/// </remarks>
public sealed record FasterCacheOptions
{
    public int UnconditionalSkipRange { get; init; } = 5;

    public (double Low, double High) UnconditionalTimestepRange { get; init; } = (-1, 641);

    public (double Low, double High) LowFrequencyUpdateRange { get; init; } = (99, 901);

    public (double Low, double High) HighFrequencyUpdateRange { get; init; } = (-1, 301);

    public float AlphaLowFrequency { get; init; } = 1.1f;

    public float AlphaHighFrequency { get; init; } = 1.1f;
}

/// <summary>FasterCache's pure schedule.</summary>
public static class FasterCacheDecisions
{
    public static bool SkipsUnconditional(int iteration, double timestep, FasterCacheOptions o) =>
        iteration > 0 && Inside(timestep, o.UnconditionalTimestepRange) && iteration % o.UnconditionalSkipRange != 0;

    public static bool Inside(double t, (double Low, double High) range) => t > range.Low && t < range.High;
}

public sealed class FasterCachePolicy : ICachePolicy
{
    private readonly FasterCacheOptions options;
    private readonly FrequencySplit split;
    private IReadOnlyList<float> timesteps = [];
    private float[]? lowDelta;
    private float[]? highDelta;
    private float[]? delta;

    /// <param name="name">Policy name.</param>
    /// <param name="options">Schedule and weights.</param>
    /// <param name="latentShape">[C, F, H, W]: the split runs over each H×W plane.</param>
    public FasterCachePolicy(string name, FasterCacheOptions options, IReadOnlyList<long> latentShape)
    {
        this.Name = name;
        this.options = options;
        this.split = new FrequencySplit((int)latentShape[^2], (int)latentShape[^1]);
    }

    public string Name { get; }

    public IReadOnlySet<int> BlockCandidates { get; } = new HashSet<int>();

    public void Reset(int steps, int blockCount)
    {
        this.lowDelta = null;
        this.highDelta = null;
    }

    public void SetTimesteps(IReadOnlyList<float> timesteps) => this.timesteps = timesteps;

    public CacheDecision Decide(int step, CacheAvailability cache) =>
        this.lowDelta is not null && step < this.timesteps.Count && FasterCacheDecisions.SkipsUnconditional(step, this.timesteps[step], this.options)
            ? CacheDecision.ReuseCfg
            : CacheDecision.Full;

    public bool EstimateUnconditional(int step, ReadOnlySpan<float> cond, Span<float> uncond)
    {
        if (this.lowDelta is null || this.highDelta is null)
        {
            return false;
        }

        double t = this.timesteps[step];
        if (FasterCacheDecisions.Inside(t, this.options.LowFrequencyUpdateRange))
        {
            TensorPrimitives.Multiply(this.lowDelta, this.options.AlphaLowFrequency, this.lowDelta);
        }

        if (FasterCacheDecisions.Inside(t, this.options.HighFrequencyUpdateRange))
        {
            TensorPrimitives.Multiply(this.highDelta, this.options.AlphaHighFrequency, this.highDelta);
        }

        // uncond = LF(cond) + ΔLF + HF(cond) + ΔHF = cond + ΔLF + ΔHF (the split is linear and LF + HF = identity).
        TensorPrimitives.Add(cond, this.lowDelta, uncond);
        TensorPrimitives.Add(uncond, this.highDelta, uncond);
        return true;
    }

    public void Observe(StepObservation o)
    {
        if (o.Decision.Mode != StepMode.Full)
        {
            return;
        }

        int n = o.Conditional.Length;
        this.delta ??= new float[n];
        this.lowDelta ??= new float[n];
        this.highDelta ??= new float[n];
        TensorPrimitives.Subtract(o.Unconditional, o.Conditional, this.delta);
        this.split.Split(this.delta, this.lowDelta, this.highDelta);
    }
}
