#:package ScottPlot@5.1.59
#:property PublishAot=false
#:property ManagePackageVersionsCentrally=false
// Plots benchmarks/cost_ladder.py's CSV (one Wan block forward at batch 2, per (config, grid) point), log-log:
//   dotnet run --file benchmarks/cost-plot.cs -- CSV OUTDIR
// Writes OUTDIR/block_time_vs_tokens.png: median block time against tokens, one line per width (dim) measured at two
// or more grids, with reference slopes 1 (what the projections and the FFN cost per token) and 2 (self-attention's
// scores and values) through the line's first point; and OUTDIR/block_time_vs_width.png: median block time against
// dim, one line per grid measured at two or more widths, with reference slope 2 (projections and FFN: dim² per token).
// Every point is labelled CONFIG:GRID. Only the CSV's columns config, grid, tokens, dim and median_ms are read.
using System.Globalization;
using ScottPlot;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dotnet run --file benchmarks/cost-plot.cs -- CSV OUTDIR");
    return 2;
}

string[] lines = [.. File.ReadAllLines(args[0]).Where(l => l.Trim().Length > 0)];
if (lines.Length < 2)
{
    Console.Error.WriteLine($"{args[0]}: no rows");
    return 1;
}

string[] header = lines[0].Split(',');
int Column(string name) => Array.IndexOf(header, name) is int i and >= 0 ? i : throw new InvalidDataException($"{args[0]}: no column '{name}'");
(int config, int grid, int tokens, int dim, int median) = (Column("config"), Column("grid"), Column("tokens"), Column("dim"), Column("median_ms"));
CostPoint[] points =
[
    .. lines.Skip(1).Select(l => l.Split(',')).Select(f => new CostPoint(
        f[config], f[grid], int.Parse(f[tokens], CultureInfo.InvariantCulture), int.Parse(f[dim], CultureInfo.InvariantCulture),
        double.Parse(f[median], CultureInfo.InvariantCulture))),
];
Directory.CreateDirectory(args[1]);
int written = 0;

// Block time vs tokens, at fixed width.
Series[] byWidth =
[
    .. points.GroupBy(p => p.Dim).Where(g => g.Select(p => p.Tokens).Distinct().Count() >= 2).OrderBy(g => g.Key)
        .Select(g => new Series($"dim {g.Key} ({string.Join("/", g.Select(p => p.Config).Distinct())})", [.. g.OrderBy(p => p.Tokens)])),
];
written += Save(
    CostPlots.LogLog(byWidth, p => p.Tokens, "One block forward (batch 2) vs tokens, at fixed width", "tokens", [(1, "slope 1: ∝ tokens"), (2, "slope 2: ∝ tokens²")]),
    "block_time_vs_tokens",
    "no width measured at two or more grids");

// Block time vs width, at fixed grid.
Series[] byGrid =
[
    .. points.GroupBy(p => (p.Grid, p.Tokens)).Where(g => g.Select(p => p.Dim).Distinct().Count() >= 2).OrderBy(g => g.Key.Tokens)
        .Select(g => new Series($"grid {g.Key.Grid} ({g.Key.Tokens} tokens)", [.. g.OrderBy(p => p.Dim)])),
];
written += Save(
    CostPlots.LogLog(byGrid, p => p.Dim, "One block forward (batch 2) vs width, at fixed grid", "width (dim)", [(2, "slope 2: ∝ dim²")]),
    "block_time_vs_width",
    "no grid measured at two or more widths");
return written > 0 ? 0 : 1;

int Save(Plot? plot, string name, string why)
{
    if (plot is null)
    {
        Console.Error.WriteLine($"{name}.png: skipped ({why})");
        return 0;
    }

    string path = Path.Combine(args[1], name + ".png");
    plot.SavePng(path, 900, 620);
    Console.WriteLine($"wrote {path}");
    return 1;
}

internal sealed record CostPoint(string Config, string Grid, int Tokens, int Dim, double MedianMs);

internal sealed record Series(string Name, CostPoint[] Points);

internal static class CostPlots
{
    /// <summary>
    /// A log-log plot (log10 of the values on linear axes, decade ticks labelled with the values): one line per series,
    /// each point labelled CONFIG:GRID, and dashed reference lines of the given slopes through the first series' first point.
    /// </summary>
    public static Plot? LogLog(Series[] series, Func<CostPoint, double> x, string title, string xLabel, (double Slope, string Label)[] references)
    {
        if (series.Length == 0)
        {
            return null;
        }

        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel + " (log scale)");
        plot.YLabel("median time (ms, log scale)");
        var palette = new ScottPlot.Palettes.Category10();
        var ys = new List<double>();
        for (int i = 0; i < series.Length; i++)
        {
            Series s = series[i];
            Color color = palette.GetColor(i % 10);
            var line = plot.Add.Scatter(s.Points.Select(p => Math.Log10(x(p))).ToArray(), s.Points.Select(p => Math.Log10(p.MedianMs)).ToArray(), color);
            line.LegendText = s.Name;
            line.MarkerSize = 8;
            line.LineWidth = 2;
            foreach (CostPoint p in s.Points)
            {
                var label = plot.Add.Text($"{p.Config}:{p.Grid}", Math.Log10(x(p)), Math.Log10(p.MedianMs));
                label.LabelFontSize = 12;
                label.LabelFontColor = color;
                label.OffsetX = 7;
                label.OffsetY = -7;
                ys.Add(p.MedianMs);
            }
        }

        double[] xs = [.. series.SelectMany(s => s.Points).Select(x)];
        (double x0, double y0) = (x(series[0].Points[0]), series[0].Points[0].MedianMs);
        (double xLo, double xHi) = (xs.Min(), xs.Max());
        for (int r = 0; r < references.Length; r++)
        {
            (double slope, string text) = references[r];
            double Ref(double v) => Math.Log10(y0) + slope * (Math.Log10(v) - Math.Log10(x0));
            var line = plot.Add.Line(Math.Log10(xLo), Ref(xLo), Math.Log10(xHi), Ref(xHi));
            line.LineColor = Colors.Gray;
            line.LineWidth = 1.5f;
            line.LinePattern = r % 2 == 0 ? LinePattern.Dashed : LinePattern.Dotted;
            line.LegendText = $"{text} (through {series[0].Points[0].Config}:{series[0].Points[0].Grid})";
            ys.Add(Math.Pow(10, Ref(xHi)));
        }

        plot.Axes.Bottom.TickGenerator = LogTicks(xs.Min(), xs.Max());
        plot.Axes.Left.TickGenerator = LogTicks(ys.Min(), ys.Max());
        double pad = 0.08 * Math.Max(Math.Log10(xHi / xLo), 0.5);
        plot.Axes.SetLimitsX(Math.Log10(xLo) - pad, Math.Log10(xHi) + 2.5 * pad);
        double yPad = 0.08 * Math.Max(Math.Log10(ys.Max() / ys.Min()), 0.5);
        plot.Axes.SetLimitsY(Math.Log10(ys.Min()) - yPad, Math.Log10(ys.Max()) + yPad);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    /// <summary>Ticks of a log10 axis between two values: labelled at 1, 2, 5 × 10^k, unlabelled minors at the other integers.</summary>
    private static ScottPlot.TickGenerators.NumericManual LogTicks(double min, double max)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int k = (int)Math.Floor(Math.Log10(min)) - 1; k <= (int)Math.Ceiling(Math.Log10(max)) + 1; k++)
        {
            for (int m = 1; m <= 9; m++)
            {
                double v = m * Math.Pow(10, k);
                if (m is 1 or 2 or 5)
                {
                    ticks.AddMajor(Math.Log10(v), v.ToString(v >= 1 ? "#,0" : "0.###", CultureInfo.InvariantCulture));
                }
                else
                {
                    ticks.AddMinor(Math.Log10(v));
                }
            }
        }

        return ticks;
    }
}
