using MixCacheOrt.Evaluation;
using ScottPlot;

namespace MixCacheOrt.Plots;

/// <summary>
/// Eval's quality-vs-speed plots: mean PSNR (or SSIM) against mean end-to-end speedup, one labelled marker per preset
/// and one line per frontier (<c>teacache:l1=…</c> points joined in order of speed), each with its 95% bootstrap
/// interval of the mean (a band along a line, a bar on a marker); full compute (the reference) is the dashed line at 1×.
/// </summary>
public static class QualitySpeedPlot
{
    public const string FileName = "quality_vs_speed";

    /// <summary>The SSIM version's file name.</summary>
    public const string SsimFileName = "quality_vs_speed_ssim";

    public static Plot Create(IReadOnlyList<MethodSummary> summaries, string title, bool ssim = false)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("speedup vs full compute (end to end, ×)");
        plot.YLabel(ssim ? "SSIM vs full compute" : "PSNR vs full compute (dB)");
        double Y(MethodSummary s) => ssim ? s.MeanSsim : s.MeanPsnr!.Value;
        (double Low, double High)? Band(MethodSummary s) => ssim ? s.SsimInterval : s.PsnrInterval;
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        // Runs identical to full compute have no finite PSNR (counted at the 100 dB cap): they would only stretch the axis.
        MethodSummary[] compared = [.. summaries.Where(s => !s.IsReference && s.MeanPsnr is not null && s.IdenticalRuns < s.Runs)];
        foreach (IGrouping<string, MethodSummary> family in compared.Where(s => s.Method.Contains(':', StringComparison.Ordinal) || IsFamilyDefault(s.Method, compared))
            .GroupBy(s => Evaluation.FrontierSweep.FamilyOf(s.Method)))
        {
            MethodSummary[] points = [.. family.OrderBy(s => s.MeanSpeedup)];
            Color color = palette.GetColor(i++ % 10);
            double[] xs = [.. points.Select(p => p.MeanSpeedup)];
            if (points.All(p => Band(p) is not null))
            {
                var band = plot.Add.FillY(xs, [.. points.Select(p => Band(p)!.Value.Low)], [.. points.Select(p => Band(p)!.Value.High)]);
                band.FillStyle.Color = color.WithAlpha(0.15);
                band.LineStyle.Width = 0;
            }

            var line = plot.Add.Scatter(xs, points.Select(Y).ToArray(), color);
            line.LegendText = family.Key;
            line.MarkerSize = 7;
            if (i > 10)
            {
                line.LinePattern = LinePattern.Dashed; // the palette has ten colours
            }
        }

        foreach (MethodSummary s in compared.Where(s => !s.Method.Contains(':', StringComparison.Ordinal) && !IsFamilyDefault(s.Method, compared)))
        {
            Color color = palette.GetColor(i++ % 10);
            if (Band(s) is { } interval)
            {
                var bar = plot.Add.Line(s.MeanSpeedup, interval.Low, s.MeanSpeedup, interval.High);
                bar.LineColor = color.WithAlpha(0.5);
                bar.LineWidth = 3;
            }

            var marker = plot.Add.Marker(s.MeanSpeedup, Y(s), MarkerShape.FilledCircle, size: 9, color);
            marker.LegendText = s.Method;
            var label = plot.Add.Text(s.Method, s.MeanSpeedup, Y(s));
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
