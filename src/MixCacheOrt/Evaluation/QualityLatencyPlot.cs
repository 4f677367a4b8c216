using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace MixCacheOrt.Evaluation;

/// <summary>
/// <c>quality_vs_latency.svg</c>: mean PSNR against mean end-to-end latency, one labelled point per method
/// (standalone SVG 1.1, viewable in any browser; no scripts, no external resources).
/// </summary>
/// <remarks>
/// The x axis starts at 0 ms, so horizontal distances read as speed ratios. The reference method has no PSNR against
/// itself: its point sits in a row marked ∞ above the plot frame (hollow marker), with a dashed vertical line at its
/// latency. Every point is a <c>circle</c> with <c>class="point"</c> and <c>data-method</c>, inside a group with a
/// tooltip (<c>title</c>) and a text label.
/// </remarks>
public static class QualityLatencyPlot
{
    /// <summary>The SVG namespace.</summary>
    public static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private const double Width = 760;
    private const double Height = 520;
    private const double Left = 72;
    private const double Right = 36;
    private const double Top = 84;

    /// <summary>Height of the reference row above the plot frame (PSNR ∞).</summary>
    private const double InfinityRow = Top - 22;
    private const double Bottom = 84;
    private const double CharWidth = 6.6;

    private static readonly string[] s_colors =
        ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];

    /// <summary>The SVG as UTF-8 text with an XML declaration.</summary>
    public static string CreateText(IReadOnlyList<MethodSummary> summaries, string title)
    {
        XDocument document = Create(summaries, title);
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
        {
            document.Save(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>The SVG document.</summary>
    public static XDocument Create(IReadOnlyList<MethodSummary> summaries, string title)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        ArgumentNullException.ThrowIfNull(title);
        double plotWidth = Width - Left - Right;
        double plotHeight = Height - Top - Bottom;

        double maxLatency = summaries.Select(s => s.MeanTotalMs).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        double[] xTicks = Ticks(0, Math.Max(maxLatency, 1e-3) * 1.08);
        double xMax = xTicks[^1];
        double[] psnrs = [.. summaries.Where(s => !s.IsReference && s.MeanPsnr is double p && double.IsFinite(p)).Select(s => s.MeanPsnr!.Value)];
        double low = psnrs.Length == 0 ? 0 : psnrs.Min();
        double high = psnrs.Length == 0 ? 50 : psnrs.Max();
        double pad = Math.Max(1, (high - low) * 0.15);
        double[] yTicks = Ticks(Math.Max(0, low - pad), high + pad);
        (double yMin, double yMax) = (yTicks[0], yTicks[^1]);

        double X(double ms) => Left + (ms / xMax * plotWidth);
        double Y(double db) => Top + plotHeight - ((db - yMin) / (yMax - yMin) * plotHeight);

        var svg = new XElement(Svg + "svg",
            new XAttribute("width", Num(Width)),
            new XAttribute("height", Num(Height)),
            new XAttribute("viewBox", $"0 0 {Num(Width)} {Num(Height)}"),
            new XAttribute("font-family", "Helvetica, Arial, sans-serif"),
            new XAttribute("font-size", "12"),
            new XElement(Svg + "title", title),
            new XElement(Svg + "rect", new XAttribute("width", "100%"), new XAttribute("height", "100%"), new XAttribute("fill", "white")),
            Text(Width / 2, 28, title, anchor: "middle", size: 15, weight: "bold"));

        // Grid, ticks and axes.
        var grid = new XElement(Svg + "g", new XAttribute("class", "axes"), new XAttribute("stroke", "#e3e3e3"));
        var labels = new XElement(Svg + "g", new XAttribute("class", "tick-labels"), new XAttribute("fill", "#444"));
        foreach (double t in xTicks)
        {
            grid.Add(Line(X(t), Top, X(t), Top + plotHeight));
            labels.Add(Text(X(t), Top + plotHeight + 18, Num(t), anchor: "middle"));
        }

        foreach (double t in yTicks)
        {
            grid.Add(Line(Left, Y(t), Left + plotWidth, Y(t)));
            labels.Add(Text(Left - 8, Y(t) + 4, Num(t), anchor: "end"));
        }

        labels.Add(Text(Left - 8, InfinityRow + 4, "∞", anchor: "end"));

        svg.Add(grid, labels);
        svg.Add(new XElement(Svg + "rect",
            new XAttribute("x", Num(Left)), new XAttribute("y", Num(Top)), new XAttribute("width", Num(plotWidth)), new XAttribute("height", Num(plotHeight)),
            new XAttribute("fill", "none"), new XAttribute("stroke", "#333")));
        svg.Add(Text(Left + (plotWidth / 2), Top + plotHeight + 40, "Mean end-to-end latency per generation (ms)", anchor: "middle", size: 13));
        svg.Add(new XElement(Svg + "text",
            new XAttribute("transform", $"translate(18 {Num(Top + (plotHeight / 2))}) rotate(-90)"),
            new XAttribute("text-anchor", "middle"), new XAttribute("font-size", "13"),
            "Mean PSNR vs full compute (dB)"));
        svg.Add(Text(Left, Height - 14,
            $"Reference ({EvaluationMethods.Reference}) is not compared with itself: drawn hollow in the ∞ row above the plot. " +
            $"Identical runs count as {Num(MethodSummary.PsnrCapDb)} dB.",
            size: 11, fill: "#555"));

        // Points (reference first, so it is drawn below the others), then labels that avoid points and earlier labels.
        var marks = new List<(MethodSummary Summary, double X, double Y, string Color)>();
        int colorIndex = 0;
        foreach (MethodSummary s in summaries.OrderByDescending(s => s.IsReference))
        {
            if (!double.IsFinite(s.MeanTotalMs) || (!s.IsReference && s.MeanPsnr is not double))
            {
                continue;
            }

            double cy = s.IsReference ? InfinityRow : Y(Math.Clamp(s.MeanPsnr!.Value, yMin, yMax));
            marks.Add((s, X(s.MeanTotalMs), cy, s.IsReference ? "#000000" : s_colors[colorIndex++ % s_colors.Length]));
        }

        var placed = new List<(double X0, double X1, double Y)>();
        var points = new XElement(Svg + "g", new XAttribute("class", "points"));
        foreach ((MethodSummary s, double cx, double cy, string color) in marks)
        {
            string psnrText = s.IsReference ? "∞" : $"{Fixed(s.MeanPsnr!.Value, 2)} dB" + (s.IdenticalRuns > 0 ? $" ({s.IdenticalRuns}/{s.Runs} runs identical)" : string.Empty);
            string label = s.IsReference ? $"{s.Method} (reference)"
                : $"{s.Method} {Fixed(s.MeanSpeedup, 2)}×" + (s.IdenticalRuns == s.Runs ? " (identical)"
                    : s.IdenticalRuns > 0 ? $" ({s.IdenticalRuns}/{s.Runs} identical)" : string.Empty);
            string tooltip = $"{s.Method}: {Fixed(s.MeanTotalMs, 1)} ms, {Fixed(s.MeanSpeedup, 2)}× speedup, PSNR {psnrText}, SSIM " +
                (s.IsReference ? "1" : Fixed(s.MeanSsim, 4)) + $", {s.Runs} runs";
            if (s.IsReference)
            {
                points.Add(new XElement(Svg + "line",
                    new XAttribute("x1", Num(cx)), new XAttribute("y1", Num(InfinityRow)), new XAttribute("x2", Num(cx)), new XAttribute("y2", Num(Top + plotHeight)),
                    new XAttribute("stroke", "#000"), new XAttribute("stroke-dasharray", "4 4"), new XAttribute("stroke-opacity", "0.5")));
            }

            var obstacles = marks.Where(m => m.Summary != s).Select(m => (m.X, m.Y)).ToList();
            (double lx, double ly, string anchor) = PlaceLabel(cx, cy, label.Length * CharWidth, Left + plotWidth, placed, obstacles);
            points.Add(new XElement(Svg + "g",
                new XAttribute("class", "method"),
                new XAttribute("data-method", s.Method),
                new XElement(Svg + "title", tooltip),
                new XElement(Svg + "circle",
                    new XAttribute("class", "point"),
                    new XAttribute("data-method", s.Method),
                    new XAttribute("cx", Num(cx)), new XAttribute("cy", Num(cy)), new XAttribute("r", "5"),
                    new XAttribute("fill", s.IsReference ? "white" : color),
                    new XAttribute("stroke", color), new XAttribute("stroke-width", "2")),
                Text(lx, ly, label, anchor: anchor, fill: color)));
        }

        svg.Add(points);
        return new XDocument(new XDeclaration("1.0", "utf-8", null), svg);
    }

    /// <summary>"Nice" ticks (steps of 1, 2 or 5 × 10^k) covering [<paramref name="min"/>, <paramref name="max"/>].</summary>
    internal static double[] Ticks(double min, double max)
    {
        if (!(max > min))
        {
            max = min + 1;
        }

        double raw = (max - min) / 6;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2, 5, 10 }.Select(f => f * magnitude).First(s => s >= raw);
        double first = Math.Floor(min / step) * step;
        double last = Math.Ceiling(max / step) * step;
        int count = (int)Math.Round((last - first) / step);
        return [.. Enumerable.Range(0, count + 1).Select(i => Math.Round(first + (i * step), 10))];
    }

    /// <summary>
    /// Right of the point (left of it near the right edge), moved down or up until it overlaps neither an earlier
    /// label nor another point.
    /// </summary>
    private static (double X, double Y, string Anchor) PlaceLabel(double cx, double cy, double width, double rightEdge,
        List<(double X0, double X1, double Y)> placed, List<(double X, double Y)> obstacles)
    {
        bool leftSide = cx + 9 + width > rightEdge;
        double x0 = leftSide ? cx - 9 - width : cx + 9;
        double x1 = x0 + width;
        double labelX = leftSide ? cx - 9 : cx + 9;
        string anchor = leftSide ? "end" : "start";
        foreach (double dy in new double[] { 0, 14, -14, 28, -28, 42, -42, 56, -56 })
        {
            double baseline = cy + 4 + dy;
            bool free = !placed.Any(p => p.X0 < x1 && x0 < p.X1 && Math.Abs(p.Y - baseline) < 13)
                && !obstacles.Any(o => o.X + 6 > x0 && o.X - 6 < x1 && o.Y + 6 > baseline - 11 && o.Y - 6 < baseline + 3);
            if (free)
            {
                placed.Add((x0, x1, baseline));
                return (labelX, baseline, anchor);
            }
        }

        placed.Add((x0, x1, cy + 4));
        return (labelX, cy + 4, anchor);
    }

    private static XElement Line(double x1, double y1, double x2, double y2) =>
        new(Svg + "line", new XAttribute("x1", Num(x1)), new XAttribute("y1", Num(y1)), new XAttribute("x2", Num(x2)), new XAttribute("y2", Num(y2)));

    private static XElement Text(double x, double y, string text, string anchor = "start", double size = 12, string? weight = null, string? fill = null)
    {
        var element = new XElement(Svg + "text", new XAttribute("x", Num(x)), new XAttribute("y", Num(y)), new XAttribute("text-anchor", anchor), text);
        if (size != 12)
        {
            element.Add(new XAttribute("font-size", Num(size)));
        }

        if (weight is not null)
        {
            element.Add(new XAttribute("font-weight", weight));
        }

        if (fill is not null)
        {
            element.Add(new XAttribute("fill", fill));
        }

        return element;
    }

    private static string Num(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Fixed(double value, int decimals) => EvaluationFormat.Fixed(value, decimals);
}
