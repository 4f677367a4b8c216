using MixCacheOrt.Numerics;

namespace MixCacheOrt.Tests.Numerics;

public sealed class GuidanceTests
{
    [Test]
    public void CombinesAsUncondPlusScaledDifference()
    {
        float[] cond = [1f, 2f, -1f];
        float[] uncond = [0f, 4f, -1f];
        float[] result = new float[3];
        Guidance.Combine(cond, uncond, 5f, result);
        Assert.That(result, Is.EqualTo(new[] { 5f, -6f, -1f }));
    }

    [Test]
    public void DestinationMayAliasAnInput()
    {
        float[] cond = [1f, 2f];
        float[] uncond = [3f, 1f];
        Guidance.Combine(cond, uncond, 2f, cond);
        Assert.That(cond, Is.EqualTo(new[] { -1f, 3f }));
        float[] cond2 = [1f, 2f];
        Guidance.Combine(cond2, uncond, 2f, uncond);
        Assert.That(uncond, Is.EqualTo(new[] { -1f, 3f }));
    }

    [Test]
    public void ScaleOneIsTheConditionalOutput()
    {
        float[] cond = [0.25f, -7f];
        float[] result = new float[2];
        Guidance.Combine(cond, [100f, 3f], 1f, result);
        Assert.That(result, Is.EqualTo(cond));
    }
}
