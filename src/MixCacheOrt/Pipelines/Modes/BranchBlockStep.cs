using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;

namespace MixCacheOrt.Pipelines.Modes;

/// <summary>Block cache per CFG branch (BlockDance): both branches resume from their own cached output of the block.</summary>
internal sealed class BranchBlockStep : IStepModeRunner
{
    public bool CanServe(CacheDecision decision, FeatureCache cache) => cache.BranchBlock(decision.Block) is not null;

    public ModeResult Run(StepContext c, int step, float timestep, CacheDecision decision, ref OrtValue? guided)
    {
        DenoiserOutput pass = c.Pass(timestep, c.ContextBoth, decision.Block, c.Cache.BranchBlock(decision.Block), capture: StepContext.NoBlocks);
        c.Ops.Guide(pass.Velocity, c.Guidance, ref guided, ref c.ScratchDelta);
        return new ModeResult(decision, null, 2 * pass.BlocksRun, RanModel: true); // estimates: observers see none
    }
}
