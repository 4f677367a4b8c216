using MixCacheOrt.Caching;
using MixCacheOrt.Caching.Baselines;

namespace MixCacheOrt.Tests.Caching.Baselines;

public sealed class TeaCachePolicyTests
{
    private static readonly CacheAvailability Ready = new(true, true, new HashSet<int>(), HasResidual: true);

    [Test]
    public void AccumulatesRescaledDistancesAndComputesWhenTheSumReachesTheThreshold()
    {
        // identity polynomial (coefficients 1, 0 => y = x); embeddings whose consecutive relative L1 is 0.04 each
        var policy = new TeaCachePolicy("t", new TeaCacheOptions { Threshold = 0.1, Coefficients = [1.0, 0.0], UseRetentionSteps = true });
        policy.Reset(12, 12);
        policy.SetTimeEmbeddings(Embeddings(12, 0.04));
        string[] decisions = [.. Enumerable.Range(0, 12).Select(k => policy.Decide(k, Ready).ToString())];

        // steps 0-4 forced (retention steps); then sums 0.04, 0.08 skip, 0.12 computes and restarts, ...
        Assert.That(decisions, Is.EqualTo(new[]
        {
            "full", "full", "full", "full", "full",
            "residual", "residual", "full", "residual", "residual", "full", "residual",
        }));
    }

    [Test]
    public void WithoutRetentionStepsTheFirstAndLastStepsCompute()
    {
        var policy = new TeaCachePolicy("t", new TeaCacheOptions { Threshold = 1.0, Coefficients = [1.0, 0.0], UseRetentionSteps = false });
        policy.Reset(6, 12);
        policy.SetTimeEmbeddings(Embeddings(6, 0.01));
        string[] decisions = [.. Enumerable.Range(0, 6).Select(k => policy.Decide(k, Ready).ToString())];
        Assert.That(decisions, Is.EqualTo(new[] { "full", "residual", "residual", "residual", "residual", "full" }));
        Assert.That(policy.Needs, Is.EqualTo(CacheNeeds.Residual | CacheNeeds.TimeEmbedding));
    }

    [Test]
    public void NoResidualYetMeansCompute()
    {
        var policy = new TeaCachePolicy("t", new TeaCacheOptions { Threshold = 1.0, Coefficients = [1.0, 0.0], UseRetentionSteps = false });
        policy.Reset(6, 12);
        policy.SetTimeEmbeddings(Embeddings(6, 0.01));
        policy.Decide(0, Ready);
        Assert.That(policy.Decide(1, Ready with { HasResidual = false }), Is.EqualTo(CacheDecision.Full));
    }

    [Test]
    public void RescaleIsNumpyPoly1d()
    {
        // c0·x⁴ + c1·x³ + c2·x² + c3·x + c4 at x = 0.5, worked by hand: 16/16 + 8/8 + 4/4 + 2/2 + 1 = 5
        Assert.That(TeaCacheDecisions.Rescale([16, 8, 4, 2, 1], 0.5), Is.EqualTo(5));
    }

    [Test]
    public void CalibrationFileErrorsNameTheFileAndTheFix()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"nope-{Guid.NewGuid():N}", "teacache.json");
        var e = Assert.Throws<FileNotFoundException>(() => TeaCacheCalibration.Load(missing));
        Assert.That(e!.Message, Does.Contain(missing).And.Contain("mixcache calibrate"));
    }

    // Embedding k = (1 + d)^k · [1, 1]: consecutive relative L1 is exactly d.
    private static float[][] Embeddings(int steps, double d) =>
        [.. Enumerable.Range(0, steps).Select(k => Enumerable.Repeat((float)Math.Pow(1 + d, k), 2).ToArray())];
}
