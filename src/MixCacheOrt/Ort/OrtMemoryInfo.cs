using System.Collections.Concurrent;
using MixCacheOrt.Ort.Native;

namespace MixCacheOrt.Ort;

/// <summary>
/// Describes a memory location to ONNX Runtime (<c>OrtMemoryInfo</c>): where a tensor is created, or where
/// <see cref="OrtIoBinding.BindOutputToDevice"/> should let a session allocate an output.
/// </summary>
/// <remarks>
/// <see cref="Cpu"/> and <see cref="Cuda"/> return shared, process-lifetime instances: disposing them does nothing.
/// Instances from <see cref="Create"/> are owned by the caller.
/// </remarks>
public sealed unsafe class OrtMemoryInfo : IDisposable
{
    private static readonly Lazy<OrtMemoryInfo> s_cpu = new(() => new OrtMemoryInfo(CreateCpu(), shared: true));
    private static readonly ConcurrentDictionary<int, OrtMemoryInfo> s_cuda = new();

    private readonly OrtHandle handle;
    private readonly bool shared;

    private OrtMemoryInfo(OrtHandle handle, bool shared)
    {
        this.handle = handle;
        this.shared = shared;
        this.Location = OrtMemoryLocation.FromNative(handle.Pointer);
    }

    /// <summary>Plain CPU memory (<c>CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault)</c>).</summary>
    public static OrtMemoryInfo Cpu => s_cpu.Value;

    /// <summary>What this memory info describes.</summary>
    public OrtMemoryLocation Location { get; }

    internal nint Pointer => this.handle.Pointer;

    /// <summary>
    /// Device memory of CUDA device <paramref name="deviceId"/> (<c>"Cuda"</c>, device allocator, default memory
    /// type), as the ONNX Runtime IO binding documentation uses it. Creating it does not need a GPU.
    /// </summary>
    public static OrtMemoryInfo Cuda(int deviceId = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviceId);
        return s_cuda.GetOrAdd(
            deviceId,
            static id => new OrtMemoryInfo(CreateNative("Cuda", OrtAllocatorType.Device, id, OrtMemType.Default), shared: true));
    }

    /// <summary>Any memory info (<c>CreateMemoryInfo</c>); the caller owns and disposes it.</summary>
    /// <param name="name">Allocator name as ORT knows it, e.g. <c>Cpu</c>, <c>Cuda</c>, <c>CudaPinned</c>.</param>
    /// <param name="allocatorType">Arena or plain device allocator.</param>
    /// <param name="deviceId">Device ordinal.</param>
    /// <param name="memoryType">Device memory, or CPU-accessible memory of the device.</param>
    public static OrtMemoryInfo Create(string name, OrtAllocatorType allocatorType, int deviceId, OrtMemType memoryType) =>
        new(CreateNative(name, allocatorType, deviceId, memoryType), shared: false);

    /// <summary>True when ORT considers both to be the same location (<c>CompareMemoryInfo</c>).</summary>
    public bool SameLocationAs(OrtMemoryInfo other)
    {
        ArgumentNullException.ThrowIfNull(other);
        int result;
        OrtStatus.ThrowIfFailed(OrtApi.CompareMemoryInfo(this.Pointer, other.Pointer, &result));
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        return result == 0;
    }

    public override string ToString() => this.Location.ToString();

    public void Dispose()
    {
        if (!this.shared)
        {
            this.handle.Dispose();
        }
    }

    private static OrtHandle CreateCpu()
    {
        nint info;
        OrtStatus.ThrowIfFailed(OrtApi.CreateCpuMemoryInfo((int)OrtAllocatorType.Arena, (int)OrtMemType.Default, &info));
        return new OrtHandle(info, OrtHandleKind.MemoryInfo);
    }

    private static OrtHandle CreateNative(string name, OrtAllocatorType allocatorType, int deviceId, OrtMemType memoryType)
    {
        nint info;
        fixed (byte* utf8Name = Utf8.NullTerminated(name))
        {
            OrtStatus.ThrowIfFailed(OrtApi.CreateMemoryInfo(utf8Name, (int)allocatorType, deviceId, (int)memoryType, &info));
        }

        return new OrtHandle(info, OrtHandleKind.MemoryInfo);
    }
}
