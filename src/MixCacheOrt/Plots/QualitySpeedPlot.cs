using MixCacheOrt.Evaluation;
using ScottPlot;

namespace MixCacheOrt.Plots;

/// <summary>
/// Eval's quality-vs-speed plot: mean PSNR against mean end-to-end speedup, one labelled marker per method; full
/// compute (the reference, PSNR ∞) is the dashed line at 1×.
/// </summary>
public static class QualitySpeedPlot
{
    public const string FileName = "quality_vs_speed";

    public static Plot Create(IReadOnlyList<MethodSummary> summaries, string title)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("speedup vs full compute (end to end, ×)");
        plot.YLabel("PSNR vs full compute (dB)");
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (MethodSummary s in summaries.Where(s => !s.IsReference && s.MeanPsnr is not null))
        {
            Color color = palette.GetColor(i++);
            var marker = plot.Add.Marker(s.MeanSpeedup, s.MeanPsnr!.Value, MarkerShape.FilledCircle, size: 9, color);
            marker.LegendText = s.Method;
            var label = plot.Add.Text(s.Method, s.MeanSpeedup, s.MeanPsnr.Value);
            label.LabelFontSize = 11;
            label.LabelFontColor = color;
            label.OffsetX = 7;
            label.OffsetY = -7;
        }

        var reference = plot.Add.VerticalLine(1, width: 1, color: Colors.Gray, pattern: LinePattern.Dashed);
        reference.LegendText = "full compute (reference)";
        plot.Axes.SetLimitsX(0, Math.Max(2, summaries.Select(s => s.MeanSpeedup).DefaultIfEmpty(1).Max() * 1.15));
        plot.ShowLegend(Alignment.LowerLeft);
        return plot;
    }
}
