namespace MixCacheOrt.Caching.MixCache;

/// <summary>The pure decision rules of MixCache, each a function of its inputs only.</summary>
public static class MixCacheDecisions
{
    /// <summary>
    /// Context-aware triggering (§3.3): the warm-up ends once the step distance D_step falls below θ.
    /// </summary>
    public static bool EndsWarmUp(double stepDistance, double theta) => stepDistance < theta;

    /// <summary>
    /// Adaptive cache interval (eq. 6): N = Low if D_full &lt; δ1, Middle if δ1 ≤ D_full &lt; δ2, High otherwise.
    /// </summary>
    public static int ScaleInterval(double fullDistance, double delta1, double delta2, IntervalPreset preset) =>
        fullDistance < delta1 ? preset.Low : fullDistance < delta2 ? preset.Middle : preset.High;

    /// <summary>
    /// Greedy hybrid choice (eq. 7): the candidate with the smallest P = D · I among the enabled granularities,
    /// skipping the granularity used at the previous step when the penalty rule is on. Ties go to the cheaper mode in
    /// the order step, cfg, deeper block. Returns null when nothing is eligible.
    /// </summary>
    public static CacheDecision? Choose(IReadOnlyList<ModeScore> candidates, CacheGranularities enabled, StepMode? previousMode, bool penalty)
    {
        ModeScore? best = null;
        foreach (ModeScore c in candidates)
        {
            CacheGranularities g = GranularityOf(c.Decision.Mode);
            if ((enabled & g) == 0 || double.IsNaN(c.Score))
            {
                continue;
            }

            if (penalty && previousMode is StepMode p && p != StepMode.Full && GranularityOf(p) == g)
            {
                continue;
            }

            if (best is null || c.Score < best.Value.Score)
            {
                best = c;
            }
        }

        return best?.Decision;
    }

    public static CacheGranularities GranularityOf(StepMode mode) => mode switch
    {
        StepMode.StepReuse => CacheGranularities.Step,
        StepMode.CfgReuse => CacheGranularities.Cfg,
        StepMode.BlockReuse => CacheGranularities.Block,
        _ => CacheGranularities.None,
    };
}

/// <summary>A cache mode with its distance D, impact I and score P = D · I, divided by the share of a full step's block evaluations it saves when the choice is cost-aware.</summary>
public readonly record struct ModeScore(CacheDecision Decision, double Distance, double Impact, double Saving = 1)
{
    public double Score => this.Distance * this.Impact / this.Saving;
}
