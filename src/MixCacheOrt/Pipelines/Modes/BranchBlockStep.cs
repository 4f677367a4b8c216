using MixCacheOrt.Caching;
using MixCacheOrt.Numerics;

namespace MixCacheOrt.Pipelines.Modes;

/// <summary>Block cache per CFG branch (BlockDance): both branches resume from their own cached output of the block.</summary>
internal sealed class BranchBlockStep : IStepModeRunner
{
    public bool CanServe(CacheDecision decision, FeatureCache cache) => cache.BranchBlock(decision.Block) is not null;

    public ModeResult Run(StepContext c, int step, float timestep, CacheDecision decision, float[] guided)
    {
        using DenoiserOutput pass = c.Pass(timestep, c.ContextBoth, decision.Block, c.Cache.BranchBlock(decision.Block), capture: StepContext.NoBlocks);
        Guidance.Combine(pass.Conditional, pass.Unconditional, c.Guidance, guided);
        return new ModeResult(decision, null, null, 2 * pass.BlocksRun, RanModel: true); // estimates: observers see none
    }
}
