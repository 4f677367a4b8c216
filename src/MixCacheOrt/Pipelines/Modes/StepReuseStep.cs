using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;

namespace MixCacheOrt.Pipelines.Modes;

/// <summary>Step cache: no model call; the previous guided output, or (forecast) the last two full outputs extrapolated, copied on the device.</summary>
internal sealed class StepReuseStep : IStepModeRunner
{
    public bool CanServe(CacheDecision decision, FeatureCache cache) => cache.LastOutput is not null;

    public ModeResult Run(StepContext c, int step, float timestep, CacheDecision decision, ref OrtValue? guided)
    {
        if (decision.Forecast)
        {
            c.Cache.ForecastOutput(step, ref guided);
        }
        else
        {
            c.Ops.Copy(c.Cache.LastOutput!, ref guided);
        }

        return new ModeResult(decision, null, 0, RanModel: false);
    }
}
