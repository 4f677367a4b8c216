using System.Xml.Linq;
using MixCacheOrt.Caching;
using MixCacheOrt.Evaluation;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Plots;
using MixCacheOrt.Tests.TestUtilities;
using ScottPlot;
using static MixCacheOrt.Tests.Evaluation.EvaluationTestData;

namespace MixCacheOrt.Tests.Plots;

public sealed class PlotsTests
{
    [Test]
    public void QualitySpeed_OneMarkerPerCachedMethod_AtItsMeanSpeedupAndPsnr_ReferenceAsTheLineAt1()
    {
        // EvaluationTestData: mixcache-eff 2x/30 dB and 4x/40 dB -> (3, 35); teacache-0.1 1x/identical (capped at 100 dB)
        // and 1.5x/20 dB -> (1.25, 60).
        Plot plot = QualitySpeedPlot.Create(MethodSummary.Aggregate(Records()), "title");

        var markers = plot.GetPlottables().OfType<ScottPlot.Plottables.Marker>().ToDictionary(m => m.LegendText, m => m.Location);
        Assert.That(markers.Keys, Is.EquivalentTo(new[] { "mixcache-eff", "teacache-0.1" }));
        Assert.That((markers["mixcache-eff"].X, markers["mixcache-eff"].Y), Is.EqualTo((3.0, 35.0)));
        Assert.That((markers["teacache-0.1"].X, markers["teacache-0.1"].Y), Is.EqualTo((1.25, 60.0)));
        Assert.That(plot.GetPlottables().OfType<ScottPlot.Plottables.VerticalLine>().Single().X, Is.EqualTo(1));
    }

    [Test]
    public void LatencyBreakdown_StacksEachModesTimeThenTheOtherStages()
    {
        // 10 full steps of 20 ms = 200 ms, 40 step reuses of 1 ms = 40 ms; 500 ms in all, 240 of them denoising: 260 ms
        // for the text encoder and decoder.
        var summary = new MethodSummary
        {
            Method = "m", IsReference = false, Runs = 1, MeanTotalMs = 500, MeanDenoiseMs = 240, MeanSpeedup = 2, GeometricMeanSpeedup = 2,
            MeanDenoiseSpeedup = 2, MeanPsnr = 40, IdenticalRuns = 0, MeanSsim = 0.99, AdheringRuns = 1, MeanOverheadPercent = 0.1,
            MeanStepsPerMode = new Dictionary<string, double> { ["full"] = 10, ["step"] = 40 }, MeanIdealSpeedup = 5, PeakCacheBytes = 0,
            MeanStepMsPerMode = new Dictionary<string, double> { ["full"] = 20, ["step"] = 1 },
        };

        Plot plot = LatencyBreakdownPlot.Create([summary], "title");

        var bars = plot.GetPlottables().OfType<ScottPlot.Plottables.Rectangle>().OrderBy(b => b.CoordinateRect.Left).ToList();
        Assert.That(bars.Select(b => (b.CoordinateRect.Left, b.CoordinateRect.Right)), Is.EqualTo(new[] { (0.0, 200.0), (200.0, 240.0), (240.0, 500.0) }));
        Assert.That(bars.Take(2).Select(b => b.FillColor), Is.EqualTo(new[] { PlotFiles.ModeColor("full"), PlotFiles.ModeColor("step") }));
        Assert.That(plot.Legend.ManualItems.Select(i => i.LabelText), Is.EqualTo(new[] { "full", "step", "text encoder + decoder" }));
    }

    [Test]
    public void ModeTimeline_OneCellPerStep_InTheModesColour_RowsTopDown()
    {
        string[] first = ["full", "full", "step", "cfg"];
        string[] second = ["full", "residual", "residual"];

        Plot plot = ModeTimelinePlot.Create([("a", first), ("b", second)], "title");

        var cells = plot.GetPlottables().OfType<ScottPlot.Plottables.Rectangle>().ToList();
        Assert.That(cells, Has.Count.EqualTo(7));
        var topRow = cells.Where(c => c.CoordinateRect.VerticalCenter == 1).OrderBy(c => c.CoordinateRect.Left).ToList();
        var bottomRow = cells.Where(c => c.CoordinateRect.VerticalCenter == 0).OrderBy(c => c.CoordinateRect.Left).ToList();
        Assert.That(topRow.Select(c => c.FillColor), Is.EqualTo(first.Select(PlotFiles.ModeColor)));
        Assert.That(bottomRow.Select(c => c.FillColor), Is.EqualTo(second.Select(PlotFiles.ModeColor)));
        Assert.That(topRow.Select(c => c.CoordinateRect.Left), Is.EqualTo(new double[] { 0, 1, 2, 3 }), "step k spans [k, k+1)");
        Assert.That(plot.Legend.ManualItems.Select(i => i.LabelText), Is.EqualTo(new[] { "full", "step", "cfg", "residual" }));
    }

    [Test]
    public void Redundancy_OneLinePerRecordedDistance_SkippingNonFiniteValues()
    {
        StepTrace Step(int k, params (string Key, double Value)[] metrics) => new()
        {
            Step = k,
            Timestep = 1000 - k,
            Decision = CacheDecision.Full,
            BlockEvaluations = 24,
            Elapsed = TimeSpan.FromMilliseconds(10),
            Metrics = metrics.ToDictionary(m => m.Key, m => m.Value),
        };
        StepTrace[] trace = [Step(0, ("D_cfg", 0.1)), Step(1, ("D_cfg", 0.2), ("D_step", double.NaN)), Step(2, ("D_cfg", 0.3), ("D_step", 0.05))];

        Plot plot = RedundancyPlot.Create(trace, "title");

        var lines = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToDictionary(s => s.LegendText, s => s.Data.GetScatterPoints());
        Assert.That(lines.Keys, Is.EquivalentTo(new[] { "D_cfg", "D_step" }));
        Assert.That(lines["D_cfg"].Select(p => (p.X, p.Y)), Is.EqualTo(new[] { (0.0, 0.1), (1.0, 0.2), (2.0, 0.3) }));
        Assert.That(lines["D_step"].Select(p => (p.X, p.Y)), Is.EqualTo(new[] { (2.0, 0.05) }));
    }

    [Test]
    public void Save_WritesAPngOfTheSizeAndAWellFormedSvg()
    {
        using var temp = new TempDirectory();
        Plot plot = QualitySpeedPlot.Create(MethodSummary.Aggregate(Records()), "Quality vs speed");

        IReadOnlyList<string> files = PlotFiles.Save(plot, temp.Path, "q", 640, 400);

        Assert.That(files, Is.EqualTo(new[] { "q.png", "q.svg" }));
        using SkiaSharp.SKBitmap png = SkiaSharp.SKBitmap.Decode(Path.Combine(temp.Path, "q.png"));
        Assert.That((png.Width, png.Height), Is.EqualTo((640, 400)));
        Assert.That(png.Pixels.Distinct().Count(), Is.GreaterThan(10), "not a blank picture");
        XDocument svg = XDocument.Load(Path.Combine(temp.Path, "q.svg"));
        Assert.That(svg.Root!.Name.LocalName, Is.EqualTo("svg"));
        Assert.That((string?)svg.Root.Attribute("width"), Is.EqualTo("640"));
    }
}
