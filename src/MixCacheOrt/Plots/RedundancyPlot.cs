using MixCacheOrt.Pipelines;
using ScottPlot;

namespace MixCacheOrt.Plots;

/// <summary>
/// The redundancy curves of a <c>--cache trace</c> run (the paper's Figure 2 kind): every per-step distance the trace
/// recorded (D_step, D_cfg, D_block_i) against the step.
/// </summary>
public static class RedundancyPlot
{
    public const string FileName = "redundancy";

    public static Plot Create(IReadOnlyList<StepTrace> trace, string title)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("relative L1 distance");
        var palette = new ScottPlot.Palettes.Category10();
        string[] metrics = [.. trace.SelectMany(s => s.Metrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        for (int i = 0; i < metrics.Length; i++)
        {
            List<(double Step, double Value)> points = [.. trace
                .Where(s => s.Metrics.TryGetValue(metrics[i], out double v) && double.IsFinite(v))
                .Select(s => ((double)s.Step, s.Metrics[metrics[i]]))];
            var line = plot.Add.Scatter(points.Select(p => p.Step).ToArray(), points.Select(p => p.Value).ToArray(), palette.GetColor(i));
            line.LegendText = metrics[i];
            line.MarkerSize = 3;
        }

        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
