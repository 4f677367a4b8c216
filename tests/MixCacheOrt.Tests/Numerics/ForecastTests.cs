using MixCacheOrt.Numerics;

namespace MixCacheOrt.Tests.Numerics;

public sealed class ForecastTests
{
    [TestCase(5, 2, 0, 1.5f)] // (5 − 2) / (2 − 0)
    [TestCase(3, 2, 1, 1f)]
    [TestCase(4, 3, 0, 1f / 3)]
    [TestCase(5, 2, -1, 0f)] // no older value: reuse
    [TestCase(2, 2, 0, 0f)] // not ahead: reuse
    public void ScaleIsTheStepDistanceAheadOverTheDistanceBetweenTheValues(int step, int latest, int older, float expected) =>
        Assert.That(Forecast.Scale(step, latest, older), Is.EqualTo(expected).Within(1e-7));

    [Test]
    public void ExtrapolateFollowsTheLineThroughTheTwoValues()
    {
        // latest 3, 10; older 1, 4; scale 0.5 → 3 + 2·0.5 = 4, 10 + 6·0.5 = 13 (worked by hand)
        float[] destination = new float[2];
        Forecast.Extrapolate([3f, 10f], [1f, 4f], 0.5f, destination);
        Assert.That(destination, Is.EqualTo(new[] { 4f, 13f }));
    }

    [Test]
    public void WithoutAnOlderValueExtrapolateCopiesTheLatest()
    {
        float[] destination = new float[2];
        Forecast.Extrapolate([3f, 10f], [], 2f, destination);
        Assert.That(destination, Is.EqualTo(new[] { 3f, 10f }));
    }
}
