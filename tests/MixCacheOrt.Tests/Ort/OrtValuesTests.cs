using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Tests.Ort;

public sealed class OrtValuesTests
{
    [Test]
    public void Tensor_OverAnArray_IsTheArraysMemory_NotACopy()
    {
        float[] data = [1, 2, 3, 4, 5, 6];
        using OrtValue value = OrtValues.Tensor(data, 2, 3);

        data[4] = 40;
        value.GetTensorMutableDataAsSpan<float>()[0] = 10;

        Assert.That(value.GetTensorDataAsSpan<float>()[4], Is.EqualTo(40));
        Assert.That(data[0], Is.EqualTo(10));
    }

    [Test]
    public void Tensor_OverASliceOfMemory_SeesOnlyTheSlice()
    {
        float[] data = [0, 1, 2, 3, 4, 5, 6, 7];
        using OrtValue value = OrtValues.Tensor(data.AsMemory(2, 4), 1, 4);

        Assert.That(value.ToArray<float>(), Is.EqualTo(new float[] { 2, 3, 4, 5 }));
    }

    [Test]
    public void ShapeRankAndElementCount_ComeFromTheTensor()
    {
        using OrtValue value = OrtValues.Tensor(new long[24], 2, 3, 4);

        Assert.That(value.Shape(), Is.EqualTo(new long[] { 2, 3, 4 }));
        Assert.That(value.Rank(), Is.EqualTo(3));
        Assert.That(value.ElementCount(), Is.EqualTo(24));
        Assert.That(value.GetTensorTypeAndShape().ElementDataType, Is.EqualTo(TensorElementType.Int64));
    }

    [Test]
    public void ToArray_IsACopy()
    {
        float[] data = [1, 2, 3];
        using OrtValue value = OrtValues.Tensor(data, 3);

        float[] copy = value.ToArray<float>();
        data[0] = 100;

        Assert.That(copy, Is.EqualTo(new float[] { 1, 2, 3 }));
    }

    [Test]
    public void Tensor_WithAShapeThatDoesNotFitTheData_IsRejected() =>
        Assert.That(() => OrtValues.Tensor(new float[5], 2, 3).Dispose(), Throws.InstanceOf<OnnxRuntimeException>().Or.InstanceOf<ArgumentException>());
}
