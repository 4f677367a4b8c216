namespace MixCacheOrt.Caching;

/// <summary>How a denoising step obtains its model output.</summary>
public enum StepMode
{
    /// <summary>Both CFG branches through every block (batch 2).</summary>
    Full,

    /// <summary>Step cache: reuse the previous step's guided output, no model call.</summary>
    StepReuse,

    /// <summary>CFG cache: conditional branch only; unconditional = conditional + Δcfg of the last full step.</summary>
    CfgReuse,

    /// <summary>Block cache: conditional branch from a cached block output onwards; unconditional via Δcfg.</summary>
    BlockReuse,

    /// <summary>
    /// Block cache per CFG branch (BlockDance, DeepCache): both branches resume from their own cached output of the
    /// block (batch 2); needs <see cref="CacheNeeds.BranchBlocks"/>.
    /// </summary>
    BranchBlockReuse,

    /// <summary>
    /// Residual cache (TeaCache, PAB at block granularity): both branches run <c>pre</c> and <c>post</c>; the block
    /// stack is replaced by the residual it added at the last full step; needs <see cref="CacheNeeds.Residual"/>.
    /// </summary>
    ResidualReuse,

    /// <summary>
    /// Middle blocks reused (First-Block Cache, DB cache): both branches run the first blocks, the middle of the stack
    /// is replaced by the residual it added at the last step that ran it, and the last blocks run; recorded by the
    /// block hook that decided it mid-pass (<see cref="IBlockHook"/>). <see cref="CacheDecision.Block"/> is the first
    /// block skipped.
    /// </summary>
    MiddleReuse,
}

/// <summary>A policy's decision for one step.</summary>
/// <param name="Mode">What to run.</param>
/// <param name="Block">For <see cref="StepMode.BlockReuse"/> and <see cref="StepMode.BranchBlockReuse"/>: the block whose cached output is injected (blocks after it run).</param>
/// <param name="Forecast">
/// Forecast instead of reuse (TaylorSeer, order 1): what the mode would reuse — the step output, Δcfg, the block output
/// or the block-stack residual — is extrapolated from its last two computed values by the step distance
/// (<see cref="Numerics.Forecast"/>); with one computed value it is reused as is. Needs <see cref="CacheNeeds.Forecast"/>;
/// ignored for <see cref="StepMode.Full"/> and <see cref="StepMode.BranchBlockReuse"/>.
/// </param>
public readonly record struct CacheDecision(StepMode Mode, int Block = -1, bool Forecast = false)
{
    public static CacheDecision Full => new(StepMode.Full);

    public static CacheDecision ReuseStep => new(StepMode.StepReuse);

    public static CacheDecision ReuseCfg => new(StepMode.CfgReuse);

    public static CacheDecision ReuseBlock(int block) => new(StepMode.BlockReuse, block);

    public static CacheDecision ReuseBranchBlock(int block) => new(StepMode.BranchBlockReuse, block);

    public static CacheDecision ReuseResidual => new(StepMode.ResidualReuse);

    /// <summary>This decision with <see cref="Forecast"/> set where the mode can forecast (not full, not branch blocks).</summary>
    public CacheDecision Forecasting() => this.Mode is StepMode.Full or StepMode.BranchBlockReuse or StepMode.MiddleReuse ? this : this with { Forecast = true };

    /// <summary>Short label for traces: full, step, cfg, block_10, forecast_step, forecast_block_10.</summary>
    public override string ToString() => this.Forecast && this.Mode is not (StepMode.Full or StepMode.BranchBlockReuse or StepMode.MiddleReuse) ? "forecast_" + this.Label() : this.Label();

    private string Label() => this.Mode switch
    {
        StepMode.Full => "full",
        StepMode.StepReuse => "step",
        StepMode.CfgReuse => "cfg",
        StepMode.ResidualReuse => "residual",
        StepMode.BranchBlockReuse => $"branch_block_{this.Block}",
        StepMode.MiddleReuse => $"middle_{this.Block}",
        _ => $"block_{this.Block}",
    };
}
