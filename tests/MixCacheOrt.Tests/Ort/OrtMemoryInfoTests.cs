using MixCacheOrt.Ort;

namespace MixCacheOrt.Tests.Ort;

public sealed class OrtMemoryInfoTests
{
    [Test]
    public void Cpu_DescribesCpuMemory()
    {
        OrtMemoryLocation cpu = OrtMemoryInfo.Cpu.Location;

        Assert.That(cpu, Is.EqualTo(new OrtMemoryLocation("Cpu", 0, OrtMemoryDeviceType.Cpu, OrtMemType.Default, OrtAllocatorType.Arena)));
        Assert.That(OrtMemoryInfo.Cpu, Is.SameAs(OrtMemoryInfo.Cpu));
    }

    [Test]
    public void Cuda_DescribesGpuMemory_WithoutNeedingAGpu()
    {
        OrtMemoryLocation cuda = OrtMemoryInfo.Cuda(1).Location;

        Assert.That(cuda.Name, Is.EqualTo("Cuda"));
        Assert.That(cuda.DeviceId, Is.EqualTo(1));
        Assert.That(cuda.DeviceType, Is.EqualTo(OrtMemoryDeviceType.Gpu));
        Assert.That(cuda.IsCpuAccessible, Is.False);
        Assert.That(OrtMemoryInfo.Cuda(1), Is.SameAs(OrtMemoryInfo.Cuda(1)));
    }

    [Test]
    public void SharedInstances_IgnoreDispose()
    {
        OrtMemoryInfo.Cpu.Dispose();

        using OrtValue value = OrtValue.CreateTensor(new float[1], [1]);
        Assert.That(OrtMemoryInfo.Cpu.Location.Name, Is.EqualTo("Cpu"));
    }

    [Test]
    public void Create_CustomCpuInfo_ComparesEqualToCpu()
    {
        using OrtMemoryInfo custom = OrtMemoryInfo.Create("Cpu", OrtAllocatorType.Arena, 0, OrtMemType.Default);

        Assert.That(custom.SameLocationAs(OrtMemoryInfo.Cpu), Is.True);
        Assert.That(custom.SameLocationAs(OrtMemoryInfo.Cuda(0)), Is.False);
    }
}
