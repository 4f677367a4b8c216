using MixCacheOrt.Ort;
using MixCacheOrt.Ort.Native;
using MixCacheOrt.Tests.TestData;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Ort;

public sealed class OrtIoBindingTests
{
    [Test]
    public void Chain_OutputOfSessionAFeedsSessionB_WithoutManagedCopies()
    {
        using OrtSession a = OrtSession.FromFile(TestModels.AddMul);
        using OrtSession b = OrtSession.FromFile(TestModels.Scale);
        float[] x = Tensors.Ramp(6, 0.5f, -1f);
        float[] y = Tensors.Ramp(6, 0.25f);
        using OrtValue vx = OrtValue.CreateTensor(x, [2, 3]);
        using OrtValue vy = OrtValue.CreateTensor(y, [2, 3]);
        using OrtIoBinding bindA = a.CreateIoBinding();
        using OrtIoBinding bindB = b.CreateIoBinding();

        bindA.BindInput("a", vx);
        bindA.BindInput("b", vy);
        bindA.BindOutputToDevice("sum", OrtMemoryInfo.Cpu);
        bindA.Run();
        using OrtOutputs fromA = bindA.GetBoundOutputValues();

        bindB.BindInput("x", fromA["sum"]); // ORT's own output value, never read into managed memory
        bindB.BindOutputToDevice("y", OrtMemoryInfo.Cpu);
        bindB.Run();
        using OrtOutputs fromB = bindB.GetBoundOutputValues();

        float[] expected = [.. x.Zip(y, (p, q) => (2 * (p + q)) + 1)];
        Assert.That(fromB["y"].ToArray<float>(), Is.EqualTo(expected));
        Assert.That(fromB["y"].Shape, Is.EqualTo(new long[] { 2, 3 }));
    }

    [Test]
    public void ChainedInput_IsSessionAsOutputBuffer_NotACopy()
    {
        using OrtSession a = OrtSession.FromFile(TestModels.AddMul);
        using OrtSession b = OrtSession.FromFile(TestModels.Scale);
        using OrtValue one = OrtValue.CreateTensor(new float[] { 1, 1, 1 }, [1, 3]);
        using OrtIoBinding bindA = a.CreateIoBinding();
        using OrtIoBinding bindB = b.CreateIoBinding();
        bindA.BindInput("a", one);
        bindA.BindInput("b", one);
        bindA.BindOutputToDevice("sum", OrtMemoryInfo.Cpu);
        bindA.Run();
        using OrtOutputs fromA = bindA.GetBoundOutputValues();
        bindB.BindInput("x", fromA["sum"]);
        bindB.BindOutputToDevice("y", OrtMemoryInfo.Cpu);

        // Change A's output in place after binding: B sees it, so B reads A's buffer itself.
        fromA["sum"].GetTensorSpan<float>()[0] = 10;
        bindB.Run();
        using OrtOutputs fromB = bindB.GetBoundOutputValues();

        Assert.That(fromB["y"].ToArray<float>(), Is.EqualTo(new float[] { 21, 5, 5 }));
    }

    [Test]
    public void DeviceBoundOutputs_AreFreshEachRun_SoBatchSizeCanChange()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtIoBinding bind = session.CreateIoBinding();
        bind.BindOutputToDevice("y", OrtMemoryInfo.Cpu);
        using OrtValue batch2 = OrtValue.CreateTensor(new float[] { 0, 1, 2, 3, 4, 5 }, [2, 3]);
        using OrtValue batch1 = OrtValue.CreateTensor(new float[] { 1, 2, 3 }, [1, 3]);

        bind.BindInput("x", batch2);
        bind.Run();
        using OrtOutputs first = bind.GetBoundOutputValues();
        bind.BindInput("x", batch1);
        bind.Run();
        using OrtOutputs second = bind.GetBoundOutputValues();

        Assert.That(first["y"].ToArray<float>(), Is.EqualTo(new float[] { 1, 3, 5, 7, 9, 11 }), "not overwritten by the second run");
        Assert.That(second["y"].Shape, Is.EqualTo(new long[] { 1, 3 }));
        Assert.That(second["y"].ToArray<float>(), Is.EqualTo(new float[] { 3, 5, 7 }));
    }

    [Test]
    public void PreallocatedOutput_IsWrittenInPlace()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.AddMul);
        float[] product = new float[3];
        using OrtValue a = OrtValue.CreateTensor(new float[] { 1, 2, 3 }, [1, 3]);
        using OrtValue b = OrtValue.CreateTensor(new float[] { 4, 5, 6 }, [1, 3]);
        using OrtValue productValue = OrtValue.CreateTensor(product, [1, 3]);
        using OrtIoBinding bind = session.CreateIoBinding();
        bind.BindInput("a", a);
        bind.BindInput("b", b);
        bind.BindOutput("product", productValue);
        bind.BindOutputToDevice("sum", OrtMemoryInfo.Cpu);

        bind.Run();

        Assert.That(product, Is.EqualTo(new float[] { 4, 10, 18 }));
        Assert.That(bind.BoundOutputNames, Is.EqualTo(new[] { "product", "sum" }));
        Assert.That(bind.GetNativeBoundOutputNames(), Is.EqualTo(new[] { "product", "sum" }));
        using OrtOutputs outputs = bind.GetBoundOutputValues();
        Assert.That(outputs["sum"].ToArray<float>(), Is.EqualTo(new float[] { 5, 7, 9 }));
    }

    [Test]
    public void Binding_IsReusable_RebindReplacesInputAcrossSteps()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtIoBinding bind = session.CreateIoBinding();
        bind.BindOutputToDevice("y", OrtMemoryInfo.Cpu);
        var kept = new List<OrtValue>();
        try
        {
            // Step s feeds the previous step's output back in: x_{s+1} = 2 x_s + 1, batch 2 then 1.
            OrtValue current = OrtValue.CreateTensor(new float[] { 0, 1, 2, 3, 4, 5 }, [2, 3]);
            kept.Add(current);
            for (int step = 0; step < 3; step++)
            {
                bind.BindInput("x", current);
                bind.Run();
                using OrtOutputs outputs = bind.GetBoundOutputValues();
                current = outputs.Take("y");
                kept.Add(current);
            }

            float[] expected = [.. new float[] { 0, 1, 2, 3, 4, 5 }.Select(v => (8 * v) + 7)];
            Assert.That(current.ToArray<float>(), Is.EqualTo(expected));
            Assert.That(kept[1].ToArray<float>(), Is.EqualTo(new float[] { 1, 3, 5, 7, 9, 11 }), "earlier outputs stay valid");

            using OrtValue batch1 = OrtValue.CreateTensor(new float[] { 1, 2, 3 }, [1, 3]);
            bind.BindInput("x", batch1);
            bind.Run();
            using OrtOutputs single = bind.GetBoundOutputValues();
            Assert.That(single["y"].Shape, Is.EqualTo(new long[] { 1, 3 }));
        }
        finally
        {
            kept.ForEach(v => v.Dispose());
        }
    }

    [Test]
    public void BoundValue_StaysAliveWhileBound_EvenIfDisposedByCaller()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtIoBinding bind = session.CreateIoBinding();
        long liveBefore = OrtHandle.LiveCount(OrtHandleKind.Value);
        OrtValue x = OrtValue.CreateTensor(new float[] { 1, 2, 3 }, [1, 3]);
        bind.BindInput("x", x);
        bind.BindOutputToDevice("y", OrtMemoryInfo.Cpu);

        x.Dispose();
        ProcessMemory.Settle();
        bind.Run();

        using (OrtOutputs outputs = bind.GetBoundOutputValues())
        {
            Assert.That(outputs[0].ToArray<float>(), Is.EqualTo(new float[] { 3, 5, 7 }));
        }

        Assert.That(OrtHandle.LiveCount(OrtHandleKind.Value), Is.EqualTo(liveBefore + 1), "x is held by the binding");
        bind.ClearBoundInputs();
        Assert.That(OrtHandle.LiveCount(OrtHandleKind.Value), Is.EqualTo(liveBefore), "x is released once unbound");
    }

    [Test]
    public void ClearBoundOutputs_ThenGetValues_IsEmpty()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtIoBinding bind = session.CreateIoBinding();
        bind.BindOutputToDevice("y", OrtMemoryInfo.Cpu);

        bind.ClearBoundOutputs();

        using OrtOutputs outputs = bind.GetBoundOutputValues();
        Assert.That(outputs, Is.Empty);
        Assert.That(bind.BoundOutputNames, Is.Empty);
    }

    [Test]
    public void Synchronize_OnCpu_Succeeds()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtIoBinding bind = session.CreateIoBinding();
        using OrtValue x = OrtValue.CreateTensor(new float[3], [1, 3]);
        bind.BindInput("x", x);
        bind.BindOutputToDevice("y", OrtMemoryInfo.Cpu);

        Assert.DoesNotThrow(bind.SynchronizeBoundInputs);
        bind.Run();
        Assert.DoesNotThrow(bind.SynchronizeBoundOutputs);
    }

    [Test]
    public void BindInput_UnknownName_IsOrtError()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtIoBinding bind = session.CreateIoBinding();
        using OrtValue x = OrtValue.CreateTensor(new float[3], [1, 3]);

        var e = Assert.Throws<OrtException>(() => bind.BindInput("nope", x));

        Assert.That(e!.ErrorCode, Is.EqualTo(OrtErrorCode.Fail));
        Assert.That(e.NativeMessage, Does.Contain("Failed to find input name in the mapping: nope"));
    }

    [Test]
    public void RunWithBinding_OfAnotherSession_Throws()
    {
        using OrtSession a = OrtSession.FromFile(TestModels.Scale);
        using OrtSession b = OrtSession.FromFile(TestModels.Scale);
        using OrtIoBinding bind = a.CreateIoBinding();

        Assert.Throws<ArgumentException>(() => b.RunWithBinding(bind));
    }
}
