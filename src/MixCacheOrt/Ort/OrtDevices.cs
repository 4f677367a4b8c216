using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;

namespace MixCacheOrt.Ort;

/// <summary>
/// Memory infos for where activations live, shared for the process's lifetime (the official API creates a new
/// native object per <see cref="OrtMemoryInfo"/> constructor call; the executor binds one per output per step).
/// </summary>
public static class OrtDevices
{
    private static readonly ConcurrentDictionary<int, OrtMemoryInfo> s_cuda = new();

    /// <summary>Plain CPU memory (ORT's default CPU allocator).</summary>
    public static OrtMemoryInfo Cpu => OrtMemoryInfo.DefaultInstance;

    /// <summary>Device memory of CUDA device <paramref name="deviceId"/> (<c>Cuda</c>, device allocator). Creating it needs no GPU.</summary>
    public static OrtMemoryInfo Cuda(int deviceId = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviceId);
        return s_cuda.GetOrAdd(deviceId, static id => new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, id, OrtMemType.Default));
    }

    /// <summary>True when <paramref name="value"/>'s buffer can be read from the host (CPU memory, or a device's CPU-side memory).</summary>
    public static bool IsHostAccessible(OrtValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        using OrtMemoryInfo info = value.GetTensorMemoryInfo();
        return info.Name == "Cpu" || info.GetMemoryType() != OrtMemType.Default;
    }
}
