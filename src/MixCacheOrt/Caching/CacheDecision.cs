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
}

/// <summary>A policy's decision for one step.</summary>
/// <param name="Mode">What to run.</param>
/// <param name="Block">For <see cref="StepMode.BlockReuse"/> and <see cref="StepMode.BranchBlockReuse"/>: the block whose cached output is injected (blocks after it run).</param>
public readonly record struct CacheDecision(StepMode Mode, int Block = -1)
{
    public static CacheDecision Full => new(StepMode.Full);

    public static CacheDecision ReuseStep => new(StepMode.StepReuse);

    public static CacheDecision ReuseCfg => new(StepMode.CfgReuse);

    public static CacheDecision ReuseBlock(int block) => new(StepMode.BlockReuse, block);

    public static CacheDecision ReuseBranchBlock(int block) => new(StepMode.BranchBlockReuse, block);

    public static CacheDecision ReuseResidual => new(StepMode.ResidualReuse);

    /// <summary>Short label for traces: full, step, cfg, block_10.</summary>
    public override string ToString() => this.Mode switch
    {
        StepMode.Full => "full",
        StepMode.StepReuse => "step",
        StepMode.CfgReuse => "cfg",
        StepMode.ResidualReuse => "residual",
        StepMode.BranchBlockReuse => $"branch_block_{this.Block}",
        _ => $"block_{this.Block}",
    };
}
