using MixCacheOrt.Numerics;

namespace MixCacheOrt.Tests.Numerics;

public sealed class PolynomialFitTests
{
    [Test]
    public void RecoversAnExactQuarticOnSmallInputs()
    {
        // TeaCache-like scale: x of a few hundredths, large high-order coefficients.
        double[] truth = [3000, -600, 40, -0.4, 0.01];
        double[] x = [.. Enumerable.Range(0, 30).Select(i => 0.02 + (0.004 * i))];
        double[] y = [.. x.Select(v => PolynomialFit.Evaluate(truth, v))];
        double[] fit = PolynomialFit.Fit(x, y, 4);
        Assert.That(fit, Is.EqualTo(truth).Within(1e-6).Percent);
    }

    [Test]
    public void LeastSquaresResidualIsOrthogonalToEveryPower()
    {
        // The normal equations, checked directly: Σ r_i · x_i^k = 0 for k = 0..degree.
        var rng = new Random(5);
        double[] x = [.. Enumerable.Range(0, 40).Select(_ => rng.NextDouble())];
        double[] y = [.. x.Select(v => Math.Sin(6 * v) + (0.1 * rng.NextDouble()))];
        double[] fit = PolynomialFit.Fit(x, y, 3);
        double[] residual = [.. x.Select((v, i) => y[i] - PolynomialFit.Evaluate(fit, v))];
        for (int k = 0; k <= 3; k++)
        {
            double dot = residual.Select((r, i) => r * Math.Pow(x[i], k)).Sum();
            Assert.That(dot, Is.EqualTo(0).Within(1e-9), $"power {k}");
        }
    }

    [Test]
    public void EvaluateUsesHighestPowerFirst()
    {
        Assert.That(PolynomialFit.Evaluate([2, 3, 4], 10), Is.EqualTo(234));
    }

    [Test]
    public void TooFewPointsThrow()
    {
        Assert.Throws<ArgumentException>(() => PolynomialFit.Fit([1, 2, 3], [1, 2, 3], 4));
        Assert.Throws<ArgumentException>(() => PolynomialFit.Fit([1, 1, 1, 1, 1], [1, 2, 3, 4, 5], 2));
    }
}
