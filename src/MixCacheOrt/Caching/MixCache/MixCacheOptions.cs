namespace MixCacheOrt.Caching.MixCache;

/// <summary>
/// Knobs of <see cref="MixCachePolicy"/> (MixCache, Wei et al. 2025, arXiv 2508.12691, §3.3–3.5). The profiled
/// values (θ, δ1, δ2, impacts) come from a <see cref="MixCacheProfile"/>; the rest select the preset and ablations.
/// </summary>
public sealed record MixCacheOptions
{
    /// <summary>
    /// Cache intervals (N) for D_full below δ1, between δ1 and δ2, and from δ2 on (paper eq. 6).
    /// <see cref="IntervalPreset.Accuracy"/> = 4/3/2, <see cref="IntervalPreset.Efficiency"/> = 5/4/3: larger N
    /// means fewer full steps, more speed, lower fidelity.
    /// </summary>
    public IntervalPreset Intervals { get; init; } = IntervalPreset.Efficiency;

    /// <summary>Ablation "hybrid + N=4": a fixed cache interval instead of the adaptive one (null = adaptive).</summary>
    public int? FixedInterval { get; init; }

    /// <summary>Granularities the greedy choice may pick (ablations: step-only, cfg-only, block-only).</summary>
    public CacheGranularities Granularities { get; init; } = CacheGranularities.All;

    /// <summary>Penalty rule: a granularity used at one step is not eligible at the next (paper §3.4). Off = ablation.</summary>
    public bool Penalty { get; init; } = true;

    /// <summary>Block-cache candidates; null = the model's defaults (1/4, 1/2, 3/4 of depth).</summary>
    public IReadOnlyList<int>? BlockCandidates { get; init; }

    /// <summary>Accuracy-prior preset (mixcache-acc).</summary>
    public static MixCacheOptions Accuracy => new() { Intervals = IntervalPreset.Accuracy };

    /// <summary>Efficiency-prior preset (mixcache-eff).</summary>
    public static MixCacheOptions Efficiency => new() { Intervals = IntervalPreset.Efficiency };
}

/// <summary>Cache intervals N for the three D_full bands (low, middle, high distance).</summary>
public readonly record struct IntervalPreset(int Low, int Middle, int High)
{
    public static IntervalPreset Accuracy => new(4, 3, 2);

    public static IntervalPreset Efficiency => new(5, 4, 3);
}

/// <summary>Which cache granularities a policy may use.</summary>
[Flags]
public enum CacheGranularities
{
    None = 0,
    Step = 1,
    Cfg = 2,
    Block = 4,
    All = Step | Cfg | Block,
}
