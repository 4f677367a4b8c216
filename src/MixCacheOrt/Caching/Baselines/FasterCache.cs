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

/// <remarks>
/// The policy only counts: at a skipped step it returns the weights of the last full step's Δcfg and of its low band
/// (<see cref="CfgDeltaWeights"/>: low band × α_low^n_low, high band = Δ − low × α_high^n_high), and the pipeline
/// rebuilds the unconditional output on the device from the low band it computed at that full step
/// (<see cref="CacheNeeds.LowBandCfgDelta"/>, <see cref="FrequencySplit"/>'s frequencies).
/// </remarks>
public sealed class FasterCachePolicy : ICachePolicy
{
    private readonly FasterCacheOptions options;
    private IReadOnlyList<float> timesteps = [];
    private bool hasDelta;
    private int lowScalings;
    private int highScalings;

    /// <param name="name">Policy name.</param>
    /// <param name="options">Schedule and weights.</param>
    public FasterCachePolicy(string name, FasterCacheOptions options)
    {
        this.Name = name;
        this.options = options;
    }

    public string Name { get; }

    public IReadOnlySet<int> BlockCandidates { get; } = new HashSet<int>();

    public CacheNeeds Needs => CacheNeeds.LowBandCfgDelta;

    public void Reset(int steps, int blockCount)
    {
        this.hasDelta = false;
        this.lowScalings = 0;
        this.highScalings = 0;
    }

    public void SetTimesteps(IReadOnlyList<float> timesteps) => this.timesteps = timesteps;

    public CacheDecision Decide(int step, CacheAvailability cache) =>
        this.hasDelta && step < this.timesteps.Count && FasterCacheDecisions.SkipsUnconditional(step, this.timesteps[step], this.options)
            ? CacheDecision.ReuseCfg
            : CacheDecision.Full;

    public CfgDeltaWeights? EstimateCfgDelta(int step)
    {
        if (!this.hasDelta)
        {
            return null;
        }

        double t = this.timesteps[step];
        this.lowScalings += FasterCacheDecisions.Inside(t, this.options.LowFrequencyUpdateRange) ? 1 : 0;
        this.highScalings += FasterCacheDecisions.Inside(t, this.options.HighFrequencyUpdateRange) ? 1 : 0;

        // uncond = cond + ΔLF·a + ΔHF·b with ΔHF = Δ − ΔLF: Δ·b + ΔLF·(a − b).
        float low = MathF.Pow(this.options.AlphaLowFrequency, this.lowScalings);
        float high = MathF.Pow(this.options.AlphaHighFrequency, this.highScalings);
        return new CfgDeltaWeights(high, low - high);
    }

    public void Observe(StepObservation o)
    {
        if (o.Decision.Mode == StepMode.Full)
        {
            this.hasDelta = true;
            this.lowScalings = 0;
            this.highScalings = 0;
        }
    }
}
