using MixCacheOrt.Evaluation;

namespace MixCacheOrt.Tests.Evaluation;

public sealed class StatisticsTests
{
    // numpy.percentile([...], p) by hand: position (n-1)·p/100 in the sorted values, linear in between.
    [TestCase(new[] { 10.0, 20, 30, 40, 50 }, 5, 12.0)]   // position 0.2: 10 + 0.2·10
    [TestCase(new[] { 50.0, 10, 40, 20, 30 }, 50, 30.0)]  // unsorted input, median
    [TestCase(new[] { 1.0, 2 }, 97.5, 1.975)]             // position 0.975
    [TestCase(new[] { 7.0 }, 5, 7.0)]
    [TestCase(new[] { 3.0, 1 }, 0, 1.0)]
    [TestCase(new[] { 3.0, 1 }, 100, 3.0)]
    public void Percentile_IsNumpysDefault(double[] values, double p, double expected) =>
        Assert.That(Statistics.Percentile(values, p), Is.EqualTo(expected).Within(1e-12));

    [Test]
    public void Bootstrap_OfEqualDifferences_IsThatValue()
    {
        (double mean, double low, double high) = Statistics.PairedBootstrap([0.5, 0.5, 0.5, 0.5]);

        Assert.That((mean, low, high), Is.EqualTo((0.5, 0.5, 0.5)));
    }

    [Test]
    public void Bootstrap_OfTwoPairs_SpansTheirRange()
    {
        // Resampling {0, 1} twice gives means 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4: the 2.5th percentile of
        // 10,000 such means is 0 and the 97.5th is 1 (each end holds ~25% of the mass).
        (double mean, double low, double high) = Statistics.PairedBootstrap([0.0, 1.0]);

        Assert.That((mean, low, high), Is.EqualTo((0.5, 0.0, 1.0)));
    }

    [Test]
    public void Bootstrap_IsReproducible_AndItsIntervalHoldsTheMean()
    {
        double[] differences = [0.3, -0.2, 0.8, 0.1, 0.5, -0.4, 0.9, 0.2];

        var a = Statistics.PairedBootstrap(differences);
        var b = Statistics.PairedBootstrap(differences);

        Assert.That(a, Is.EqualTo(b), "seeded");
        Assert.That(a.Mean, Is.EqualTo(0.275).Within(1e-12));
        Assert.That(a.Low, Is.LessThan(a.Mean).And.GreaterThan(-0.4));
        Assert.That(a.High, Is.GreaterThan(a.Mean).And.LessThan(0.9));
    }
}
