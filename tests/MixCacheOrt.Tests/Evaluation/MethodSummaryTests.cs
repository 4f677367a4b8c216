using MixCacheOrt.Evaluation;
using static MixCacheOrt.Tests.Evaluation.EvaluationTestData;

namespace MixCacheOrt.Tests.Evaluation;

public sealed class MethodSummaryTests
{
    private static MethodSummary Of(string method) => MethodSummary.Aggregate(Records()).Single(s => s.Method == method);

    [Test]
    public void OneSummaryPerMethodInOrderOfFirstAppearance()
    {
        IReadOnlyList<MethodSummary> summaries = MethodSummary.Aggregate(Records());
        Assert.That(summaries.Select(s => s.Method), Is.EqualTo(new[] { "none", "mixcache-eff", "teacache-0.1" }));
        Assert.That(summaries.Select(s => s.Runs), Is.All.EqualTo(2));
    }

    [Test]
    public void SpeedupIsTheArithmeticMeanOfPerRunRatiosWithTheGeometricMeanAlongside()
    {
        MethodSummary eff = Of("mixcache-eff");
        Assert.Multiple(() =>
        {
            Assert.That(eff.MeanSpeedup, Is.EqualTo(3.0).Within(1e-12), "(2 + 4) / 2");
            Assert.That(eff.GeometricMeanSpeedup, Is.EqualTo(Math.Sqrt(8)).Within(1e-12), "sqrt(2 * 4)");
            Assert.That(eff.MeanDenoiseSpeedup, Is.EqualTo(3.03).Within(1e-12));
            Assert.That(eff.MeanTotalMs, Is.EqualTo(400).Within(1e-12));
        });
    }

    [Test]
    public void ReferenceHasNoPsnrAndUnitSpeedup()
    {
        MethodSummary none = Of("none");
        Assert.Multiple(() =>
        {
            Assert.That(none.IsReference, Is.True);
            Assert.That(none.MeanPsnr, Is.Null);
            Assert.That(none.IdenticalRuns, Is.EqualTo(2));
            Assert.That(none.MeanSpeedup, Is.EqualTo(1));
            Assert.That(none.MeanSsim, Is.EqualTo(1));
            Assert.That(none.MeanTotalMs, Is.EqualTo(1100).Within(1e-12));
        });
    }

    [Test]
    public void FinitePsnrsAverageNormally()
    {
        MethodSummary eff = Of("mixcache-eff");
        Assert.That(eff.IsReference, Is.False);
        Assert.That(eff.MeanPsnr, Is.EqualTo(35.0).Within(1e-12));
        Assert.That(eff.IdenticalRuns, Is.Zero);
        Assert.That(eff.MeanSsim, Is.EqualTo(0.985).Within(1e-12));
    }

    [Test]
    public void InfinitePsnrCountsAsTheCapInMeans()
    {
        MethodSummary tea = Of("teacache-0.1");
        Assert.That(MethodSummary.PsnrCapDb, Is.EqualTo(100));
        Assert.That(tea.MeanPsnr, Is.EqualTo((MethodSummary.PsnrCapDb + 20) / 2).Within(1e-12), "(100 + 20) / 2");
        Assert.That(tea.IdenticalRuns, Is.EqualTo(1));
        Assert.That(MethodSummary.CapPsnr(double.PositiveInfinity), Is.EqualTo(100));
        Assert.That(MethodSummary.CapPsnr(42.5), Is.EqualTo(42.5));
    }

    [Test]
    public void AdherenceIsTheShareOfAdheringRuns()
    {
        IReadOnlyList<EvaluationRecord> records =
        [
            Record("pab", adheres: true, seed: 1), Record("pab", adheres: false, seed: 2), Record("pab", adheres: true, seed: 3), Record("pab", adheres: true, seed: 4),
        ];
        MethodSummary pab = MethodSummary.Summarize("pab", records);
        Assert.That(pab.AdheringRuns, Is.EqualTo(3));
        Assert.That(pab.AdherencePercent, Is.EqualTo(75.0).Within(1e-12));
        Assert.That(Of("mixcache-eff").AdherencePercent, Is.EqualTo(50.0).Within(1e-12));
    }

    [Test]
    public void OverheadIsTheMeanShareOfLatencyInPercent()
    {
        // 10 ms of 500 ms = 2%, 3 ms of 300 ms = 1%.
        Assert.That(Of("mixcache-eff").MeanOverheadPercent, Is.EqualTo(1.5).Within(1e-12));
        Assert.That(Of("none").MeanOverheadPercent, Is.Zero);
    }

    [Test]
    public void StepsPerModeAverageWithMissingModesAsZero()
    {
        MethodSummary tea = Of("teacache-0.1");
        Assert.That(tea.MeanStepsPerMode.Keys, Is.EqualTo(new[] { "full", "residual" }));
        Assert.That(tea.MeanStepsPerMode["full"], Is.EqualTo(8.0).Within(1e-12), "(10 + 6) / 2");
        Assert.That(tea.MeanStepsPerMode["residual"], Is.EqualTo(2.0).Within(1e-12), "(0 + 4) / 2");
        Assert.That(Of("mixcache-eff").MeanStepsPerMode.Keys, Is.EqualTo(new[] { "full", "step", "block" }));
    }

    [Test]
    public void IdealSpeedupAndCachePeak()
    {
        MethodSummary eff = Of("mixcache-eff");
        Assert.That(eff.MeanIdealSpeedup, Is.EqualTo(((240.0 / 100) + (240.0 / 80)) / 2).Within(1e-12));
        Assert.That(eff.PeakCacheBytes, Is.EqualTo(8192));
        MethodSummary noBlocks = MethodSummary.Summarize("x", [Record("x", blockEvaluations: 0)]);
        Assert.That(noBlocks.MeanIdealSpeedup, Is.Null, "no block ran: undefined, not infinite");
    }

    [Test]
    public void SummarizingNoRunsFails()
    {
        Assert.Throws<ArgumentException>(() => MethodSummary.Summarize("pab", []));
    }

    [Test]
    public void WorstCases_FifthPercentileAndShareBelow30Db()
    {
        // teacache-0.1 in EvaluationTestData: identical (capped at 100 dB) and 20 dB. p5 = 20 + 0.05 · 80 = 24; 1 of 2 below 30 dB.
        MethodSummary tea = MethodSummary.Aggregate(Records()).Single(s => s.Method == "teacache-0.1");
        MethodSummary none = MethodSummary.Aggregate(Records()).Single(s => s.Method == "none");

        Assert.That(tea.PsnrP5, Is.EqualTo(24).Within(1e-9));
        Assert.That(tea.ShareBelowPoorPsnr, Is.EqualTo(0.5));
        Assert.That((none.PsnrP5, none.ShareBelowPoorPsnr), Is.EqualTo(((double?)null, (double?)null)), "the reference has no PSNR");
    }
}
