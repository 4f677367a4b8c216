using MixCacheOrt.Metrics;

namespace MixCacheOrt.Tests.Metrics;

public sealed class RelativeL1Tests
{
    [Test]
    public void HandWorkedValue()
    {
        // sum |previous| = 1 + 2 + 3 + 4 = 10; |current - previous| = 0.5, 0, 1, 0 -> 1.5; D = 0.15.
        float[] previous = [1, -2, 3, -4];
        float[] current = [1.5f, -2, 2, -4];

        Assert.That(RelativeL1.Distance(current, previous), Is.EqualTo(0.15).Within(1e-12));
    }

    [TestCase(1f, 0.0)]
    [TestCase(0f, 1.0)]
    [TestCase(2f, 1.0)]
    [TestCase(-1f, 2.0)]
    [TestCase(1.5f, 0.5)]
    public void ScaledCopies(float factor, double expected)
    {
        // current = factor * previous  =>  D = |factor - 1|, whatever previous is.
        float[] previous = [0.5f, -3, 8, 0, 1.25f];
        float[] current = [.. previous.Select(v => v * factor)];

        Assert.That(RelativeL1.Distance(current, previous), Is.EqualTo(expected).Within(1e-7));
    }

    [Test]
    public void IsNotSymmetric()
    {
        // previous = [1], current = [3]: 2 / 1 = 2; swapped: 2 / 3.
        Assert.That(RelativeL1.Distance([3f], [1f]), Is.EqualTo(2.0));
        Assert.That(RelativeL1.Distance([1f], [3f]), Is.EqualTo(2.0 / 3).Within(1e-15));
    }

    [Test]
    public void ManyBlocks_OddLength()
    {
        // 4101 elements (more than four 1024-element blocks): previous = 1, current = 1.25 at even indices (2051 of them).
        const int n = 4101;
        float[] previous = [.. Enumerable.Repeat(1f, n)];
        float[] current = [.. Enumerable.Range(0, n).Select(i => i % 2 == 0 ? 1.25f : 1f)];

        Assert.That(RelativeL1.Distance(current, previous), Is.EqualTo(0.25 * 2051 / n).Within(1e-12));
    }

    [Test]
    public void ZeroDenominator()
    {
        Assert.Multiple(() =>
        {
            Assert.That(RelativeL1.Distance([0f, 0f], [0f, -0f]), Is.Zero, "nothing changed");
            Assert.That(RelativeL1.Distance([], []), Is.Zero, "empty");
            Assert.That(RelativeL1.Distance([0f, 1e-30f], [0f, 0f]), Is.EqualTo(double.PositiveInfinity), "change from nothing");
            Assert.That(RelativeL1.Distance([float.NaN], [0f]), Is.NaN);
        });
    }

    [Test]
    public void NaN_Propagates() => Assert.That(RelativeL1.Distance([1f, float.NaN], [1f, 1f]), Is.NaN);

    [Test]
    public void LengthMismatch_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => RelativeL1.Distance(new float[3], new float[4]));

        Assert.That(e!.Message, Does.Contain("3 and 4 elements"));
    }
}
