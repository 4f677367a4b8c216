using System.Globalization;

namespace MixCacheOrt.Caching.MixCache;

/// <summary>
/// MixCache (Algorithm 1): full computation during a warm-up that ends when D_step &lt; θ; then, every N steps a
/// full step (N rescaled from D_full, the distance between consecutive full outputs), and in between the cache
/// granularity with the smallest P = D · I, with the penalty rule.
/// </summary>
/// <remarks>
/// Choices where the paper is open, and why:
/// <list type="bullet">
/// <item>D values are refreshed by full steps only (warm-up and periodic full steps): a cached step's outputs are
/// approximations (a step reuse would report D_step = 0 and then always win).</item>
/// <item>D_block_i compares block i's conditional output with its previous computation and is divided by the number
/// of steps between the two, so it stays a per-step distance like D_step.</item>
/// <item>The interval counter follows Algorithm 1 literally: cnt = (cnt + 1) mod N, a full step when cnt = 0, so
/// N − 1 cached steps separate full steps. The first interval after warm-up is the middle value.</item>
/// <item>The warm-up trigger is one-way: once caching starts it does not return to warm-up.</item>
/// <item>The penalty disables the whole granularity (all block candidates after a block step).</item>
/// </list>
/// Our changes (each a <see cref="MixCacheOptions"/> flag, all on in the mixcache-acc/eff presets, off in
/// mixcache-paper-acc/eff; measured in benchmarks/RESULTS.md):
/// <list type="bullet">
/// <item><see cref="MixCacheOptions.StepDistanceFromLastFull"/>: after cached steps D_step is measured against the last
/// full output per step of distance, not against the cached output (which adds the cache's own error).</item>
/// <item><see cref="MixCacheOptions.PerStepFullDistance"/>: D_full per step, on the scale of δ1/δ2.</item>
/// <item><see cref="MixCacheOptions.ProfiledWarmupFloor"/>: no trigger before the profiled D_step curve has passed its
/// peak.</item>
/// <item><see cref="MixCacheOptions.AgeScaled"/> instead of the penalty: step and block scores grow with the age of
/// what they reuse, so chains of reuse end when they become costlier than the alternatives.</item>
/// <item><see cref="MixCacheOptions.CostAware"/>: P is divided by the share of the step's compute the mode saves.</item>
/// </list>
/// </remarks>
public sealed class MixCachePolicy : ICachePolicy
{
    private readonly MixCacheProfile profile;
    private readonly MixCacheOptions options;
    private readonly int[] candidates;
    private readonly int[] candidatesDescending;
    private readonly List<ModeScore> scores = [];
    private readonly Dictionary<CacheDecision, string> scoreNames = [];
    private readonly Dictionary<int, string> blockNames = [];
    private readonly Dictionary<int, (double Sum, int Count)> modeTime = []; // measured costs: cfg (−1) and block i
    private (double Sum, int Count) fullTime;
    private readonly Dictionary<int, double> blockDistance = [];
    private readonly Dictionary<int, int> blockComputedAt = [];
    private int steps;
    private int blockCount;
    private bool caching;
    private int counter;
    private int interval;
    private double stepDistance = double.NaN;
    private double cfgDistance = double.NaN;
    private int lastFullStep = -1;
    private StepMode? previousMode;
    private int consecutiveStepReuses;
    private int warmupFloor;
    private CacheDecision next = CacheDecision.Full;
    private double spent;
    private bool guarded;
    private double cachedSpent;
    private int cachedSteps;

    public MixCachePolicy(string name, MixCacheProfile profile, MixCacheOptions options, IReadOnlyList<int> defaultCandidates)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ThresholdScale);
        this.Name = name;
        double s = options.ThresholdScale;
        this.profile = s == 1 ? profile : profile with { Theta = profile.Theta * s, Delta1 = profile.Delta1 * s, Delta2 = profile.Delta2 * s };
        this.options = options;
        this.candidates = [.. options.BlockCandidates ?? defaultCandidates];
        this.candidatesDescending = [.. this.candidates.OrderByDescending(b => b)];
        this.BlockCandidates = (options.Granularities & CacheGranularities.Block) != 0 ? this.candidates.ToHashSet() : new HashSet<int>();
    }

    public string Name { get; }

    public IReadOnlySet<int> BlockCandidates { get; }

    public CacheNeeds Needs => CacheNeeds.LastFullOutput | (this.options.Forecast ? CacheNeeds.Forecast : CacheNeeds.None) | (this.options.ResidualSteps ? CacheNeeds.Residual : CacheNeeds.None);

    /// <summary>Budget mode: the share of a full step a cached step is assumed to cost before any has run (its running mean after); about what mixcache-eff's cached steps cost on the development set.</summary>
    internal const double CachedCostPrior = 0.1;

    /// <summary>Budget mode: the largest interval, twice the preset's largest.</summary>
    private int MaxBudgetInterval => 2 * Math.Max(this.options.Intervals.Low, this.options.FixedInterval ?? 0);

    /// <summary>
    /// A warning when a run of <paramref name="steps"/> steps uses a profile measured at another step count: θ, δ1 and
    /// δ2 are per-step distances, which grow as steps get fewer, so on a much shorter schedule the warm-up may never
    /// end (every step computed in full) and on a longer one caching starts early. Null when the counts match.
    /// </summary>
    public string? StepCountWarning(int steps) =>
        steps == this.profile.Steps
            ? null
            : $"the MixCache profile was measured at {this.profile.Steps} steps and this run has {steps}; its thresholds are "
              + $"per-step distances, so caching may start late or never (profile at this step count: mixcache profile --steps {steps})";

    public void Reset(int steps, int blockCount)
    {
        this.steps = steps;
        this.blockCount = blockCount;
        this.caching = false;
        this.counter = 0;
        this.interval = this.options.FixedInterval ?? this.options.Intervals.Middle;
        this.stepDistance = double.NaN;
        this.cfgDistance = double.NaN;
        this.blockDistance.Clear();
        this.blockComputedAt.Clear();
        this.lastFullStep = -1;
        this.previousMode = null;
        this.consecutiveStepReuses = 0;
        this.warmupFloor = this.options.ProfiledWarmupFloor
            ? (int)Math.Round(this.profile.WarmupFloor() * (double)steps / this.profile.Steps, MidpointRounding.AwayFromZero)
            : 0;
        this.next = CacheDecision.Full;
        this.spent = 0;
        this.guarded = false;
        this.cachedSpent = 0;
        this.cachedSteps = 0;
        this.modeTime.Clear();
        this.fullTime = (0, 0);
    }

    public CacheDecision Decide(int step, CacheAvailability cache)
    {
        if (!this.caching)
        {
            return CacheDecision.Full;
        }

        if (this.guarded)
        {
            this.counter = 0; // the guard's full step restarts the interval
            return CacheDecision.Full;
        }

        this.counter = (this.counter + 1) % this.interval;
        return this.counter == 0 ? CacheDecision.Full : this.options.Forecast ? this.next.Forecasting() : this.next;
    }

    public void Observe(StepObservation o)
    {
        ArgumentNullException.ThrowIfNull(o);
        double cost = MixCacheDecisions.Cost(o.Decision, this.blockCount);
        this.spent += cost;
        if (this.options.MeasuredCosts && o.Compute > TimeSpan.Zero)
        {
            double ms = o.Compute.TotalMilliseconds;
            if (o.Decision.Mode == StepMode.Full)
            {
                this.fullTime = (this.fullTime.Sum + ms, this.fullTime.Count + 1);
            }
            else if (o.Decision.Mode is StepMode.CfgReuse or StepMode.BlockReuse)
            {
                int key = o.Decision.Mode == StepMode.CfgReuse ? -1 : o.Decision.Block;
                (double sum, int count) = this.modeTime.GetValueOrDefault(key);
                this.modeTime[key] = (sum + ms, count + 1);
            }
        }
        if (o.Decision.Mode != StepMode.Full)
        {
            this.cachedSpent += cost;
            this.cachedSteps++;
        }

        if (o.Decision.Mode == StepMode.Full)
        {
            this.MeasureFullStep(o);
        }

        IReadOnlyList<int> computed = o.BlockOutputs.Computed;
        for (int i = 0; i < computed.Count; i++) // indexed: no enumerator per step
        {
            this.blockComputedAt[computed[i]] = o.Step;
        }

        this.consecutiveStepReuses = o.Decision.Mode is StepMode.StepReuse or StepMode.ResidualReuse ? this.consecutiveStepReuses + 1 : 0;
        if (this.caching)
        {
            List<ModeScore> scores = this.Scores(o.Step + 1);
            this.next = MixCacheDecisions.Choose(scores, this.options.Granularities, o.Decision.Mode, this.options.Penalty) ?? CacheDecision.Full;
            foreach (ModeScore s in scores)
            {
                o.Metrics[MetricName(this.scoreNames, s.Decision, static d => $"P_{d}")] = s.Score;
            }
        }

        o.Metrics["D_step"] = this.stepDistance;
        o.Metrics["D_cfg"] = this.cfgDistance;
        foreach ((int b, double d) in this.blockDistance)
        {
            o.Metrics[MetricName(this.blockNames, b, static b => string.Create(CultureInfo.InvariantCulture, $"D_block_{b}"))] = d;
        }

        o.Metrics["N"] = this.interval;
        o.Metrics["caching"] = this.caching ? 1 : 0;
        this.previousMode = o.Decision.Mode;
    }

    private void MeasureFullStep(StepObservation o)
    {
        if (o.Step > 0 && (this.previousMode == StepMode.Full || !this.options.StepDistanceFromLastFull))
        {
            this.stepDistance = o.OutputDistance;
        }
        else if (this.options.StepDistanceFromLastFull && this.lastFullStep >= 0 && o.Step > this.lastFullStep)
        {
            // The previous output was itself a cache approximation: comparing with it would add the cache's own
            // error to D_step. Use the last real output instead, per step of distance.
            this.stepDistance = o.DistanceToLastFull / (o.Step - this.lastFullStep);
        }

        if (o.CfgDistance is double cfg && !double.IsNaN(cfg))
        {
            this.cfgDistance = cfg;
        }

        IReadOnlyList<int> computed = o.BlockOutputs.Computed;
        for (int i = 0; i < computed.Count; i++)
        {
            int b = computed[i];
            if (this.blockComputedAt.TryGetValue(b, out int at) && o.Step > at && o.BlockOutputs.Distance(b) is double d && !double.IsNaN(d))
            {
                this.blockDistance[b] = d / (o.Step - at);
            }
        }

        if (!this.caching)
        {
            bool triggered = !double.IsNaN(this.stepDistance) && o.Step >= this.warmupFloor && MixCacheDecisions.EndsWarmUp(this.stepDistance, this.profile.Theta);
            if (this.options.TargetSpeedup is double target)
            {
                // Budget mode: the warm-up also ends at the latest step that still lets the largest interval meet the target.
                triggered |= o.Step + 1 >= MixCacheDecisions.LatestWarmupEnd(this.steps, target, CachedCostPrior, this.MaxBudgetInterval);
            }

            if (triggered)
            {
                this.caching = true;
                this.counter = 0;
                if (this.options.TargetSpeedup is not null)
                {
                    this.interval = this.BudgetInterval(o.Step);
                }
            }
        }
        else if (this.lastFullStep >= 0)
        {
            this.guarded = this.options.LayoutGuard && MixCacheDecisions.LayoutMoving(this.stepDistance, this.profile.Theta, this.options.GuardFactor);
            o.Metrics["guard"] = this.guarded ? 1 : 0;
            double fullDistance = o.DistanceToLastFull;
            if (this.options.PerStepFullDistance && o.Step > this.lastFullStep)
            {
                fullDistance /= o.Step - this.lastFullStep;
            }

            o.Metrics["D_full"] = fullDistance;
            this.interval = this.options.TargetSpeedup is not null ? this.BudgetInterval(o.Step)
                : this.options.FixedInterval ?? MixCacheDecisions.ScaleInterval(fullDistance, this.profile.Delta1, this.profile.Delta2, this.options.Intervals);
        }

        this.lastFullStep = o.Step;
    }

    /// <summary>The budget interval after step <paramref name="step"/> (0 without a budget: never ends the warm-up).</summary>
    private int BudgetInterval(int step)
    {
        if (this.options.TargetSpeedup is not double target)
        {
            return 0;
        }

        double cachedCost = (this.cachedSpent + CachedCostPrior) / (this.cachedSteps + 1);
        return MixCacheDecisions.BudgetInterval(this.spent, this.steps - step - 1, this.steps, target, cachedCost, this.MaxBudgetInterval);
    }

    /// <summary>
    /// The share of a full step a mode saves: with <see cref="MixCacheOptions.MeasuredCosts"/>, 1 − its mean step time
    /// over a full step's, once both have run this generation (<paramref name="block"/> −1 = the cfg cache); else the
    /// count-based <paramref name="counted"/>.
    /// </summary>
    private double MeasuredSaving(int block, double counted)
    {
        if (!this.options.MeasuredCosts || this.fullTime.Count == 0 || !this.modeTime.TryGetValue(block, out (double Sum, int Count) mode) || mode.Count == 0)
        {
            return counted;
        }

        double share = (mode.Sum / mode.Count) / (this.fullTime.Sum / this.fullTime.Count);
        return Math.Clamp(1 - share, 0.01, 1);
    }

    /// <summary>A trace metric's name, made once per key (names repeat every step).</summary>
    private static string MetricName<TKey>(Dictionary<TKey, string> names, TKey key, Func<TKey, string> make)
        where TKey : notnull
    {
        if (!names.TryGetValue(key, out string? name))
        {
            name = make(key);
            names[key] = name;
        }

        return name;
    }

    /// <summary>The candidate modes' scores for <paramref name="step"/>, into a list reused every step.</summary>
    private List<ModeScore> Scores(int step)
    {
        bool cost = this.options.CostAware && this.blockCount > 0;
        double stepAge = this.options.AgeScaled ? 1 + this.consecutiveStepReuses : 1;
        List<ModeScore> scores = this.scores;
        scores.Clear();
        scores.Add(new(this.options.ResidualSteps ? CacheDecision.ReuseResidual : CacheDecision.ReuseStep, stepAge * this.stepDistance, this.profile.Impact.Step));
        scores.Add(new(CacheDecision.ReuseCfg, this.cfgDistance, this.profile.Impact.Cfg, cost ? this.MeasuredSaving(-1, 0.5) : 1));
        foreach (int b in this.candidatesDescending)
        {
            double d = this.blockDistance.TryGetValue(b, out double v) ? v : double.NaN;
            if (this.options.AgeScaled && this.blockComputedAt.TryGetValue(b, out int at))
            {
                d *= step - at;
            }

            double saving = cost ? this.MeasuredSaving(b, 1 - ((this.blockCount - 1 - b) / (2.0 * this.blockCount))) : 1;
            scores.Add(new ModeScore(CacheDecision.ReuseBlock(b), d, this.profile.BlockImpact(b, Math.Min(step, this.steps - 1), this.steps), saving));
        }

        return scores;
    }
}
