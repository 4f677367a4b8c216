using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;
using MixCacheOrt.Tests.TestData;

namespace MixCacheOrt.Tests.Ort;

/// <summary>Memory infos the executor binds outputs to, and where tensors live.</summary>
public sealed class OrtDevicesTests
{
    [Test]
    public void CudaMemoryInfo_IsDeviceMemoryOfTheOrdinal_AndShared()
    {
        OrtMemoryInfo info = OrtDevices.Cuda(1);

        Assert.That(info.Name, Is.EqualTo("Cuda"));
        Assert.That(info.Id, Is.EqualTo(1));
        Assert.That(info.GetAllocatorType(), Is.EqualTo(OrtAllocatorType.DeviceAllocator));
        Assert.That(info.GetMemoryType(), Is.EqualTo(OrtMemType.Default));
        Assert.That(OrtDevices.Cuda(1), Is.SameAs(info));
        Assert.Throws<ArgumentOutOfRangeException>(() => OrtDevices.Cuda(-1));
    }

    [Test]
    public void ActivationMemory_FollowsTheProvider()
    {
        Assert.That(new ExecutionSettings().ActivationMemory.Name, Is.EqualTo("Cpu"));
        Assert.That(new ExecutionSettings { Provider = ExecutionProvider.Cuda, DeviceId = 2 }.ActivationMemory, Is.SameAs(OrtDevices.Cuda(2)));
    }

    [Test]
    public void HostTensorsAndCpuOutputs_AreHostAccessible()
    {
        using var session = new InferenceSession(TestModels.Scale);
        using OrtIoBinding bind = session.CreateIoBinding();
        using OrtValue x = OrtValues.Tensor(new float[] { 1, 2, 3 }, 1, 3);
        bind.BindInput("x", x);
        bind.BindOutputToDevice("y", OrtDevices.Cpu);
        using OrtOutputs outputs = OrtOutputs.Run(session, bind);

        Assert.That(OrtDevices.IsHostAccessible(x), Is.True);
        Assert.That(OrtDevices.IsHostAccessible(outputs[0]), Is.True);
    }
}
