using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;

namespace MixCacheOrt.Pipelines.Modes;

/// <summary>
/// Both branches through every block (batch 2), the policy's block hook in the pass; keeps what the cache needs (Δcfg
/// and its low band, the full output, the block-stack residual, candidate block outputs), all on the device. When the
/// hook reused part of the stack, the step is recorded as the hook's outcome and nothing is cached from it.
/// </summary>
internal sealed class FullStep : IStepModeRunner
{
    public bool CanServe(CacheDecision decision, FeatureCache cache) => true;

    public ModeResult Run(StepContext c, int step, float timestep, CacheDecision decision, ref OrtValue? guided)
    {
        FeatureCache cache = c.Cache;
        c.Hook?.BeginStep(step);
        DenoiserOutput pass = c.Pass(timestep, c.ContextBoth, captureResidual: (c.Needs & CacheNeeds.Residual) != 0, hook: c.Hook);
        if (c.Hook?.Outcome is CacheDecision outcome)
        {
            c.Ops.Guide(pass.Velocity, c.Guidance, ref guided, ref c.ScratchDelta);
            return new ModeResult(outcome, null, 2 * pass.BlocksRun, RanModel: true);
        }

        c.Ops.Guide(pass.Velocity, c.Guidance, ref guided, ref cache.CfgDeltaSlot(step));
        cache.CfgDeltaWritten();
        cache.RecordFullOutput(step, guided!);
        if (pass.Residual is not null)
        {
            cache.SetResidual(pass.Residual, step);
        }

        if ((c.Needs & CacheNeeds.BranchBlocks) != 0)
        {
            foreach ((int index, OrtValue value) in pass.Captured)
            {
                cache.SetBranchBlock(index, value);
            }
        }
        else
        {
            cache.StoreBlocks(pass.Captured, 2);
        }

        return new ModeResult(decision, pass.Velocity, 2 * pass.BlocksRun, RanModel: true);
    }
}
