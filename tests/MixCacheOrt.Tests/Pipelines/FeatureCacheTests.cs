using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Tests.Pipelines;

/// <summary>Host copies of cached block outputs: right values step after step, buffers reused rather than reallocated.</summary>
public sealed class FeatureCacheTests
{
    private const int Tokens = 128;
    private const int Dim = 128;

    [Test]
    public void CurrentAndPreviousFollowTheStoredValuesWithoutPerStepHostAllocations()
    {
        using var ops = new DeviceTensorOps(new ExecutionSettings());
        using var cache = new FeatureCache(ops);
        long steadyStateBytes = 0;
        for (int step = 0; step < 6; step++)
        {
            cache.BeginStep(step);
            cache.StoreBlocks(new Dictionary<int, OrtValue> { [3] = BlockOutput(step) }, batch: 1);
            long before = GC.GetAllocatedBytesForCurrentThread();
            ReadOnlySpan<float> current = cache.Current(3);
            ReadOnlySpan<float> previous = cache.Previous(3);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.That(current[0], Is.EqualTo(step), $"step {step}: current is this step's value");
            Assert.That(current[^1], Is.EqualTo(step + 0.5f));
            if (step == 0)
            {
                Assert.That(previous.IsEmpty, "nothing was replaced at the first store");
            }
            else
            {
                Assert.That(previous[0], Is.EqualTo(step - 1), $"step {step}: previous is the value it replaced");
                Assert.That(previous[^1], Is.EqualTo(step - 0.5f));
                Assert.That(Unsafe.AreSame(ref MemoryMarshal.GetReference(current), ref MemoryMarshal.GetReference(previous)), Is.False);
            }

            if (step >= 2)
            {
                steadyStateBytes = Math.Max(steadyStateBytes, allocated);
            }

            cache.EndStep();
        }

        Assert.That(steadyStateBytes, Is.LessThan(Tokens * Dim * sizeof(float)), "no block-sized host allocation per step");
    }

    [Test]
    public void PreviousIsReadFromTheReplacedValueWhenCurrentWasNeverCopied()
    {
        using var ops = new DeviceTensorOps(new ExecutionSettings());
        using var cache = new FeatureCache(ops);
        cache.BeginStep(0);
        cache.StoreBlocks(new Dictionary<int, OrtValue> { [6] = BlockOutput(1) }, batch: 1);
        cache.EndStep(); // no observer read block 6 at this step
        cache.BeginStep(1);
        cache.StoreBlocks(new Dictionary<int, OrtValue> { [6] = BlockOutput(2) }, batch: 1);
        Assert.That(cache.Previous(6)[0], Is.EqualTo(1));
        Assert.That(cache.Current(6)[0], Is.EqualTo(2));
        cache.EndStep();

        cache.BeginStep(2); // block 6 not recomputed: no previous value this step, current unchanged
        Assert.That(cache.Previous(6).IsEmpty);
        Assert.That(cache.Current(6)[0], Is.EqualTo(2));
        cache.EndStep();
    }

    [Test]
    public void DistanceIsTheRelativeL1OfCurrentAndPrevious_ReducedWithoutAHostCopy()
    {
        using var ops = new DeviceTensorOps(new ExecutionSettings());
        using var cache = new FeatureCache(ops);
        cache.BeginStep(0);
        cache.StoreBlocks(new Dictionary<int, OrtValue> { [3] = BlockOutput(1) }, batch: 1);
        Assert.That(cache.Distance(3), Is.NaN, "nothing replaced yet");
        cache.EndStep();
        cache.BeginStep(1);
        cache.StoreBlocks(new Dictionary<int, OrtValue> { [3] = BlockOutput(2) }, batch: 1);
        long readBefore = ops.Transfers.DeviceToHost;

        double d = cache.Distance(3);
        long read = ops.Transfers.DeviceToHost - readBefore;

        // every element moved by 1; previous = 1 everywhere but the last element, 1.5: n / (n + 0.5)
        const int n = Tokens * Dim;
        Assert.That(read, Is.EqualTo(sizeof(float)), "only the scalar was read");
        Assert.That(d, Is.EqualTo(n / (n + 0.5)).Within(1e-6));
        Assert.That(d, Is.EqualTo(MixCacheOrt.Metrics.RelativeL1.Distance(cache.Current(3), cache.Previous(3))).Within(1e-6));
        cache.EndStep();
    }

    [Test]
    public void WithHistoryEveryCachedQuantityIsForecastToFirstOrderByTheStepDistance()
    {
        // Values that are linear in the step (v(k) = k, last element k + 0.5) are forecast exactly by a first-order rule,
        // whatever the gaps: blocks computed at steps 0 and 2 give v(5) = 5 at step 5.
        using var ops = new DeviceTensorOps(new ExecutionSettings());
        using var cache = new FeatureCache(ops, history: true);
        foreach (int step in new[] { 0, 2 })
        {
            cache.BeginStep(step);
            cache.StoreBlocks(new Dictionary<int, OrtValue> { [6] = BlockOutput(step) }, batch: 1);
            using OrtValue residual = BlockOutput(step);
            cache.SetResidual(ops.Add(residual, residual), step); // 2k: the residual is linear too
            WriteCfgDelta(ops, cache, 3 * step, step);
            using (OrtValue full = ops.Upload(Filled(step - 1), LatentShape))
            {
                cache.RecordFullOutput(step, full);
            }

            cache.EndStep();
        }

        cache.BeginStep(5);
        using (OrtValue block = cache.ForecastBlock(6, 5)!)
        {
            float[] host = ops.ToHost(block);
            Assert.That(host[0], Is.EqualTo(5f).Within(1e-5));
            Assert.That(host[^1], Is.EqualTo(5.5f).Within(1e-5));
        }

        using (OrtValue residual = cache.ForecastResidual(5)!)
        {
            Assert.That(ops.ToHost(residual)[0], Is.EqualTo(10f).Within(1e-5));
        }

        OrtValue? output = null;
        cache.ForecastOutput(5, ref output);
        using (output)
        {
            Assert.That(ops.ToHost(cache.CfgDeltaFor(5, forecast: true, weights: null)), Is.All.EqualTo(15f).Within(1e-4));
            Assert.That(ops.ToHost(output!), Is.All.EqualTo(4f).Within(1e-5));
        }

        cache.EndStep();
    }

    [Test]
    public void WithoutHistoryForecastsAreTheLastValue()
    {
        using var ops = new DeviceTensorOps(new ExecutionSettings());
        using var cache = new FeatureCache(ops);
        OrtValue? last = null;
        foreach (int step in new[] { 0, 2 })
        {
            cache.BeginStep(step);
            cache.StoreBlocks(new Dictionary<int, OrtValue> { [6] = BlockOutput(step) }, batch: 1);
            WriteCfgDelta(ops, cache, 3 * step, step);
            last?.Dispose();
            last = ops.Upload(Filled(step - 1), LatentShape);
            cache.RecordFullOutput(step, last);
            cache.LastOutput = last;
            cache.EndStep();
        }

        Assert.That(cache.ForecastBlock(6, 5), Is.Null, "the caller reuses Block(6)");
        OrtValue? output = null;
        cache.ForecastOutput(5, ref output);
        using (output)
        using (last)
        {
            Assert.That(ops.ToHost(cache.CfgDeltaFor(5, forecast: true, weights: null)), Is.All.EqualTo(6f));
            Assert.That(ops.ToHost(output!), Is.All.EqualTo(1f));
        }
    }

    [Test]
    public void AWeightedCfgDeltaMixesTheDeltaWithItsLowBandOnTheDevice()
    {
        // One 8x8 plane: Δ = 1 (all in the low band: the DC term) + a checkerboard ±0.5 (the Nyquist frequency: high band).
        // Weights (full 1, low band 0.1) give Δ̂ = Δ + 0.1 · 1 = 1.1 + checker, FasterCache's low band scaled by 1.1.
        using var ops = new DeviceTensorOps(new ExecutionSettings());
        float[] basisHost = new MixCacheOrt.Numerics.FrequencySplit(8, 8).LowBandBasis();
        using OrtValue basis = ops.Upload(basisHost, 1, basisHost.Length / 64, 64);
        using var cache = new FeatureCache(ops, lowBandBasis: basis, lowBandScale: 1f / 64);
        float[] checker = [.. Enumerable.Range(0, 64).Select(i => ((i / 8) + (i % 8)) % 2 == 0 ? 0.5f : -0.5f)];
        float[] both = [.. new float[64], .. checker.Select(c => 1f + c)];
        using OrtValue pass = ops.Upload(both, 2, 1, 1, 8, 8);
        OrtValue? guided = null;
        ops.Guide(pass, 1f, ref guided, ref cache.CfgDeltaSlot(0));
        cache.CfgDeltaWritten();
        using (guided)
        {
            float[] estimate = ops.ToHost(cache.CfgDeltaFor(1, forecast: false, new CfgDeltaWeights(1f, 0.1f)));
            Assert.That(estimate, Is.EqualTo(checker.Select(c => 1.1f + c)).Within(1e-5));
        }
    }

    private static readonly long[] LatentShape = [1, 1, 1, Tokens, Dim];

    /// <summary>Δcfg = uncond − cond = <paramref name="value"/>, written the way a full step does (guidance on a batch-2 output).</summary>
    private static void WriteCfgDelta(DeviceTensorOps ops, FeatureCache cache, float value, int step)
    {
        using OrtValue both = ops.Upload([.. new float[Tokens * Dim], .. Filled(value)], 2, 1, 1, Tokens, Dim);
        OrtValue? guided = null;
        ops.Guide(both, 5f, ref guided, ref cache.CfgDeltaSlot(step));
        guided!.Dispose();
        cache.CfgDeltaWritten();
    }

    private static float[] Filled(float value)
    {
        var data = new float[Tokens * Dim];
        Array.Fill(data, value);
        return data;
    }

    private static OrtValue BlockOutput(int step)
    {
        var data = new float[Tokens * Dim];
        Array.Fill(data, step);
        data[^1] = step + 0.5f;
        return OrtValues.Tensor(data, 1, Tokens, Dim);
    }
}
