using MixCacheOrt.Ort;
using MixCacheOrt.Ort.Native;
using MixCacheOrt.Tests.TestData;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Ort;

/// <summary>
/// Many create/run/dispose cycles must not grow resident memory (VmRSS) beyond a stated bound after warm-up, and
/// must release every native handle. Tensors are [256, 3] floats (3 kB), so leaking even one ORT-allocated tensor per
/// cycle would add about 30 MB over 10,000 cycles, well past the bound; allocator and GC noise stays a few MB.
/// </summary>
[NonParallelizable]
public sealed class OrtResourceLeakTests
{
    private const long MaxGrowthBytes = 20L * 1024 * 1024;
    private const int Rows = 256;

    [Test]
    public void TenThousandTensorAndRunCycles_GrowRssByLessThan20MB()
    {
        using var options = new OrtSessionOptions { IntraOpNumThreads = 1 };
        using OrtSession session = OrtSession.FromFile(TestModels.AddMul, options);
        float[] a = Tensors.Ramp(Rows * 3);

        void Cycle()
        {
            using OrtValue va = OrtValue.CreateTensor(a, [Rows, 3]);
            using OrtValue vb = OrtValue.AllocateTensor<float>([Rows, 3]);
            vb.GetTensorSpan<float>().Fill(1);
            using OrtOutputs outputs = session.Run(["a", "b"], [va, vb]);
            Assert.That(outputs["sum"].GetTensorReadOnlySpan<float>()[5], Is.EqualTo(a[5] + 1));
        }

        AssertBoundedGrowth(Cycle, warmup: 1_000, cycles: 10_000);
    }

    [Test]
    public void TenThousandIoBindingCycles_GrowRssByLessThan20MB()
    {
        using var options = new OrtSessionOptions { IntraOpNumThreads = 1 };
        using OrtSession first = OrtSession.FromFile(TestModels.AddMul, options);
        using OrtSession second = OrtSession.FromFile(TestModels.Scale, options);
        using OrtIoBinding bindFirst = first.CreateIoBinding();
        using OrtIoBinding bindSecond = second.CreateIoBinding();
        bindFirst.BindOutputToDevice("sum", OrtMemoryInfo.Cpu);
        bindSecond.BindOutputToDevice("y", OrtMemoryInfo.Cpu);
        float[] data = Tensors.Ramp(Rows * 3);

        void Cycle()
        {
            using OrtValue x = OrtValue.CreateTensor(data, [Rows, 3]);
            bindFirst.BindInput("a", x);
            bindFirst.BindInput("b", x);
            bindFirst.Run();
            using OrtOutputs sum = bindFirst.GetBoundOutputValues();
            bindSecond.BindInput("x", sum[0]);
            bindSecond.Run();
            using OrtOutputs y = bindSecond.GetBoundOutputValues();
            Assert.That(y[0].GetTensorReadOnlySpan<float>()[2], Is.EqualTo((2 * (data[2] + data[2])) + 1));
        }

        AssertBoundedGrowth(Cycle, warmup: 1_000, cycles: 10_000);
        bindFirst.ClearBoundInputs();
        bindSecond.ClearBoundInputs();
    }

    [Test]
    public void ThreeHundredSessionCycles_GrowRssByLessThan20MB()
    {
        byte[] model = File.ReadAllBytes(TestModels.Scale);
        float[] data = [1, 2, 3];

        void Cycle()
        {
            using var options = new OrtSessionOptions { IntraOpNumThreads = 1 };
            using OrtSession session = OrtSession.FromBytes(model, options);
            using OrtValue x = OrtValue.CreateTensor(data, [1, 3]);
            using OrtOutputs outputs = session.Run(["x"], [x]);
            Assert.That(outputs[0].GetTensorReadOnlySpan<float>()[0], Is.EqualTo(3));
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
        long[] handlesBefore = LiveHandles();
        long before = ProcessMemory.ResidentBytes();

        for (int i = 0; i < cycles; i++)
        {
            cycle();
        }

        ProcessMemory.Settle();
        long growth = ProcessMemory.ResidentBytes() - before;

        TestContext.Out.WriteLine($"VmRSS growth over {cycles} cycles after {warmup} warm-up cycles: {growth / 1024} kB");
        Assert.That(growth, Is.LessThan(MaxGrowthBytes), $"VmRSS grew by {growth / 1024} kB over {cycles} cycles (bound: {MaxGrowthBytes / 1024} kB)");
        Assert.That(LiveHandles(), Is.EqualTo(handlesBefore), "live native handles per kind");
    }

    private static long[] LiveHandles() => [.. Enum.GetValues<OrtHandleKind>().Select(OrtHandle.LiveCount)];
}
