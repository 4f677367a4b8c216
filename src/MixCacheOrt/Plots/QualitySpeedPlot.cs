using MixCacheOrt.Evaluation;
using ScottPlot;

namespace MixCacheOrt.Plots;

/// <summary>
/// Eval's quality-vs-speed plot: mean PSNR against mean end-to-end speedup, one labelled marker per preset and one line
/// per family of specs (<c>teacache:l1=…</c> points joined in order of speed: a frontier); full compute (the
/// reference, PSNR ∞) is the dashed line at 1×.
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
        // Runs identical to full compute have no finite PSNR (counted at the 100 dB cap): they would only stretch the axis.
        MethodSummary[] compared = [.. summaries.Where(s => !s.IsReference && s.MeanPsnr is not null && s.IdenticalRuns < s.Runs)];
        foreach (IGrouping<string, MethodSummary> family in compared.Where(s => s.Method.Contains(':', StringComparison.Ordinal) || IsFamilyDefault(s.Method, compared))
            .GroupBy(s => Evaluation.FrontierSweep.FamilyOf(s.Method)))
        {
            MethodSummary[] points = [.. family.OrderBy(s => s.MeanSpeedup)];
            var line = plot.Add.Scatter(points.Select(p => p.MeanSpeedup).ToArray(), points.Select(p => p.MeanPsnr!.Value).ToArray(), palette.GetColor(i++));
            line.LegendText = family.Key;
            line.MarkerSize = 7;
        }

        foreach (MethodSummary s in compared.Where(s => !s.Method.Contains(':', StringComparison.Ordinal) && !IsFamilyDefault(s.Method, compared)))
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
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>A bare family name (e.g. <c>mixcache</c>, <c>pab</c>) that other points of the same family join.</summary>
    private static bool IsFamilyDefault(string method, IReadOnlyList<MethodSummary> compared) =>
        !method.Contains(':', StringComparison.Ordinal) && compared.Any(o => o.Method.StartsWith(method + ":", StringComparison.Ordinal));
}
