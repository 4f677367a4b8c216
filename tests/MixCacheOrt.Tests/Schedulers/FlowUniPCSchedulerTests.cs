using MixCacheOrt.Schedulers;

namespace MixCacheOrt.Tests.Schedulers;

public sealed class FlowUniPCSchedulerTests
{
    /// <summary>
    /// Wan2.1's timesteps for 50 steps at shift 5, as its FlowUniPCMultistepScheduler.set_timesteps produces them
    /// (read from a transliteration of wan/utils/fm_solvers_unipc.py run with torch, 2026-12-04).
    /// </summary>
    private static readonly int[] WanTimesteps =
    [
        999, 995, 991, 987, 982, 978, 973, 968, 963, 957, 952, 946, 940, 934, 927, 920, 913, 906, 898, 890, 882, 873, 863, 854, 843,
        833, 821, 809, 796, 783, 768, 753, 737, 720, 701, 681, 660, 636, 611, 584, 555, 522, 487, 448, 405, 356, 302, 241, 172, 92,
    ];

    [Test]
    public void ScheduleIsWans_IntegerTimestepsAndFloat32SigmasEndingAtZero()
    {
        var s = new FlowUniPCScheduler(50, 5.0);

        Assert.That(s.Timesteps, Is.EqualTo(WanTimesteps));
        Assert.That(Enumerable.Range(0, 50).Select(s.Timestep), Is.EqualTo(WanTimesteps.Select(t => (float)t)));
        Assert.That(s.Sigmas[0], Is.EqualTo(0.9997998476028442).Within(1e-15), "float32(5u/(1 + 4u)) at u = float32(0.999)");
        Assert.That(s.Sigmas[49], Is.EqualTo(0.09250685572624207).Within(1e-15));
        Assert.That(s.Sigmas[50], Is.Zero);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(10)]
    [TestCase(50)]
    public void AConstantVelocityField_EndsExactlyAtItsData(int steps)
    {
        // x_σ = (1 − σ)·x0 + σ·ε with v = ε − x0 for all σ: every x0 prediction is x0, and the exponential integrator is
        // exact for a constant x0 (σ_t/σ_s·x_s + (α_t − α_s·σ_t/σ_s)·x0 = α_t·x0 + σ_t·ε), so the run ends at x0.
        var s = new FlowUniPCScheduler(steps, 5.0);
        float[] x0 = [0.3f, -0.7f, 1.1f], noise = [1.2f, 0.4f, -0.9f];
        float[] v = [.. noise.Select((e, i) => e - x0[i])];
        double sigma0 = s.Sigmas[0];
        float[] latent = [.. x0.Select((x, i) => (float)(((1 - sigma0) * x) + (sigma0 * noise[i])))];

        for (int k = 0; k < steps; k++)
        {
            s.Step(k, v, latent);
        }

        Assert.That(latent, Is.EqualTo(x0).Within(2e-6));
    }

    [Test]
    public void StepsRunInOrder_TheHistoryIsPerGeneration()
    {
        var s = new FlowUniPCScheduler(10, 5.0);
        float[] latent = [1f], v = [0.5f];
        s.Step(0, v, latent);
        Assert.Throws<InvalidOperationException>(() => s.Step(2, v, latent));
    }

    [Test]
    public void SchedulesThatRepeatTheFirstTimestepAreRefused() =>
        Assert.Throws<ArgumentException>(() => _ = new FlowUniPCScheduler(300, 5.0), "Wan's own solver fails on them (its step index starts at 1)");

    [TestCase("euler", typeof(FlowMatchEulerScheduler))]
    [TestCase("flow_match_euler", typeof(FlowMatchEulerScheduler))]
    [TestCase("UniPC", typeof(FlowUniPCScheduler))]
    [TestCase("flow_match_unipc", typeof(FlowUniPCScheduler))]
    public void NamesPickTheScheduler(string name, Type type) =>
        Assert.That(FlowSchedulers.Create(name, 10, 3, 1000), Is.InstanceOf(type));

    [Test]
    public void UnknownNamesListTheKnownOnes() =>
        Assert.That(() => FlowSchedulers.Create("ddim", 10, 3, 1000), Throws.ArgumentException.With.Message.StartsWith("unknown scheduler 'ddim'; use euler or unipc"));
}
