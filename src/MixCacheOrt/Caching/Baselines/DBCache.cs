using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Caching.Baselines;

/// <summary>
/// cache-dit's DBCache (dual block cache; vipshop/cache-dit <c>DBCacheConfig</c>) and, as its F1B0 case, First-Block
/// Cache (ParaAttention, diffusers <c>FirstBlockCacheConfig</c>). Every full step's pass runs the first
/// <see cref="FirstBlocks"/> blocks (Fn) and measures how much what they added, R_Fn = H_Fn − H_0, moved since the
/// last step that ran the middle: <c>Σ|R_Fn − R_prev| / Σ|R_prev|</c>. Under <see cref="Threshold"/> the middle
/// blocks are skipped and replaced by the residual they added at that step (H = H_Fn + middle residual); the last
/// <see cref="LastBlocks"/> blocks (Bn) and <c>post</c> always run.
/// </summary>
/// <remarks>
/// Both CFG branches run as one batch, so one distance over the batch decides for both (cache-dit's
/// <c>cfg_diff_compute_separate=False</c> shares the non-CFG branch's diff the same way); the distance is reduced on the
/// activation device and only the scalar reaches the host. Defaults scaled to tiny-wan's 12 blocks (cache-dit's F8B0
/// is for 30–60-block models): DBCache F2B1; FBCache threshold 0.05 as in diffusers.
/// </remarks>
public sealed record DBCacheOptions
{
    /// <summary>Fn: blocks always computed first, whose residual change decides.</summary>
    public int FirstBlocks { get; init; } = 2;

    /// <summary>Bn: blocks always computed last.</summary>
    public int LastBlocks { get; init; } = 1;

    /// <summary>Skip the middle while the relative L1 change of R_Fn stays below this.</summary>
    public double Threshold { get; init; } = 0.08;

    /// <summary>Steps always computed in full first (cache-dit's <c>max_warmup_steps</c>).</summary>
    public int Warmup { get; init; }

    /// <summary>Most consecutive skipped steps (cache-dit's <c>max_continuous_cached_steps</c>; 0 = no limit).</summary>
    public int MaxConsecutive { get; init; }

    /// <summary>First-Block Cache: F1B0 with diffusers' threshold 0.05.</summary>
    public static DBCacheOptions FirstBlock => new() { FirstBlocks = 1, LastBlocks = 0, Threshold = 0.05 };
}

/// <summary>DBCache's pure decision.</summary>
public static class DBCacheDecisions
{
    /// <summary>Skip the middle at <paramref name="step"/> given the residual change (NaN: no earlier residual) and the skips in a row so far.</summary>
    public static bool SkipsMiddle(int step, double residualChange, int consecutive, DBCacheOptions o) =>
        step >= o.Warmup && !double.IsNaN(residualChange) && residualChange < o.Threshold && (o.MaxConsecutive == 0 || consecutive < o.MaxConsecutive);
}

/// <summary>DBCache / FBCache as a policy: every step is a full step whose pass the <see cref="DBCacheHook"/> may shorten.</summary>
public sealed class DBCachePolicy : ICachePolicy
{
    private readonly DBCacheOptions options;

    public DBCachePolicy(string name, DBCacheOptions options, int blockCount)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.FirstBlocks < 1 || options.LastBlocks < 0 || options.FirstBlocks + options.LastBlocks >= blockCount)
        {
            throw new ArgumentException($"DBCache needs 1 <= Fn and Fn + Bn < {blockCount} blocks (got F{options.FirstBlocks}B{options.LastBlocks})", nameof(options));
        }

        this.Name = name;
        this.options = options;
    }

    public string Name { get; }

    public IReadOnlySet<int> BlockCandidates { get; } = new HashSet<int>();

    public void Reset(int steps, int blockCount)
    {
    }

    public CacheDecision Decide(int step, CacheAvailability cache) => CacheDecision.Full;

    public void Observe(StepObservation observation)
    {
    }

    public IBlockHook CreateBlockHook(int blockCount) => new DBCacheHook(this.options, blockCount);
}

/// <summary>
/// The state of one generation: R_Fn of the last step that ran the middle, and the residual the middle added then, in
/// device buffers allocated at the first step and reused (R_Fn of this step and of the last computed step swap roles).
/// </summary>
public sealed class DBCacheHook(DBCacheOptions options, int blockCount) : IBlockHook
{
    private readonly Dictionary<string, double> metrics = [];
    private OrtValue? firstResidual; // R_Fn of the last step that ran the middle
    private OrtValue? pendingResidual; // R_Fn of this step, until the middle runs
    private OrtValue? middleResidual;
    private OrtValue? stack; // scratch: what the blocks up to the middle's end added
    private OrtValue? jumpHidden; // the hidden state a skipped middle continues with
    private bool hasFirst;
    private bool pending;
    private int step;
    private int consecutive;
    private bool skipped;

    private int MiddleEnd => blockCount - options.LastBlocks;

    public CacheDecision? Outcome => this.skipped ? new CacheDecision(StepMode.MiddleReuse, options.FirstBlocks) : null;

    public IReadOnlyDictionary<string, double> Metrics => this.metrics;

    public void BeginStep(int step)
    {
        this.step = step;
        this.skipped = false;
        this.metrics.Clear();
        this.pending = false;
    }

    public BlockJump? BeforeBlock(int block, OrtValue hidden, OrtValue preHidden, DeviceTensorOps ops)
    {
        ArgumentNullException.ThrowIfNull(ops);
        if (block == options.FirstBlocks)
        {
            ops.Subtract(hidden, preHidden, ref this.pendingResidual);
            double change = this.hasFirst ? ops.RelativeL1(this.pendingResidual!, this.firstResidual!) : double.NaN;
            this.metrics["residual_change"] = change;
            if (this.middleResidual is not null && DBCacheDecisions.SkipsMiddle(this.step, change, this.consecutive, options))
            {
                this.skipped = true;
                this.consecutive++;
                ops.Add(hidden, this.middleResidual, ref this.jumpHidden);
                return new BlockJump(this.MiddleEnd, this.jumpHidden!);
            }

            this.pending = true;
            this.consecutive = 0;
        }
        else if (block == this.MiddleEnd && !this.skipped && this.pending)
        {
            // The middle ran: what it added is H − H_0 − R_Fn.
            ops.Subtract(hidden, preHidden, ref this.stack);
            ops.Subtract(this.stack!, this.pendingResidual!, ref this.middleResidual);
            (this.firstResidual, this.pendingResidual) = (this.pendingResidual, this.firstResidual);
            this.hasFirst = true;
            this.pending = false;
        }

        return null;
    }

    public void Dispose()
    {
        foreach (OrtValue? v in (OrtValue?[])[this.firstResidual, this.pendingResidual, this.middleResidual, this.stack, this.jumpHidden])
        {
            v?.Dispose();
        }

        (this.firstResidual, this.pendingResidual, this.middleResidual, this.stack, this.jumpHidden) = (null, null, null, null, null);
        this.hasFirst = false;
    }
}
