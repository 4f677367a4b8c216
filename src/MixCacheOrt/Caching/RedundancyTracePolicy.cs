using System.Globalization;

namespace MixCacheOrt.Caching;

/// <summary>
/// Full compute at every step while recording the three redundancy measures of the MixCache paper (eq. 5) in the
/// trace: D_step (guided output vs previous step), D_cfg (unconditional vs conditional output) and D_block_i
/// (block i's conditional output vs previous step) for the given blocks. These curves are the data behind the
/// paper's Figure 2 and the input of offline profiling. Selected with <c>--cache trace</c>.
/// </summary>
public sealed class RedundancyTracePolicy(IReadOnlyList<int> blocks) : ICachePolicy
{
    public string Name => "trace";

    public IReadOnlySet<int> BlockCandidates { get; } = blocks.ToHashSet();

    public void Reset(int steps, int blockCount)
    {
    }

    public CacheDecision Decide(int step, CacheAvailability cache) => CacheDecision.Full;

    public void Observe(StepObservation o)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (o.Step > 0)
        {
            o.Metrics["D_step"] = o.OutputDistance;
        }

        if (o.CfgDistance is double cfg && !double.IsNaN(cfg))
        {
            o.Metrics["D_cfg"] = cfg;
        }

        foreach (int b in o.BlockOutputs.Computed)
        {
            if (o.BlockOutputs.Distance(b) is double d && !double.IsNaN(d))
            {
                o.Metrics[string.Create(CultureInfo.InvariantCulture, $"D_block_{b}")] = d;
            }
        }
    }
}
