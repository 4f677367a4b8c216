namespace MixCacheOrt.Caching.MixCache;

/// <summary>
/// Knobs of <see cref="MixCachePolicy"/> (MixCache, Wei et al. 2025, arXiv 2508.12691, §3.3–3.5). The profiled
/// values (θ, δ1, δ2, impacts) come from a <see cref="MixCacheProfile"/>; the rest select the preset and ablations.
/// A default-constructed record is Algorithm 1 as written; <see cref="Refined"/> turns on our changes.
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

    /// <summary>
    /// Cost-aware greedy choice (ours): P = D · I / S, where S is the share of a full step's block evaluations the
    /// mode saves (step 1, cfg 1/2, block_i 1 − (L − 1 − i)/(2L)), i.e. the expected error per unit of saved compute.
    /// </summary>
    public bool CostAware { get; init; }

    /// <summary>
    /// With <see cref="CostAware"/>: S from the step times this generation measured on the current provider instead of
    /// block counts — S(mode) = 1 − (mean compute time of the mode's steps) / (mean compute time of a full step), the
    /// count-based share until the mode has run once (<c>mixcache:costs=measured</c>). Off by default: decisions then
    /// depend on timings, so two runs may differ.
    /// </summary>
    public bool MeasuredCosts { get; init; }

    /// <summary>
    /// Per-step D_full (ours): D_full is divided by the number of steps between the two full outputs before it is
    /// compared with δ1 and δ2, which the profiler derives from per-step distances (D_step). As written, D_full spans
    /// N steps, so it is N times larger than the thresholds it is compared with.
    /// </summary>
    public bool PerStepFullDistance { get; init; }

    /// <summary>
    /// Age-scaled scores (ours): D_step and D_block_i are per-step distances, so reusing something computed a steps
    /// ago costs about a · D. The step and block scores are multiplied by the age of what they would reuse (1 + the
    /// consecutive step reuses before; steps since block i was computed), which discourages long reuse chains smoothly
    /// where the penalty rule forbids a repeat outright.
    /// </summary>
    public bool AgeScaled { get; init; }

    /// <summary>
    /// Multiplies the profile's θ, δ1 and δ2 (default 1 = the profile as measured): above 1 the warm-up ends earlier
    /// and intervals grow (more caching, faster, lower quality), below 1 the reverse. The dial for speed/quality
    /// frontiers (<c>mixcache:scale=2</c>).
    /// </summary>
    public double ThresholdScale { get; init; } = 1;

    /// <summary>
    /// Forecast instead of reuse (ours, after TaylorSeer): every cached mode extrapolates what it would reuse — the step
    /// output, Δcfg, the block output — to first order from its last two computed values by the step distance
    /// (<see cref="CacheDecision.Forecast"/>); the choice between modes is the same P = D · I rule (<c>mixcache:forecast=on</c>).
    /// </summary>
    public bool Forecast { get; init; }

    /// <summary>
    /// Step granularity at the block stack (ours, <c>mixcache:step=residual</c>): a step-level cache step still runs
    /// <c>pre</c> and <c>post</c> on both branches with this step's latent and timestep and reuses (or, with
    /// <see cref="Forecast"/>, forecasts) only what the block stack added — as TeaCache and TaylorSeer do — instead of
    /// reusing the whole model output. Costs the two small stages; the choice between modes is unchanged.
    /// </summary>
    public bool ResidualSteps { get; init; }

    /// <summary>
    /// Budget mode (ours, <c>mixcache:target=2.5x</c>): the end-to-end speedup to meet. The interval rule (eq. 6) is
    /// replaced by <see cref="MixCacheDecisions.BudgetInterval"/>, which spreads the compute left over the steps left
    /// given the measured cost of cached steps, and the warm-up ends at the latest when waiting longer would need an
    /// interval above the preset's largest; the trigger θ and the choice P = D · I are unchanged. Null = no budget.
    /// </summary>
    public double? TargetSpeedup { get; init; }

    /// <summary>
    /// Layout guard (ours, <c>mixcache:guard=on</c>): once caching has started, a full step whose D_step exceeds
    /// <see cref="GuardFactor"/> · θ means the video is still changing fast (a late layout change, where every cache
    /// loses the frame); the next step is computed in full too, and so on while D_step stays above. Designed on the
    /// development set (one in ten mixcache-eff runs fell below 30 dB there).
    /// </summary>
    public bool LayoutGuard { get; init; }

    /// <summary>Multiple of θ above which the layout guard spends full steps.</summary>
    public double GuardFactor { get; init; } = 2;

    /// <summary>Block-cache candidates; null = the model's defaults (1/4, 1/2, 3/4 of depth).</summary>
    public IReadOnlyList<int>? BlockCandidates { get; init; }

    /// <summary>
    /// D_step at a full step that follows cached steps is measured against the last full output, per step of
    /// distance (ours). As written, it compares with the previous output, which was a cache approximation, so it
    /// measures the cache's own error.
    /// </summary>
    public bool StepDistanceFromLastFull { get; init; }

    /// <summary>
    /// Warm-up floor from the profile (ours): the trigger cannot fire before D_step has passed the peak of the
    /// profiled mean D_step curve (Figure 2's early rise). As written, a seed whose first two outputs happen to be
    /// close (D_step small before that rise) ends the warm-up at step 1 and caches through the steps that lay out
    /// the video.
    /// </summary>
    public bool ProfiledWarmupFloor { get; init; }

    /// <summary>Accuracy-prior preset (mixcache-acc): the paper's intervals 4/3/2 with our refinements.</summary>
    public static MixCacheOptions Accuracy => Refined(IntervalPreset.Accuracy);

    /// <summary>Efficiency-prior preset (mixcache-eff): the paper's intervals 5/4/3 with our refinements.</summary>
    public static MixCacheOptions Efficiency => Refined(IntervalPreset.Efficiency);

    /// <summary>Algorithm 1 as written, accuracy intervals (mixcache-paper-acc).</summary>
    public static MixCacheOptions PaperAccuracy => new() { Intervals = IntervalPreset.Accuracy };

    /// <summary>Algorithm 1 as written, efficiency intervals (mixcache-paper-eff).</summary>
    public static MixCacheOptions PaperEfficiency => new() { Intervals = IntervalPreset.Efficiency };

    /// <summary>
    /// Our version of the method (measured in benchmarks/RESULTS.md): D_step from the last full output, per-step
    /// D_full, age-scaled scores in place of the hard penalty, and cost-aware scores.
    /// </summary>
    public static MixCacheOptions Refined(IntervalPreset intervals) => new()
    {
        Intervals = intervals,
        StepDistanceFromLastFull = true,
        PerStepFullDistance = true,
        ProfiledWarmupFloor = true,
        AgeScaled = true,
        Penalty = false,
        CostAware = true,
    };
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
