using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Ort;
using MixCacheOrt.Tests.TestData;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Ort;

/// <summary>
/// Our use of the official API releases what it creates: many create/run/dispose cycles must not grow resident memory
/// (VmRSS) beyond a stated bound after warm-up. Tensors are [256, 3] floats (3 kB), so leaking even one ORT-allocated
/// tensor per cycle would add about 30 MB over 10,000 cycles, well past the bound; allocator and GC noise stays a few MB.
/// </summary>
[NonParallelizable]
public sealed class OrtResourceLeakTests
{
    private const long MaxGrowthBytes = 20L * 1024 * 1024;
    private const int Rows = 256;

    [Test]
    public void TenThousandCreateRunDisposeCycles_GrowRssByLessThan20MB()
    {
        using SessionOptions options = new MixCacheOrt.Models.ExecutionSettings { Threads = 1 }.CreateSessionOptions();
        using var session = new InferenceSession(TestModels.AddMul, options);
        using var runOptions = new RunOptions();
        float[] a = Tensors.Ramp(Rows * 3);
        string[] inputs = ["a", "b"];
        string[] outputs = ["sum"];

        void Cycle()
        {
            using OrtValue va = OrtValues.Tensor(a, Rows, 3);
            using OrtValue vb = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, [Rows, 3]);
            vb.GetTensorMutableDataAsSpan<float>().Fill(1);
            using IDisposableReadOnlyCollection<OrtValue> result = session.Run(runOptions, inputs, [va, vb], outputs);
            Assert.That(result[0].GetTensorDataAsSpan<float>()[5], Is.EqualTo(a[5] + 1));
        }

        AssertBoundedGrowth(Cycle, warmup: 1_000, cycles: 10_000);
    }

    [Test]
    public void TenThousandChainedBindingCycles_GrowRssByLessThan20MB()
    {
        using SessionOptions options = new MixCacheOrt.Models.ExecutionSettings { Threads = 1 }.CreateSessionOptions();
        using var first = new InferenceSession(TestModels.AddMul, options);
        using var second = new InferenceSession(TestModels.Scale, options);
        using OrtIoBinding bindFirst = first.CreateIoBinding();
        using OrtIoBinding bindSecond = second.CreateIoBinding();
        float[] data = Tensors.Ramp(Rows * 3);

        void Cycle()
        {
            using OrtValue x = OrtValues.Tensor(data, Rows, 3);
            bindFirst.BindInput("a", x);
            bindFirst.BindInput("b", x);
            bindFirst.BindOutputToDevice("sum", OrtDevices.Cpu);
            using OrtOutputs sum = OrtOutputs.Run(first, bindFirst);
            bindFirst.ClearBoundInputs();
            bindSecond.BindInput("x", sum[0]);
            bindSecond.BindOutputToDevice("y", OrtDevices.Cpu);
            using OrtOutputs y = OrtOutputs.Run(second, bindSecond);
            bindSecond.ClearBoundInputs();
            Assert.That(y[0].GetTensorDataAsSpan<float>()[2], Is.EqualTo((2 * (data[2] + data[2])) + 1));
        }

        AssertBoundedGrowth(Cycle, warmup: 1_000, cycles: 10_000);
    }

    [Test]
    public void ThreeHundredSessionCycles_GrowRssByLessThan20MB()
    {
        byte[] model = File.ReadAllBytes(TestModels.Scale);
        float[] data = [1, 2, 3];
        using var runOptions = new RunOptions();

        void Cycle()
        {
            using SessionOptions options = new MixCacheOrt.Models.ExecutionSettings { Threads = 1 }.CreateSessionOptions();
            using var session = new InferenceSession(model, options);
            using OrtValue x = OrtValues.Tensor(data, 1, 3);
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, ["x"], [x], ["y"]);
            Assert.That(outputs[0].GetTensorDataAsSpan<float>()[0], Is.EqualTo(3));
        }

        AssertBoundedGrowth(Cycle, warmup: 50, cycles: 300);
    }

    private static void AssertBoundedGrowth(Action cycle, int warmup, int cycles)
    {
        for (int i = 0; i < warmup; i++)
        {
            cycle();
        }

        ProcessMemory.Settle();
        long before = ProcessMemory.ResidentBytes();

        for (int i = 0; i < cycles; i++)
        {
            cycle();
        }

        ProcessMemory.Settle();
        long growth = ProcessMemory.ResidentBytes() - before;

        TestContext.Out.WriteLine($"VmRSS growth over {cycles} cycles after {warmup} warm-up cycles: {growth / 1024} kB");
        Assert.That(growth, Is.LessThan(MaxGrowthBytes), $"VmRSS grew by {growth / 1024} kB over {cycles} cycles (bound: {MaxGrowthBytes / 1024} kB)");
    }
}
