using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;

namespace MixCacheOrt.Pipelines.Modes;

/// <summary>
/// CFG cache and block cache: the conditional branch only (batch 1), from the start (cfg) or resumed after a cached
/// block output (block, forecast on the device when asked); the unconditional output is the conditional one plus Δcfg
/// of the last full step (forecast, or weighted with its low band by the policy, as FasterCache does), on the device.
/// </summary>
internal sealed class ConditionalOnlyStep : IStepModeRunner
{
    public bool CanServe(CacheDecision decision, FeatureCache cache) =>
        cache.CfgDelta is not null && (decision.Mode != StepMode.BlockReuse || cache.CachedBlocks.Contains(decision.Block));

    public ModeResult Run(StepContext c, int step, float timestep, CacheDecision decision, ref OrtValue? guided)
    {
        FeatureCache cache = c.Cache;
        int? resume = decision.Mode == StepMode.BlockReuse ? decision.Block : null;
        OrtValue? forecastHidden = decision.Forecast && resume is int b ? cache.ForecastBlock(b, step) : null;
        DenoiserOutput pass = c.Pass(timestep, c.ContextCond, resume, resume is int r ? forecastHidden ?? cache.Block(r) : null);
        OrtValue delta = cache.CfgDeltaFor(step, decision.Forecast, decision.Forecast ? null : c.Policy.EstimateCfgDelta(step));
        c.Ops.GuideWithDelta(pass.Velocity, delta, c.Guidance, ref guided);
        cache.StoreBlocks(pass.Captured, 1);
        return new ModeResult(decision, pass.Velocity, pass.BlocksRun, RanModel: true); // no real unconditional output to observe
    }
}
