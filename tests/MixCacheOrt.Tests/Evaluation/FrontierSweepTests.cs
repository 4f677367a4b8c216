using MixCacheOrt.Caching;
using MixCacheOrt.Evaluation;
using MixCacheOrt.Plots;
using ScottPlot;
using static MixCacheOrt.Tests.Evaluation.EvaluationTestData;

namespace MixCacheOrt.Tests.Evaluation;

public sealed class FrontierSweepTests
{
    [Test]
    public void EveryFamily_HasAtLeastFiveValidSettings()
    {
        Assert.That(FrontierSweep.Points.Keys, Is.SupersetOf(CachePolicyFactory.Families.Keys), "every family with knobs is swept");
        Assert.That(FrontierSweep.Points.Keys.Except(CachePolicyFactory.Families.Keys), Is.EquivalentTo(new[] { "mixcache-forecast", "mixcache-budget" }));
        foreach ((string family, IReadOnlyList<string> points) in FrontierSweep.Points)
        {
            Assert.That(points, Has.Count.GreaterThanOrEqualTo(5), family);
            foreach (string point in points)
            {
                Assert.That(CachePolicyFactory.Check(point).Error, Is.Null, point);
                Assert.That(FrontierSweep.FamilyOf(point), Is.EqualTo(family));
                Assert.That(CachePolicyFactory.Check(point).Name, Is.EqualTo(point), "points are written canonically");
            }
        }
    }

    [Test]
    public void Expand_PutsTheReferenceFirst_ThenTheFamiliesPoints()
    {
        IReadOnlyList<string> teacache = FrontierSweep.Expand(["teacache"]);
        Assert.That(teacache, Is.EqualTo(new[] { "none", "teacache:l1=0.02", "teacache:l1=0.04", "teacache:l1=0.07", "teacache:l1=0.1", "teacache:l1=0.14", "teacache:l1=0.2" }));
        Assert.That(FrontierSweep.Expand([]), Has.Count.EqualTo(1 + FrontierSweep.Points.Values.Sum(p => p.Count)));

        var e = Assert.Throws<UnknownMethodException>(() => FrontierSweep.Expand(["mixcache-eff"]));
        Assert.That(e!.Detail, Does.StartWith("--sweep takes family names (step, teacache,"));
    }

    [Test]
    public void QualitySpeedPlot_JoinsAFamilysPoints_InOrderOfSpeed()
    {
        EvaluationRecord[] records =
        [
            Record("none"),
            Record("teacache:l1=0.1", speedup: 3, psnr: 30),
            Record("teacache:l1=0.02", speedup: 1.5, psnr: 45),
            Record("teacache:l1=0.05", speedup: 2, psnr: 38),
            Record("mixcache-eff", speedup: 2.4, psnr: 41),
        ];

        Plot plot = QualitySpeedPlot.Create(MethodSummary.Aggregate(records), "t");

        var line = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Single();
        Assert.That(line.LegendText, Is.EqualTo("teacache"));
        Assert.That(line.Data.GetScatterPoints().Select(p => (p.X, p.Y)), Is.EqualTo(new[] { (1.5, 45.0), (2.0, 38.0), (3.0, 30.0) }));
        Assert.That(plot.GetPlottables().OfType<ScottPlot.Plottables.Marker>().Select(m => m.LegendText), Is.EqualTo(new[] { "mixcache-eff" }));
    }

    [Test]
    public void QualitySpeedPlot_ShadesEachLinesIntervals_ForPsnrAndSsim()
    {
        EvaluationRecord[] records =
        [
            Record("none"),
            Record("teacache:l1=0.02", speedup: 1.5, psnr: 44, ssim: 0.99),
            Record("teacache:l1=0.02", speedup: 1.5, psnr: 46, ssim: 0.97, seed: 2),
            Record("teacache:l1=0.1", speedup: 3, psnr: 30, ssim: 0.9),
            Record("teacache:l1=0.1", speedup: 3, psnr: 30, ssim: 0.9, seed: 2),
        ];
        IReadOnlyList<MethodSummary> summaries = MethodSummary.Aggregate(records);

        foreach (bool ssim in new[] { false, true })
        {
            Plot plot = QualitySpeedPlot.Create(summaries, "t", ssim);
            var band = plot.GetPlottables().OfType<ScottPlot.Plottables.FillY>().Single();
            AxisLimits limits = band.GetAxisLimits();
            // two runs each: a resampled mean is one run or their average, so the interval spans the runs' range
            Assert.That((limits.Left, limits.Right), Is.EqualTo((1.5, 3.0)));
            Assert.That((limits.Bottom, limits.Top), Is.EqualTo(ssim ? (0.9, 0.99) : (30.0, 46.0)));
        }
    }
}
