using MixCacheOrt.Ort;

namespace MixCacheOrt.Tests.Ort;

public sealed class OrtValueTests
{
    [Test]
    public void CreateTensor_OverManagedMemory_SharesTheBufferWithoutCopying()
    {
        float[] data = [1, 2, 3, 4, 5, 6];
        using OrtValue value = OrtValue.CreateTensor(data, [2, 3]);

        data[4] = 42; // visible through the tensor: ORT uses the pinned array in place
        value.GetTensorSpan<float>()[0] = -7; // and writes go back to the array

        Assert.That(value.GetTensorReadOnlySpan<float>()[4], Is.EqualTo(42));
        Assert.That(data[0], Is.EqualTo(-7));
    }

    [Test]
    public void CreateTensor_OverASliceOfMemory()
    {
        float[] backing = [9, 1, 2, 3, 9];
        using OrtValue value = OrtValue.CreateTensor(backing.AsMemory(1, 3), [3]);

        Assert.That(value.ToArray<float>(), Is.EqualTo(new float[] { 1, 2, 3 }));
    }

    [Test]
    public void TensorProperties()
    {
        using OrtValue value = OrtValue.CreateTensor(new long[24], [2, 3, 4]);

        Assert.Multiple(() =>
        {
            Assert.That(value.IsTensor, Is.True);
            Assert.That(value.ValueType, Is.EqualTo(OnnxValueType.Tensor));
            Assert.That(value.ElementType, Is.EqualTo(TensorElementType.Int64));
            Assert.That(value.Shape, Is.EqualTo(new long[] { 2, 3, 4 }));
            Assert.That(value.Rank, Is.EqualTo(3));
            Assert.That(value.ElementCount, Is.EqualTo(24));
            Assert.That(value.SizeInBytes, Is.EqualTo(24 * sizeof(long)));
            Assert.That(value.ToString(), Is.EqualTo("OrtValue Int64[2, 3, 4]"));
        });
    }

    [Test]
    public void CreateTensor_ShapeDataMismatch_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => OrtValue.CreateTensor(new float[5], [2, 3]));

        Assert.That(e!.Message, Does.Contain("[2, 3] has 6 elements but the data has 5"));
    }

    [Test]
    public void AllocateTensor_IsWritableCpuMemoryOwnedByOrt()
    {
        using OrtValue value = OrtValue.AllocateTensor<Half>([2, 2]);
        value.GetTensorSpan<Half>().Fill((Half)1.5f);

        Assert.That(value.ElementType, Is.EqualTo(TensorElementType.Float16));
        Assert.That(value.ToArray<Half>(), Is.All.EqualTo((Half)1.5f));
        Assert.That(value.MemoryLocation.DeviceType, Is.EqualTo(OrtMemoryDeviceType.Cpu));
    }

    [Test]
    public void MemoryLocation_OfManagedTensor_IsCpu()
    {
        using OrtValue value = OrtValue.CreateTensor(new float[1], [1]);

        OrtMemoryLocation location = value.MemoryLocation;

        Assert.That(location.Name, Is.EqualTo("Cpu"));
        Assert.That(location.DeviceId, Is.EqualTo(0));
        Assert.That(location.IsCpuAccessible, Is.True);
    }

    [Test]
    public void GetTensorSpan_WrongElementType_Throws()
    {
        using OrtValue value = OrtValue.CreateTensor(new float[4], [4]);

        var e = Assert.Throws<InvalidOperationException>(() => value.GetTensorSpan<Half>());

        Assert.That(e!.Message, Does.Contain("Float tensor as Half").And.Contain("Single"));
        Assert.Throws<InvalidOperationException>(() => value.GetTensorReadOnlySpan<int>());
    }

    [Test]
    public void UnsupportedElementType_Throws()
    {
        Assert.Throws<NotSupportedException>(() => OrtValue.CreateTensor(new decimal[1], [1]));
    }

    [Test]
    public void DisposedValue_ThrowsObjectDisposed()
    {
        OrtValue value = OrtValue.CreateTensor(new float[1], [1]);
        value.Dispose();
        value.Dispose(); // idempotent

        Assert.That(value.IsDisposed, Is.True);
        Assert.Throws<ObjectDisposedException>(() => _ = value.Shape);
        Assert.That(value.ToString(), Is.EqualTo("OrtValue (disposed)"));
    }

    [Test]
    public void ScalarTensor_HasRankZero()
    {
        using OrtValue value = OrtValue.CreateTensor(new int[] { 7 }, []);

        Assert.That(value.Rank, Is.EqualTo(0));
        Assert.That(value.ToArray<int>(), Is.EqualTo(new[] { 7 }));
    }
}
