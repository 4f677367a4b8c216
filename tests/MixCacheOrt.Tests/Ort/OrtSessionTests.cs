using MixCacheOrt.Ort;
using MixCacheOrt.Tests.TestData;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Ort;

public sealed class OrtSessionTests
{
    [Test]
    public void Metadata_ReportsNamesElementTypesAndSymbolicBatchDimension()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.AddMul);

        Assert.That(session.Inputs.Select(i => i.Name), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(session.Outputs.Select(o => o.Name), Is.EqualTo(new[] { "sum", "product" }));
        OrtNodeInfo a = session.GetInput("a");
        Assert.Multiple(() =>
        {
            Assert.That(a.Index, Is.EqualTo(0));
            Assert.That(a.ValueType, Is.EqualTo(OnnxValueType.Tensor));
            Assert.That(a.ElementType, Is.EqualTo(TensorElementType.Float));
            Assert.That(a.Shape, Is.EqualTo(new long[] { -1, 3 }));
            Assert.That(a.SymbolicDimensions, Is.EqualTo(new[] { "batch", string.Empty }));
            Assert.That(a.HasDynamicDimensions, Is.True);
            Assert.That(a.ToString(), Is.EqualTo("a: Float[batch, 3]"));
            Assert.That(session.GetOutput("product").Index, Is.EqualTo(1));
        });
    }

    [Test]
    public void Metadata_FixedShapeAndFloat16()
    {
        using OrtSession matmul = OrtSession.FromFile(TestModels.MatMul);
        using OrtSession f16 = OrtSession.FromFile(TestModels.AddF16);

        Assert.That(matmul.GetInput("w").Shape, Is.EqualTo(new long[] { 4, 3 }));
        Assert.That(matmul.GetInput("w").HasDynamicDimensions, Is.False);
        Assert.That(f16.GetOutput("sum").ElementType, Is.EqualTo(TensorElementType.Float16));
    }

    [Test]
    public void GetInput_UnknownName_ListsTheInputs()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.AddMul);

        var e = Assert.Throws<KeyNotFoundException>(() => session.GetInput("c"));
        Assert.That(e!.Message, Does.Contain("'c'").And.Contain("a, b"));
    }

    [Test]
    public void Run_AddAndMul_MatchHandComputedValues()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.AddMul);
        float[] a = Tensors.Ramp(6, 0.5f, -1f);
        float[] b = Tensors.Ramp(6, -0.25f, 2f);
        using OrtValue va = OrtValue.CreateTensor(a, [2, 3]);
        using OrtValue vb = OrtValue.CreateTensor(b, [2, 3]);

        using OrtOutputs outputs = session.Run(new Dictionary<string, OrtValue> { ["a"] = va, ["b"] = vb });

        Assert.That(outputs.Names, Is.EqualTo(new[] { "sum", "product" }));
        Assert.That(outputs["sum"].Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(outputs["sum"].ToArray<float>(), Is.EqualTo(Tensors.Zip(a, b, (x, y) => x + y)));
        Assert.That(outputs["product"].ToArray<float>(), Is.EqualTo(Tensors.Zip(a, b, (x, y) => x * y)));
    }

    [Test]
    public void Run_MatMul_MatchesReferenceProduct()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.MatMul);
        float[] x = Tensors.Ramp(2 * 4, 0.5f, -1f);
        float[] w = Tensors.Ramp(4 * 3, -0.125f, 0.75f);
        using OrtValue vx = OrtValue.CreateTensor(x, [2, 4]);
        using OrtValue vw = OrtValue.CreateTensor(w, [4, 3]);

        using OrtOutputs outputs = session.Run(["x", "w"], [vx, vw], ["y"]);

        Assert.That(outputs[0].Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(outputs[0].ToArray<float>(), Is.EqualTo(Tensors.MatMul(x, w, 2, 4, 3)).Within(1e-5f));
    }

    [Test]
    public void Run_Float16_AddsInHalfPrecision()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.AddF16);
        Half[] a = [.. Tensors.Ramp(4, 0.5f).Select(v => (Half)v)];
        Half[] b = [.. Tensors.Ramp(4, 0.25f, 1f).Select(v => (Half)v)];
        using OrtValue va = OrtValue.CreateTensor(a, [1, 4]);
        using OrtValue vb = OrtValue.CreateTensor(b, [1, 4]);

        using OrtOutputs outputs = session.Run(["a", "b"], [va, vb]);

        Assert.That(outputs["sum"].ElementType, Is.EqualTo(TensorElementType.Float16));
        Half[] expected = [.. a.Zip(b, (x, y) => (Half)((float)x + (float)y))];
        Assert.That(outputs["sum"].ToArray<Half>(), Is.EqualTo(expected));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(5)]
    public void Run_SymbolicBatch_AcceptsAnyBatchSizeOnOneSession(int batch)
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        float[] x = Tensors.Ramp(batch * 3);
        using OrtValue vx = OrtValue.CreateTensor(x, [batch, 3]);

        using OrtOutputs outputs = session.Run(["x"], [vx]);

        Assert.That(outputs["y"].Shape, Is.EqualTo(new long[] { batch, 3 }));
        Assert.That(outputs["y"].ToArray<float>(), Is.EqualTo(x.Select(v => (2 * v) + 1).ToArray()));
    }

    [Test]
    public void Run_SameSessionWithBatch1Then2()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.AddMul);
        foreach (int batch in new[] { 1, 2, 1 })
        {
            float[] a = Tensors.Ramp(batch * 3, 1f);
            using OrtValue va = OrtValue.CreateTensor(a, [batch, 3]);
            using OrtOutputs outputs = session.Run(["a", "b"], [va, va], ["sum"]);
            Assert.That(outputs["sum"].ToArray<float>(), Is.EqualTo(a.Select(v => v + v).ToArray()), $"batch {batch}");
        }
    }

    [Test]
    public void FromBytes_RunsLikeFromFile()
    {
        using OrtSession session = OrtSession.FromBytes(File.ReadAllBytes(TestModels.Scale));
        using OrtValue x = OrtValue.CreateTensor(new float[] { 1, 2, 3 }, [1, 3]);

        using OrtOutputs outputs = session.Run(["x"], [x]);

        Assert.That(outputs[0].ToArray<float>(), Is.EqualTo(new float[] { 3, 5, 7 }));
    }

    [Test]
    public void FreeDimensionOverride_FixesTheBatchDimensionInMetadata()
    {
        using var options = new OrtSessionOptions();
        options.AddFreeDimensionOverrideByName("batch", 2);
        using OrtSession session = OrtSession.FromFile(TestModels.AddMul, options);

        Assert.That(session.GetInput("a").Shape, Is.EqualTo(new long[] { 2, 3 }));
    }

    [Test]
    public void Outputs_Take_KeepsValueAliveAfterTheCollectionIsDisposed()
    {
        using OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtValue x = OrtValue.CreateTensor(new float[] { 0, 1, 2 }, [1, 3]);
        OrtValue kept;
        using (OrtOutputs outputs = session.Run(["x"], [x]))
        {
            kept = outputs.Take("y");
        }

        using (kept)
        {
            Assert.That(kept.IsDisposed, Is.False);
            Assert.That(kept.ToArray<float>(), Is.EqualTo(new float[] { 1, 3, 5 }));
        }

        Assert.That(kept.IsDisposed, Is.True);
    }

    [Test]
    public void Outputs_OutliveTheirDisposedSession()
    {
        OrtSession session = OrtSession.FromFile(TestModels.Scale);
        using OrtValue x = OrtValue.CreateTensor(new float[] { 1, 1, 1 }, [1, 3]);
        using OrtOutputs outputs = session.Run(["x"], [x]);

        session.Dispose(); // the native session is released only after its outputs are

        Assert.That(outputs[0].ToArray<float>(), Is.EqualTo(new float[] { 3, 3, 3 }));
        Assert.Throws<ObjectDisposedException>(() => session.Run(["x"], [x]));
    }
}
