using MixCacheOrt.Evaluation;
using ScottPlot;

namespace MixCacheOrt.Plots;

/// <summary>
/// The per-step mode timeline (the paper's Figure 9 kind): one row per run, one cell per step coloured by how the step
/// was computed (full, step cache, cfg cache, block cache, ...).
/// </summary>
public static class ModeTimelinePlot
{
    public const string FileName = "mode_timeline";

    /// <param name="rows">A label and the mode of every step, top row first.</param>
    /// <param name="title">Plot title.</param>
    public static Plot Create(IReadOnlyList<(string Label, IReadOnlyList<string> Modes)> rows, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("step");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int r = 0; r < rows.Count; r++)
        {
            double y = rows.Count - 1 - r;
            IReadOnlyList<string> modes = rows[r].Modes;
            for (int k = 0; k < modes.Count; k++)
            {
                var cell = plot.Add.Rectangle(k, k + 1, y - 0.4, y + 0.4);
                cell.FillColor = PlotFiles.ModeColor(modes[k]);
                cell.LineWidth = 0;
            }

            seen.UnionWith(modes);
        }

        foreach (string mode in StepModes.Order(seen))
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = mode, FillColor = PlotFiles.ModeColor(mode) });
        }

        double[] positions = [.. Enumerable.Range(0, rows.Count).Select(r => (double)(rows.Count - 1 - r))];
        plot.Axes.Left.SetTicks(positions, [.. rows.Select(r => r.Label)]);
        plot.Axes.SetLimitsY(-0.6, rows.Count - 0.4);
        plot.Axes.SetLimitsX(0, Math.Max(1, rows.Select(r => r.Modes.Count).DefaultIfEmpty(1).Max()));
        plot.ShowLegend(Edge.Right);
        return plot;
    }
}
