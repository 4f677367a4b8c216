using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Metrics;
using MixCacheOrt.Models;
using MixCacheOrt.Numerics;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Schedulers;

namespace MixCacheOrt.Tests.Pipelines;

/// <summary>
/// The step math on the device against the host code it replaced: the same float32 operations in the same order, so
/// the results are equal bit for bit (the samplers, guidance, forecasts), or within float32 summation error where a
/// reduction's order differs (distances, the low band).
/// </summary>
public sealed class DeviceTensorOpsTests
{
    private static readonly long[] Shape = [1, 4, 3, 8, 8];
    private DeviceTensorOps ops = null!;

    [SetUp]
    public void SetUp() => this.ops = new DeviceTensorOps(new ExecutionSettings());

    [TearDown]
    public void TearDown() => this.ops.Dispose();

    [Test]
    public void ALinearCombinationEqualsTheHostLoopBitForBit([Values(1, 2, 3, 4, 5, 6)] int terms)
    {
        float[][] values = [.. Enumerable.Range(0, terms).Select(i => Random(10 + i))];
        float[] weights = [0.37f, -1.3e-3f, 2.5f, -0.81f, 7.1e-2f, 1.9f];
        float[] expected = new float[values[0].Length];
        TensorPrimitives.Multiply(values[0], weights[0], expected);
        for (int i = 1; i < terms; i++)
        {
            TensorPrimitives.MultiplyAdd(values[i], weights[i], expected, expected);
        }

        OrtValue[] device = [.. values.Select(v => this.ops.Upload(v, Shape))];
        OrtValue? result = null;
        this.ops.Combine([.. device.Select((d, i) => (d, weights[i]))], ref result);
        using (result)
        {
            Assert.That(this.ops.ToHost(result!), Is.EqualTo(expected));
        }

        foreach (OrtValue d in device)
        {
            d.Dispose();
        }
    }

    [Test]
    public void ADestinationThatIsATermIsRefused()
    {
        using OrtValue a = this.ops.Upload(Random(1), Shape);
        OrtValue? destination = a;
        Assert.Throws<ArgumentException>(() => this.ops.Combine([(a, 1f), (a, 2f)], ref destination));
    }

    [Test]
    public void GuidanceEqualsTheHostKernelAndReturnsDeltaCfg()
    {
        float[] cond = Random(1), uncond = Random(2);
        float[] expected = new float[cond.Length];
        Guidance.Combine(cond, uncond, 5f, expected);
        using OrtValue both = this.ops.Upload([.. cond, .. uncond], [2, .. Shape[1..]]);
        OrtValue? guided = null, delta = null;
        this.ops.Guide(both, 5f, ref guided, ref delta);
        OrtValue? fromDelta = null;
        using OrtValue condValue = this.ops.Upload(cond, Shape);
        this.ops.GuideWithDelta(condValue, delta!, 5f, ref fromDelta);
        using (guided)
        using (delta)
        using (fromDelta)
        {
            Assert.That(this.ops.ToHost(guided!), Is.EqualTo(expected));
            Assert.That(this.ops.ToHost(delta!), Is.EqualTo(uncond.Zip(cond, (u, c) => u - c)));

            // cond + (uncond − cond) rounds, so the rebuilt unconditional output is uncond within an ulp or two
            float[] rebuilt = new float[cond.Length], uncondRebuilt = new float[cond.Length];
            TensorPrimitives.Add(cond, this.ops.ToHost(delta!), uncondRebuilt);
            Guidance.Combine(cond, uncondRebuilt, 5f, rebuilt);
            Assert.That(this.ops.ToHost(fromDelta!), Is.EqualTo(rebuilt));
        }
    }

    [Test]
    public void RepeatBatchAndDistancesMatchTheHost()
    {
        float[] a = Random(3), b = Random(4);
        using OrtValue av = this.ops.Upload(a, Shape), bv = this.ops.Upload(b, Shape);
        OrtValue? both = null;
        this.ops.RepeatBatch(av, ref both);
        using (both)
        {
            Assert.That(this.ops.ToHost(both!), Is.EqualTo(a.Concat(a)));
        }

        using OrtValue pair = this.ops.Upload([.. a, .. b], [2, .. Shape[1..]]);
        Assert.That(this.ops.RelativeL1(av, bv), Is.EqualTo(RelativeL1.Distance(a, b)).Within(1e-6));
        Assert.That(this.ops.CfgDistance(pair), Is.EqualTo(RelativeL1.Distance(b, a)).Within(1e-6), "Σ|uncond − cond| / Σ|cond|");
    }

    [Test]
    public void AllFiniteFindsNaNAndInfinity()
    {
        float[] a = Random(5);
        using OrtValue finite = this.ops.Upload(a, Shape);
        a[17] = float.PositiveInfinity;
        using OrtValue infinite = this.ops.Upload(a, Shape);
        a[17] = float.NaN;
        using OrtValue nan = this.ops.Upload(a, Shape);
        Assert.That(new[] { this.ops.AllFinite(finite), this.ops.AllFinite(infinite), this.ops.AllFinite(nan) }, Is.EqualTo(new[] { true, false, false }));
    }

    [Test]
    public void TheLowPassEqualsTheHostFrequencySplit()
    {
        var split = new FrequencySplit(8, 8);
        float[] x = Random(6), low = new float[x.Length], high = new float[x.Length];
        split.Split(x, low, high);
        float[] basis = split.LowBandBasis();
        using OrtValue basisValue = this.ops.Upload(basis, 1, basis.Length / 64, 64);
        using OrtValue xv = this.ops.Upload(x, Shape);
        OrtValue? result = null;
        this.ops.LowPass(xv, basisValue, 1f / 64, ref result);
        using (result)
        {
            Assert.That(this.ops.ToHost(result!), Is.EqualTo(low).Within(1e-5));
        }
    }

    [Test]
    public void Float16ActivationsGetTheirOwnGraphs_ResultsAsOnTheHost()
    {
        // fp16 packages pass float16 hidden states between blocks; the cache ops on them run float16 graphs. Expected
        // values: the host's float32 arithmetic on the same (fp16-representable) inputs, rounded to float16.
        long[] shape = [2, 16, 8];
        float[] a = [.. Random(11).Take(256).Select(x => (float)(Half)x)], b = [.. Random(12).Take(256).Select(x => (float)(Half)x)];
        using OrtValue ha = Half16(a, shape), hb = Half16(b, shape);
        static float Round(float x) => (float)(Half)x;

        using OrtValue sum = this.ops.Add(ha, hb), difference = this.ops.Subtract(ha, hb), forecast = this.ops.Extrapolate(ha, hb, 0.5f);
        using OrtValue row = this.ops.SliceBatch(ha, 1, 1);
        Assert.Multiple(() =>
        {
            Assert.That(this.ops.ToHost(sum), Is.EqualTo(a.Zip(b, (x, y) => Round(x + y))));
            Assert.That(this.ops.ToHost(difference), Is.EqualTo(a.Zip(b, (x, y) => Round(x - y))));
            Assert.That(this.ops.ToHost(forecast), Is.EqualTo(a.Zip(b, (x, y) => x + (0.5f * (x - y)))).Within(8e-3), "three fp16 roundings, |values| < 8");
            Assert.That(this.ops.ToHost(row), Is.EqualTo(a.Skip(128)));
            Assert.That(this.ops.RelativeL1(ha, hb), Is.EqualTo(RelativeL1.Distance(a, b)).Within(1e-6), "reduced in float32");
        });
    }

    private static OrtValue Half16(float[] values, long[] shape) =>
        OrtValue.CreateTensorValueFromMemory([.. values.Select(v => (Float16)v)], shape);

    [TestCase("euler")]
    [TestCase("unipc")]
    public void TheSamplerOnTheDeviceEqualsTheHostSamplerBitForBit(string name)
    {
        // 50 steps with a velocity that depends on the latent (as a model's does): any difference would compound.
        IFlowScheduler scheduler = FlowSchedulers.Create(name, 50, 5.0, 1000.0);
        float[] host = Random(7);
        using IFlowSolver<OrtValue> solver = scheduler.CreateSolver(new DeviceTensorMath(this.ops));
        OrtValue? latent = this.ops.Upload(host, Shape), next = null;
        try
        {
            for (int k = 0; k < 50; k++)
            {
                float[] velocity = [.. this.ops.ToHost(latent!).Select((x, i) => MathF.Sin(x + i) - (0.5f * x))];
                using OrtValue v = this.ops.Upload(velocity, Shape);
                solver.Step(k, v, latent!, ref next);
                (latent, next) = (next, latent);
                scheduler.Step(k, velocity, host);
            }

            Assert.That(this.ops.ToHost(latent!), Is.EqualTo(host));
        }
        finally
        {
            latent?.Dispose();
            next?.Dispose();
        }
    }

    private static float[] Random(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, (int)(Shape[1] * Shape[2] * Shape[3] * Shape[4])).Select(_ => (float)((random.NextDouble() * 4) - 2))];
    }
}
