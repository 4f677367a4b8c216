using MixCacheOrt.Schedulers;

namespace MixCacheOrt.Tests.Schedulers;

public sealed class FlowMatchEulerSchedulerTests
{
    [Test]
    public void SigmasFollowTheShiftFormula()
    {
        // shift 3, 4 steps: u = 1, .75, .5, .25, 0 -> 3u / (1 + 2u)
        var s = new FlowMatchEulerScheduler(4, 3.0);
        Assert.That(s.Sigmas, Is.EqualTo(new[] { 1.0, 2.25 / 2.5, 1.5 / 2.0, 0.75 / 1.5, 0.0 }).Within(1e-15));
        Assert.That(s.Timestep(1), Is.EqualTo(900f).Within(1e-3f));
    }

    [Test]
    public void StepIsEuler()
    {
        var s = new FlowMatchEulerScheduler(2, 1.0); // sigmas 1, .5, 0
        float[] x = [1f, 2f];
        s.Step(0, [4f, -2f], x);
        Assert.That(x, Is.EqualTo(new[] { 1f - 2f, 2f + 1f }));
        s.Step(1, [2f, 2f], x);
        Assert.That(x, Is.EqualTo(new[] { -2f, 2f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Step(2, [0f, 0f], x));
    }

    [Test]
    public void RejectsBadSettings()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FlowMatchEulerScheduler(0, 3.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FlowMatchEulerScheduler(10, 0.0));
    }
}
