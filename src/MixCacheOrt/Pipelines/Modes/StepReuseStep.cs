using MixCacheOrt.Caching;

namespace MixCacheOrt.Pipelines.Modes;

/// <summary>Step cache: no model call; the previous guided output, or (forecast) the last two full outputs extrapolated.</summary>
internal sealed class StepReuseStep : IStepModeRunner
{
    public bool CanServe(CacheDecision decision, FeatureCache cache) => cache.LastOutput is not null;

    public ModeResult Run(StepContext c, int step, float timestep, CacheDecision decision, float[] guided)
    {
        if (decision.Forecast)
        {
            c.Cache.ForecastOutput(step, guided);
        }
        else
        {
            c.Cache.LastOutput!.CopyTo(guided, 0);
        }

        return new ModeResult(decision, null, null, 0, RanModel: false);
    }
}
