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
        ArgumentNullException.ThrowIfNull(candidates);
        ModeScore? best = null;
        for (int i = 0; i < candidates.Count; i++) // indexed: no enumerator to allocate every step
        {
            ModeScore c = candidates[i];
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

    /// <summary>
    /// The share of a full step's block evaluations a decision runs: full 1, step 0, cfg 1/2 (the conditional branch),
    /// block i (L − 1 − i)/(2L) (the conditional branch after block i); what the cost-aware score and the budget count.
    /// </summary>
    public static double Cost(CacheDecision decision, int blockCount) => decision.Mode switch
    {
        StepMode.Full => 1,
        StepMode.CfgReuse => 0.5,
        StepMode.BlockReuse when blockCount > 0 => (blockCount - 1 - decision.Block) / (2.0 * blockCount),
        _ => 0,
    };

    /// <summary>
    /// Budget mode: the interval N (one full step, then N − 1 cached ones) that spends what is left of a budget of
    /// <paramref name="steps"/> / <paramref name="target"/> full steps evenly over the steps left, when a cached step
    /// costs <paramref name="cachedCost"/> of a full one on average: a cycle of N steps costs 1 + (N − 1)·c, so
    /// N = (1 − c) / (r − c) with r the budget left per step left. Rounded to the nearest whole N in
    /// [1, <paramref name="maxInterval"/>]; 1 (compute every step) when the budget left covers full steps throughout.
    /// </summary>
    /// <param name="spent">Full-step equivalents spent so far (<see cref="Cost"/> summed).</param>
    /// <param name="stepsLeft">Steps still to run.</param>
    /// <param name="steps">Steps of the run.</param>
    /// <param name="target">Speedup to meet (the budget is steps / target full steps).</param>
    /// <param name="cachedCost">Mean cost of a cached step, in full steps.</param>
    /// <param name="maxInterval">The largest interval allowed.</param>
    public static int BudgetInterval(double spent, int stepsLeft, int steps, double target, double cachedCost, int maxInterval)
    {
        if (stepsLeft <= 0)
        {
            return 1;
        }

        double perStep = ((steps / target) - spent) / stepsLeft;
        if (perStep >= 1)
        {
            return 1;
        }

        if (perStep <= cachedCost)
        {
            return maxInterval;
        }

        double n = (1 - cachedCost) / (perStep - cachedCost);
        return (int)Math.Clamp(Math.Round(n, MidpointRounding.AwayFromZero), 1, maxInterval);
    }

    /// <summary>
    /// Budget mode: the number of full warm-up steps W after which the largest interval still meets the target: W full
    /// steps, then cycles of one full and N − 1 cached steps cost W + (steps − W)·q with q = c + (1 − c)/N, which
    /// equals the budget steps / target at W = (steps / target − steps·q) / (1 − q). At least 1.
    /// </summary>
    public static int LatestWarmupEnd(int steps, double target, double cachedCost, int maxInterval)
    {
        double q = cachedCost + ((1 - cachedCost) / maxInterval);
        return Math.Max(1, (int)Math.Floor(((steps / target) - (steps * q)) / (1 - q)));
    }

    /// <summary>Layout guard: after the warm-up, a step distance above factor · θ means the layout is still moving.</summary>
    public static bool LayoutMoving(double stepDistance, double theta, double factor) => stepDistance > factor * theta;

    public static CacheGranularities GranularityOf(StepMode mode) => mode switch
    {
        StepMode.StepReuse or StepMode.ResidualReuse => CacheGranularities.Step,
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
