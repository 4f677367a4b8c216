using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;

namespace MixCacheOrt.Pipelines.Modes;

/// <summary>
/// Residual cache (TeaCache, MagCache, PAB at block granularity, TaylorSeer): both branches run <c>pre</c> and
/// <c>post</c>; the block stack is replaced by the residual it added at the last full step, or that residual forecast
/// on the device.
/// </summary>
internal sealed class ResidualStep : IStepModeRunner
{
    public bool CanServe(CacheDecision decision, FeatureCache cache) => cache.Residual is not null;

    public ModeResult Run(StepContext c, int step, float timestep, CacheDecision decision, ref OrtValue? guided)
    {
        OrtValue? forecast = decision.Forecast ? c.Cache.ForecastResidual(step) : null;
        DenoiserOutput pass = c.Pass(timestep, c.ContextBoth, skipBlocksResidual: forecast ?? c.Cache.Residual, capture: StepContext.NoBlocks);
        c.Ops.Guide(pass.Velocity, c.Guidance, ref guided, ref c.ScratchDelta);
        return new ModeResult(decision, null, 2 * pass.BlocksRun, RanModel: true); // estimates: observers see none
    }
}
