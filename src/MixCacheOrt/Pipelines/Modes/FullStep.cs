using MixCacheOrt.Caching;
using MixCacheOrt.Numerics;

namespace MixCacheOrt.Pipelines.Modes;

/// <summary>
/// Both branches through every block (batch 2), the policy's block hook in the pass; keeps what the cache needs (Δcfg,
/// the full output, the block-stack residual, candidate block outputs). When the hook reused part of the stack, the
/// step is recorded as the hook's outcome and nothing is cached from it.
/// </summary>
internal sealed class FullStep : IStepModeRunner
{
    public bool CanServe(CacheDecision decision, FeatureCache cache) => true;

    public ModeResult Run(StepContext c, int step, float timestep, CacheDecision decision, float[] guided)
    {
        FeatureCache cache = c.Cache;
        c.Hook?.BeginStep(step);
        using DenoiserOutput pass = c.Pass(timestep, c.ContextBoth, captureResidual: (c.Needs & CacheNeeds.Residual) != 0, hook: c.Hook);
        float[] cond = c.ConditionalBuffer, uncond = c.UnconditionalBuffer;
        pass.Conditional.CopyTo(cond);
        pass.Unconditional.CopyTo(uncond);
        Guidance.Combine(cond, uncond, c.Guidance, guided);
        if (c.Hook?.Outcome is CacheDecision outcome)
        {
            return new ModeResult(outcome, null, null, 2 * pass.BlocksRun, RanModel: true);
        }

        cache.SetCfgDelta(cond, uncond, step);
        cache.RecordFullOutput(step, guided);
        if (pass.Residual is not null)
        {
            cache.SetResidual(pass.TakeResidual(), step);
        }

        if ((c.Needs & CacheNeeds.BranchBlocks) != 0)
        {
            foreach (int index in pass.Captured.Keys.ToArray())
            {
                cache.SetBranchBlock(index, pass.TakeCaptured(index));
            }
        }

        cache.StoreBlocks(pass.Captured, 2);
        return new ModeResult(decision, cond, uncond, 2 * pass.BlocksRun, RanModel: true);
    }
}
