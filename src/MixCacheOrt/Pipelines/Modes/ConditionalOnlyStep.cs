using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;
using MixCacheOrt.Numerics;

namespace MixCacheOrt.Pipelines.Modes;

/// <summary>
/// CFG cache and block cache: the conditional branch only (batch 1), from the start (cfg) or resumed after a cached
/// block output (block, forecast on the device when asked); the unconditional output is the conditional one plus Δcfg
/// of the last full step (forecast, or the policy's own estimate such as FasterCache's frequency bands).
/// </summary>
internal sealed class ConditionalOnlyStep : IStepModeRunner
{
    public bool CanServe(CacheDecision decision, FeatureCache cache) =>
        cache.CfgDelta is not null && (decision.Mode != StepMode.BlockReuse || cache.CachedBlocks.Contains(decision.Block));

    public ModeResult Run(StepContext c, int step, float timestep, CacheDecision decision, float[] guided)
    {
        FeatureCache cache = c.Cache;
        int? resume = decision.Mode == StepMode.BlockReuse ? decision.Block : null;
        using OrtValue? forecastHidden = decision.Forecast && resume is int b ? cache.ForecastBlock(b, step) : null;
        using DenoiserOutput pass = c.Pass(timestep, c.ContextCond, resume, resume is int r ? forecastHidden ?? cache.Block(r) : null);
        float[] cond = c.ConditionalBuffer, uncond = c.UnconditionalBuffer;
        pass.Conditional.CopyTo(cond);
        if (decision.Forecast)
        {
            cache.ForecastCfgDelta(step, uncond);
            TensorPrimitives.Add(cond, uncond, uncond);
        }
        else if (!c.Policy.EstimateUnconditional(step, cond, uncond))
        {
            TensorPrimitives.Add(cond, cache.CfgDelta!, uncond);
        }

        Guidance.Combine(cond, uncond, c.Guidance, guided);
        cache.StoreBlocks(pass.Captured, 1);
        return new ModeResult(decision, cond, null, pass.BlocksRun, RanModel: true); // no real unconditional output to observe
    }
}
