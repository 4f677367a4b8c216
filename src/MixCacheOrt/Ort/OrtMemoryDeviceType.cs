namespace MixCacheOrt.Ort;

/// <summary>Device kind of a memory info (<c>OrtMemoryInfoDeviceType</c>).</summary>
public enum OrtMemoryDeviceType
{
    Cpu = 0,
    Gpu = 1,
    Fpga = 2,
    Npu = 3,
}
