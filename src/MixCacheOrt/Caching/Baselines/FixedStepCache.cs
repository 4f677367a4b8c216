namespace MixCacheOrt.Caching.Baselines;

/// <summary>
/// The naive step cache: full compute for the first <see cref="Warmup"/> steps, then one full step every
/// <see cref="Interval"/> steps and the previous output reused in between (no distances, no calibration). The
/// baseline every adaptive step cache has to beat at the same speed.
/// </summary>
public sealed record FixedStepCacheOptions
{
    /// <summary>One full step every N steps after the warm-up (N − 1 reused).</summary>
    public int Interval { get; init; } = 3;

    /// <summary>Steps computed in full before any reuse (the layout forms early).</summary>
    public int Warmup { get; init; } = 10;
}

/// <summary>The fixed schedule as a pure function.</summary>
public static class FixedStepCacheDecisions
{
    public static bool Computes(int step, FixedStepCacheOptions o) => step < o.Warmup || (step - o.Warmup) % o.Interval == 0;
}

public sealed class FixedStepCachePolicy(string name, FixedStepCacheOptions options) : ICachePolicy
{
    public string Name => name;

    public IReadOnlySet<int> BlockCandidates { get; } = new HashSet<int>();

    public void Reset(int steps, int blockCount)
    {
    }

    public CacheDecision Decide(int step, CacheAvailability cache) =>
        FixedStepCacheDecisions.Computes(step, options) || !cache.HasOutput ? CacheDecision.Full : CacheDecision.ReuseStep;

    public void Observe(StepObservation observation)
    {
    }
}
