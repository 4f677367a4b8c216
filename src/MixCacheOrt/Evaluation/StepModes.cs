using System.Globalization;
using MixCacheOrt.Caching;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Evaluation;

/// <summary>
/// Steps per cache mode of a run: the trace's decision labels (<see cref="CacheDecision.ToString"/>, as in
/// <c>run.json</c>) without the block index, so <c>block_6</c> and <c>block_9</c> both count as <c>block</c>.
/// </summary>
public static class StepModes
{
    /// <summary>Report order of the known modes; others follow alphabetically.</summary>
    public static IReadOnlyList<string> KnownOrder { get; } = ["full", "step", "cfg", "block", "branch_block", "residual", "middle", "forecast_step", "forecast_cfg", "forecast_block", "forecast_residual"];

    /// <summary>The mode of a decision: <c>full</c>, <c>step</c>, <c>cfg</c>, <c>block</c>, <c>branch_block</c>, <c>residual</c>, ….</summary>
    public static string Label(CacheDecision decision)
    {
        string label = decision.ToString();
        int underscore = label.LastIndexOf('_');
        return underscore > 0 && int.TryParse(label.AsSpan(underscore + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
            ? label[..underscore]
            : label;
    }

    /// <summary>How many steps of <paramref name="trace"/> ran in each mode, in <see cref="Order"/>.</summary>
    public static IReadOnlyDictionary<string, int> Count(IEnumerable<StepTrace> trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        Dictionary<string, int> counts = trace.GroupBy(s => Label(s.Decision)).ToDictionary(g => g.Key, g => g.Count());
        return Order(counts.Keys).ToDictionary(m => m, m => counts[m]);
    }

    /// <summary><paramref name="modes"/> without duplicates, known modes first in <see cref="KnownOrder"/>, then the rest alphabetically.</summary>
    public static IReadOnlyList<string> Order(IEnumerable<string> modes)
    {
        ArgumentNullException.ThrowIfNull(modes);
        var distinct = modes.Distinct(StringComparer.Ordinal).ToList();
        return [.. KnownOrder.Where(distinct.Contains), .. distinct.Where(m => !KnownOrder.Contains(m)).Order(StringComparer.Ordinal)];
    }
}
