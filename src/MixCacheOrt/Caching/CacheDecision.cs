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
}

/// <summary>A policy's decision for one step.</summary>
/// <param name="Mode">What to run.</param>
/// <param name="Block">For <see cref="StepMode.BlockReuse"/>: the block whose cached output is injected (blocks after it run).</param>
public readonly record struct CacheDecision(StepMode Mode, int Block = -1)
{
    public static CacheDecision Full => new(StepMode.Full);

    public static CacheDecision ReuseStep => new(StepMode.StepReuse);

    public static CacheDecision ReuseCfg => new(StepMode.CfgReuse);

    public static CacheDecision ReuseBlock(int block) => new(StepMode.BlockReuse, block);

    /// <summary>Short label for traces: full, step, cfg, block_10.</summary>
    public override string ToString() => this.Mode switch
    {
        StepMode.Full => "full",
        StepMode.StepReuse => "step",
        StepMode.CfgReuse => "cfg",
        _ => $"block_{this.Block}",
    };
}
