using MixCacheOrt.Ort.Native;

namespace MixCacheOrt.Ort;

/// <summary>A snapshot of an <c>OrtMemoryInfo</c>: where a tensor's buffer lives.</summary>
/// <param name="Name">Allocator name, e.g. <c>Cpu</c>, <c>Cuda</c>, <c>CudaPinned</c>.</param>
/// <param name="DeviceId">Device ordinal (0 for the CPU).</param>
/// <param name="DeviceType">CPU, GPU, ...</param>
/// <param name="MemoryType">Device memory or CPU-accessible memory of a device.</param>
/// <param name="AllocatorType">Arena or plain device allocator.</param>
public readonly record struct OrtMemoryLocation(
    string Name,
    int DeviceId,
    OrtMemoryDeviceType DeviceType,
    OrtMemType MemoryType,
    OrtAllocatorType AllocatorType)
{
    /// <summary>True when the CPU can read the buffer directly (spans over it are valid).</summary>
    public bool IsCpuAccessible => this.DeviceType == OrtMemoryDeviceType.Cpu || this.MemoryType != OrtMemType.Default;

    public override string ToString() => $"{this.Name}:{this.DeviceId} ({this.DeviceType}, {this.MemoryType}, {this.AllocatorType})";

    /// <summary>Reads an <c>OrtMemoryInfo*</c> that stays owned by the caller.</summary>
    internal static unsafe OrtMemoryLocation FromNative(nint memoryInfo)
    {
        byte* name;
        int id, memType, allocatorType, deviceType;
        OrtStatus.ThrowIfFailed(OrtApi.MemoryInfoGetName(memoryInfo, &name));
        OrtStatus.ThrowIfFailed(OrtApi.MemoryInfoGetId(memoryInfo, &id));
        OrtStatus.ThrowIfFailed(OrtApi.MemoryInfoGetMemType(memoryInfo, &memType));
        OrtStatus.ThrowIfFailed(OrtApi.MemoryInfoGetType(memoryInfo, &allocatorType));
        OrtApi.MemoryInfoGetDeviceType(memoryInfo, &deviceType);
        return new OrtMemoryLocation(
            Utf8.ToString(name), id, (OrtMemoryDeviceType)deviceType, (OrtMemType)memType, (OrtAllocatorType)allocatorType);
    }
}
