using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Tests.Pipelines;

public sealed class SeededNoiseTests
{
    // Values printed by the Python reference (exporters/tinywan/noise.py, itself tested against a scalar
    // integer implementation of the spec in exporters/tests/test_data.py):
    //   /usr/bin/python3 -c "from tinywan.noise import gaussian; print(gaussian(SEED, (5,)))"
    [TestCase(0UL, new[] { -1.8839083909988403f, 0.8645068407058716f, 0.22760793566703796f, -0.04211268573999405f, -0.22143788635730743f })]
    [TestCase(42UL, new[] { 0.8822488784790039f, 1.3884732723236084f, -0.45084986090660095f, 0.6707164645195007f, 0.18835262954235077f })]
    [TestCase(ulong.MaxValue, new[] { 1.8068959712982178f, -1.1057498455047607f, -0.6297152638435364f, 0.3147277534008026f, 0.7070683836936951f })]
    public void MatchesThePythonReferenceBitForBit(ulong seed, float[] expected) =>
        Assert.That(SeededNoise.Create(seed, 5), Is.EqualTo(expected));

    [Test]
    public void SameSeedSameNoiseAndPrefixStable()
    {
        float[] a = SeededNoise.Create(7, 2048);
        Assert.That(SeededNoise.Create(7, 2048), Is.EqualTo(a));
        Assert.That(SeededNoise.Create(7, 11), Is.EqualTo(a.AsSpan(0, 11).ToArray()), "an odd length is a prefix of a longer draw");
        Assert.That(SeededNoise.Create(8, 2048), Is.Not.EqualTo(a));
    }

    [Test]
    public void IsStandardNormal()
    {
        float[] x = SeededNoise.Create(123, 1 << 16);
        double mean = x.Average();
        double variance = x.Select(v => (v - mean) * (v - mean)).Average();
        Assert.That(mean, Is.EqualTo(0).Within(0.02));
        Assert.That(variance, Is.EqualTo(1).Within(0.02));
    }
}
