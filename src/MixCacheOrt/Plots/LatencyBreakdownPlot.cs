using MixCacheOrt.Evaluation;
using ScottPlot;

namespace MixCacheOrt.Plots;

/// <summary>
/// Where a generation's time goes, per method (the paper's Figure 10 kind): one stacked bar per method, the denoising
/// time of each step mode (mean steps in the mode × mean time of such a step, the policy's per-step overhead included)
/// and the text encoder plus decoder.
/// </summary>
public static class LatencyBreakdownPlot
{
    public const string FileName = "latency_breakdown";

    private const string OtherStages = "text encoder + decoder";

    public static Plot Create(IReadOnlyList<MethodSummary> summaries, string title)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("mean time per generation (ms)");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int r = 0; r < summaries.Count; r++)
        {
            MethodSummary m = summaries[r];
            double y = summaries.Count - 1 - r;
            double x = 0;
            foreach ((string mode, double steps) in m.MeanStepsPerMode)
            {
                double ms = steps * m.MeanStepMsPerMode.GetValueOrDefault(mode);
                Stack(plot, ref x, y, ms, PlotFiles.ModeColor(mode));
                seen.Add(mode);
            }

            Stack(plot, ref x, y, Math.Max(0, m.MeanTotalMs - m.MeanDenoiseMs), Colors.Black.WithAlpha(0.35));
        }

        foreach (string mode in StepModes.Order(seen))
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = mode, FillColor = PlotFiles.ModeColor(mode) });
        }

        plot.Legend.ManualItems.Add(new LegendItem { LabelText = OtherStages, FillColor = Colors.Black.WithAlpha(0.35) });
        double[] positions = [.. Enumerable.Range(0, summaries.Count).Select(r => (double)(summaries.Count - 1 - r))];
        plot.Axes.Left.SetTicks(positions, [.. summaries.Select(s => s.Method)]);
        plot.Axes.SetLimitsY(-0.6, summaries.Count - 0.4);
        plot.Axes.SetLimitsX(0, Math.Max(1, summaries.Select(s => s.MeanTotalMs).DefaultIfEmpty(1).Max() * 1.05));
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static void Stack(Plot plot, ref double x, double y, double width, Color color)
    {
        if (width <= 0)
        {
            return;
        }

        var bar = plot.Add.Rectangle(x, x + width, y - 0.4, y + 0.4);
        bar.FillColor = color;
        bar.LineWidth = 0;
        x += width;
    }
}
