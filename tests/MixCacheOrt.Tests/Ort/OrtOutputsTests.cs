using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Ort;
using MixCacheOrt.Tests.TestData;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Ort;

/// <summary>
/// Chaining sessions through the official <see cref="OrtIoBinding"/> the way the executor does it
/// (<see cref="OrtOutputs.Run"/>): outputs feed the next session without managed copies, and every run writes new
/// buffers so values kept from earlier runs stay intact.
/// </summary>
public sealed class OrtOutputsTests
{
    [Test]
    public void Chain_OutputOfSessionAFeedsSessionB()
    {
        using var a = new InferenceSession(TestModels.AddMul);
        using var b = new InferenceSession(TestModels.Scale);
        float[] x = Tensors.Ramp(6, 0.5f, -1f);
        float[] y = Tensors.Ramp(6, 0.25f);
        using OrtValue vx = OrtValues.Tensor(x, 2, 3);
        using OrtValue vy = OrtValues.Tensor(y, 2, 3);
        using OrtIoBinding bindA = a.CreateIoBinding();
        using OrtIoBinding bindB = b.CreateIoBinding();

        bindA.BindInput("a", vx);
        bindA.BindInput("b", vy);
        bindA.BindOutputToDevice("sum", OrtDevices.Cpu);
        bindA.BindOutputToDevice("product", OrtDevices.Cpu);
        using OrtOutputs fromA = OrtOutputs.Run(a, bindA);
        bindB.BindInput("x", fromA["sum"]);
        bindB.BindOutputToDevice("y", OrtDevices.Cpu);
        using OrtOutputs fromB = OrtOutputs.Run(b, bindB);

        Assert.That(fromA.Names, Is.EqualTo(new[] { "sum", "product" }));
        Assert.That(fromA["product"].ToArray<float>(), Is.EqualTo(Tensors.Zip(x, y, (p, q) => p * q)));
        Assert.That(fromB["y"].ToArray<float>(), Is.EqualTo(Tensors.Zip(x, y, (p, q) => (2 * (p + q)) + 1)));
        Assert.That(fromB["y"].Shape(), Is.EqualTo(new long[] { 2, 3 }));
    }

    [Test]
    public void ChainedInput_IsSessionAsOutputBuffer_NotACopy()
    {
        using var a = new InferenceSession(TestModels.AddMul);
        using var b = new InferenceSession(TestModels.Scale);
        using OrtValue one = OrtValues.Tensor(new float[] { 1, 1, 1 }, 1, 3);
        using OrtIoBinding bindA = a.CreateIoBinding();
        using OrtIoBinding bindB = b.CreateIoBinding();
        bindA.BindInput("a", one);
        bindA.BindInput("b", one);
        bindA.BindOutputToDevice("sum", OrtDevices.Cpu);
        using OrtOutputs fromA = OrtOutputs.Run(a, bindA);
        bindB.BindInput("x", fromA["sum"]);

        // Change A's output in place after binding it: B sees the change, so B reads A's buffer itself.
        fromA["sum"].GetTensorMutableDataAsSpan<float>()[0] = 10;
        bindB.BindOutputToDevice("y", OrtDevices.Cpu);
        using OrtOutputs fromB = OrtOutputs.Run(b, bindB);

        Assert.That(fromB["y"].ToArray<float>(), Is.EqualTo(new float[] { 21, 5, 5 }));
    }

    [Test]
    public void EachRunWritesNewBuffers_SoKeptOutputsSurvive_AndBatchSizeCanChange()
    {
        using var session = new InferenceSession(TestModels.Scale);
        using OrtIoBinding bind = session.CreateIoBinding();
        using OrtValue batch2 = OrtValues.Tensor(new float[] { 0, 1, 2, 3, 4, 5 }, 2, 3);
        using OrtValue batch1 = OrtValues.Tensor(new float[] { 1, 2, 3 }, 1, 3);

        bind.BindInput("x", batch2);
        bind.BindOutputToDevice("y", OrtDevices.Cpu);
        using OrtOutputs first = OrtOutputs.Run(session, bind);
        bind.BindInput("x", batch1);
        bind.BindOutputToDevice("y", OrtDevices.Cpu);
        using OrtOutputs second = OrtOutputs.Run(session, bind);

        Assert.That(first["y"].ToArray<float>(), Is.EqualTo(new float[] { 1, 3, 5, 7, 9, 11 }), "not overwritten by the second run");
        Assert.That(second["y"].Shape(), Is.EqualTo(new long[] { 1, 3 }));
        Assert.That(second["y"].ToArray<float>(), Is.EqualTo(new float[] { 3, 5, 7 }));
    }

    [Test]
    public void PlainOfficialBinding_ReusesTheFirstRunsBuffer_WhichIsWhyOutputsAreTaken()
    {
        // The behaviour OrtOutputs.FromBinding guards against: without re-binding, the second run writes into the
        // buffer the first run returned.
        using var session = new InferenceSession(TestModels.Scale);
        using OrtIoBinding bind = session.CreateIoBinding();
        using var runOptions = new RunOptions();
        using OrtValue ones = OrtValues.Tensor(new float[] { 1, 1, 1 }, 1, 3);
        using OrtValue twos = OrtValues.Tensor(new float[] { 2, 2, 2 }, 1, 3);
        bind.BindOutputToDevice("y", OrtDevices.Cpu);

        bind.BindInput("x", ones);
        session.RunWithBinding(runOptions, bind);
        using IDisposableReadOnlyCollection<OrtValue> first = bind.GetOutputValues();
        bind.BindInput("x", twos);
        session.RunWithBinding(runOptions, bind);

        Assert.That(first[0].ToArray<float>(), Is.EqualTo(new float[] { 5, 5, 5 }), "the first run's value now holds the second run's result");
    }

    [Test]
    public void TakenValue_OutlivesTheCollection()
    {
        using var session = new InferenceSession(TestModels.AddMul);
        using OrtIoBinding bind = session.CreateIoBinding();
        using OrtValue x = OrtValues.Tensor(new float[] { 1, 2, 3 }, 1, 3);
        bind.BindInput("a", x);
        bind.BindInput("b", x);
        bind.BindOutputToDevice("sum", OrtDevices.Cpu);
        bind.BindOutputToDevice("product", OrtDevices.Cpu);

        OrtValue kept;
        using (OrtOutputs outputs = OrtOutputs.Run(session, bind))
        {
            kept = outputs.Take("sum");
        }

        // The binding no longer holds the output either (OrtOutputs.Run unbinds it): the value is the only owner.
        using (kept)
        {
            Assert.That(kept.ToArray<float>(), Is.EqualTo(new float[] { 2, 4, 6 }));
        }
    }

    [Test]
    public void UnknownOutputName_ListsTheOutputs()
    {
        using var session = new InferenceSession(TestModels.Scale);
        using OrtIoBinding bind = session.CreateIoBinding();
        using OrtValue x = OrtValues.Tensor(new float[] { 1, 2, 3 }, 1, 3);
        bind.BindInput("x", x);
        bind.BindOutputToDevice("y", OrtDevices.Cpu);
        using OrtOutputs outputs = OrtOutputs.Run(session, bind);

        var e = Assert.Throws<KeyNotFoundException>(() => _ = outputs["z"]);

        Assert.That(e!.Message, Is.EqualTo("No output named 'z'; the outputs are: y."));
    }
}
