namespace MixCacheOrt.Caching.Baselines;

/// <summary>What a TaylorSeer cache forecasts on the steps it does not compute.</summary>
public enum TaylorSeerTarget
{
    /// <summary>
    /// The features of the block stack (TaylorSeer, diffusers <c>TaylorSeerCacheConfig</c>): what the blocks added to
    /// the hidden state, per CFG branch; <c>pre</c> and <c>post</c> still run on both branches.
    /// </summary>
    Residual,

    /// <summary>
    /// The model output only, no model call (OpenVINO GenAI's "TaylorSeer Lite"): the guided output of the step is
    /// forecast from the last two computed ones.
    /// </summary>
    Output,
}

/// <summary>
/// TaylorSeer (Liu et al. 2025, "From Reusing to Forecasting", arXiv 2503.06923): instead of reusing a cached feature,
/// forecast it with a Taylor series from the last computed steps. Order 1 (the common setting): the value of the last
/// computed step plus its divided difference with the one before, times the step distance ahead.
/// </summary>
/// <remarks>
/// Schedule: every step before <see cref="Warmup"/> and the last <see cref="Tail"/> steps are computed; from the
/// warm-up on, one step in <see cref="Interval"/> is computed and the others are forecast. diffusers' defaults
/// (<see cref="Feature"/>): interval 5, caching from step 3, order 1; it hooks every attention module, while our
/// per-block graphs expose the block stack's residual, so the forecast feature is that residual per branch.
/// OpenVINO GenAI's defaults (<see cref="Lite"/>): interval 3, caching from step 6, the last 2 steps computed.
/// </remarks>
public sealed record TaylorSeerOptions
{
    public TaylorSeerTarget Target { get; init; } = TaylorSeerTarget.Residual;

    /// <summary>One computed step every N steps after the warm-up (N − 1 forecast).</summary>
    public int Interval { get; init; } = 5;

    /// <summary>Steps computed before any forecast.</summary>
    public int Warmup { get; init; } = 3;

    /// <summary>The last steps, always computed.</summary>
    public int Tail { get; init; }

    /// <summary>Taylor order: 1 forecasts, 0 reuses the last computed value (the same schedule without forecasting).</summary>
    public int Order { get; init; } = 1;

    /// <summary>diffusers' <c>TaylorSeerCacheConfig</c> defaults, on the block stack.</summary>
    public static TaylorSeerOptions Feature => new();

    /// <summary>OpenVINO GenAI's TaylorSeer Lite defaults, on the model output.</summary>
    public static TaylorSeerOptions Lite => new() { Target = TaylorSeerTarget.Output, Interval = 3, Warmup = 6, Tail = 2 };
}

/// <summary>TaylorSeer's schedule as a pure function.</summary>
public static class TaylorSeerDecisions
{
    public static bool Computes(int step, int steps, TaylorSeerOptions o) =>
        step < o.Warmup || step >= steps - o.Tail || (step - o.Warmup) % o.Interval == 0;
}

public sealed class TaylorSeerPolicy(string name, TaylorSeerOptions options) : ICachePolicy
{
    private int steps;

    public string Name => name;

    public IReadOnlySet<int> BlockCandidates { get; } = new HashSet<int>();

    public CacheNeeds Needs => (options.Target == TaylorSeerTarget.Residual ? CacheNeeds.Residual : CacheNeeds.None)
                               | (options.Order > 0 ? CacheNeeds.Forecast : CacheNeeds.None);

    public void Reset(int steps, int blockCount) => this.steps = steps;

    public CacheDecision Decide(int step, CacheAvailability cache)
    {
        bool available = options.Target == TaylorSeerTarget.Residual ? cache.HasResidual : cache.HasOutput;
        if (!available || TaylorSeerDecisions.Computes(step, this.steps, options))
        {
            return CacheDecision.Full;
        }

        CacheDecision reuse = options.Target == TaylorSeerTarget.Residual ? CacheDecision.ReuseResidual : CacheDecision.ReuseStep;
        return options.Order > 0 ? reuse.Forecasting() : reuse;
    }

    public void Observe(StepObservation observation)
    {
    }
}
