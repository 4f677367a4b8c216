using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
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
            cache.BeginStep();
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
        cache.BeginStep();
        cache.StoreBlocks(new Dictionary<int, OrtValue> { [6] = BlockOutput(1) }, batch: 1);
        cache.EndStep(); // no observer read block 6 at this step
        cache.BeginStep();
        cache.StoreBlocks(new Dictionary<int, OrtValue> { [6] = BlockOutput(2) }, batch: 1);
        Assert.That(cache.Previous(6)[0], Is.EqualTo(1));
        Assert.That(cache.Current(6)[0], Is.EqualTo(2));
        cache.EndStep();

        cache.BeginStep(); // block 6 not recomputed: no previous value this step, current unchanged
        Assert.That(cache.Previous(6).IsEmpty);
        Assert.That(cache.Current(6)[0], Is.EqualTo(2));
        cache.EndStep();
    }

    private static OrtValue BlockOutput(int step)
    {
        var data = new float[Tokens * Dim];
        Array.Fill(data, step);
        data[^1] = step + 0.5f;
        return OrtValues.Tensor(data, 1, Tokens, Dim);
    }
}
