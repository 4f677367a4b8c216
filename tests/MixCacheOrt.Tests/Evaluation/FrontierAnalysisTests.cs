using MixCacheOrt.Evaluation;
using static MixCacheOrt.Tests.Evaluation.EvaluationTestData;

namespace MixCacheOrt.Tests.Evaluation;

public sealed class FrontierAnalysisTests
{
    private static readonly (double, double)[] Frontier = [(3.0, 30.0), (1.5, 45.0), (2.0, 38.0)];

    [TestCase(2.5, 34.0)]   // halfway between (2, 38) and (3, 30)
    [TestCase(1.5, 45.0)]   // an end point
    [TestCase(1.75, 41.5)]  // halfway between (1.5, 45) and (2, 38)
    [TestCase(3.0, 30.0)]
    public void Interpolate_IsLinearBetweenNeighbours(double speedup, double psnr) =>
        Assert.That(FrontierAnalysis.Interpolate(Frontier, speedup), Is.EqualTo(psnr).Within(1e-12));

    [TestCase(1.4)]
    [TestCase(3.1)]
    public void Interpolate_OutsideTheFrontier_IsNull(double speedup) =>
        Assert.That(FrontierAnalysis.Interpolate(Frontier, speedup), Is.Null);

    [Test]
    public void Interpolate_AveragesPointsAtTheSameSpeed() =>
        Assert.That(FrontierAnalysis.Interpolate([(2.0, 40.0), (2.0, 36.0), (3.0, 30.0)], 2.0), Is.EqualTo(38.0));

    [Test]
    public void AtSpeeds_WithTheSameResultsInEveryGroup_HasAZeroWidthInterval()
    {
        // Two (prompt, seed) groups with identical runs: every bootstrap resample gives the same frontier.
        List<EvaluationRecord> records = [];
        foreach ((string prompt, ulong seed) in new[] { ("p", 1UL), ("q", 2UL) })
        {
            records.Add(Record("none", prompt: prompt, seed: seed));
            records.Add(Record("teacache:l1=0.02", speedup: 1.5, psnr: 45, prompt: prompt, seed: seed));
            records.Add(Record("teacache:l1=0.1", speedup: 3, psnr: 30, prompt: prompt, seed: seed));
            records.Add(Record("mixcache-eff", speedup: 2.4, psnr: 41, prompt: prompt, seed: seed));
        }

        IReadOnlyList<FrontierAnalysis.Point> points = FrontierAnalysis.AtSpeeds(records, [2.0, 4.0]);

        Assert.That(points, Is.EqualTo(new[]
        {
            new FrontierAnalysis.Point("teacache", 2.0, 40.0, 40.0, 40.0),   // 45 + (0.5 / 1.5) · (30 − 45)
            new FrontierAnalysis.Point("teacache", 4.0, null, null, null),
        }), "presets (mixcache-eff) are not frontiers");
    }

    [Test]
    public void Difference_OfLinesAConstantApartInEveryGroup_IsThatConstantWithAZeroWidthInterval()
    {
        // The groups differ (so each line's own interval is wide), but line a is 2 dB above line b in both.
        List<EvaluationRecord> records = [];
        foreach ((string prompt, ulong seed, double offset) in new[] { ("p", 1UL, 0.0), ("q", 2UL, -6.0) })
        {
            records.Add(Record("none", prompt: prompt, seed: seed));
            records.Add(Record("step:n=2", speedup: 1.5, psnr: 45 + offset, prompt: prompt, seed: seed));
            records.Add(Record("step:n=4", speedup: 3, psnr: 30 + offset, prompt: prompt, seed: seed));
            records.Add(Record("pab:skip=2", speedup: 1.5, psnr: 47 + offset, prompt: prompt, seed: seed));
            records.Add(Record("pab:skip=4", speedup: 3, psnr: 32 + offset, prompt: prompt, seed: seed));
        }

        FrontierAnalysis.Point? d = FrontierAnalysis.Difference(records, "pab", "step", 2.0);

        Assert.That(d, Is.EqualTo(new FrontierAnalysis.Point("pab − step", 2.0, 2.0, 2.0, 2.0)));
        Assert.That(FrontierAnalysis.Difference(records, "pab", "step", 3.5)!.Psnr, Is.Null, "beyond both frontiers");
        FrontierAnalysis.Point own = FrontierAnalysis.AtSpeeds(records, [2.0]).Single(p => p.Family == "pab");
        Assert.That(own.High - own.Low, Is.GreaterThan(5), "a line alone varies with the groups drawn");
    }

    [Test]
    public void AtMatchedCompute_TheFrontierIsReadAtTheIdealSpeedup()
    {
        // Block evaluations 160 and 60 of 240 (full compute): ideal speedups 1.5 and 4, whatever the measured ones.
        List<EvaluationRecord> records =
        [
            Record("none"),
            Record("teacache:l1=0.02", speedup: 1.2, psnr: 45, blockEvaluations: 160),
            Record("teacache:l1=0.1", speedup: 2.5, psnr: 30, blockEvaluations: 60),
        ];

        FrontierAnalysis.Point p = FrontierAnalysis.AtSpeeds(records, [2.0], compute: true).Single();

        Assert.That(p.Psnr, Is.EqualTo(42.0).Within(1e-9), "45 + (0.5 / 2.5) · (30 − 45)");
    }
}
