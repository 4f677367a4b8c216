using System.Runtime.CompilerServices;

namespace MixCacheOrt.Ort.Native;

/// <summary>
/// Typed function pointers into the ONNX Runtime <c>OrtApi</c> table (API version 30), one per slot of
/// <see cref="OrtApiSlot"/>. Each property reads its slot from the table that <see cref="OrtNativeLibrary"/>
/// loads on first use, so no delegates and no marshalling stubs are involved.
/// </summary>
/// <remarks>
/// Conventions (C → C#): handles are <c>nint</c>, <c>size_t</c> is <c>nuint</c>, <c>int64_t</c> is <c>long</c>,
/// enums are <c>int</c>, strings are NUL-terminated UTF-8 <c>byte*</c>. Every function that returns
/// <c>nint</c> returns an <c>OrtStatus*</c> that must go through <see cref="OrtStatus.ThrowIfFailed"/>.
/// </remarks>
internal static unsafe class OrtApi
{
    /// <summary>The raw function pointer in <paramref name="slot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint Slot(OrtApiSlot slot) => OrtNativeLibrary.Api[(int)slot];

    // Status
    public static delegate* unmanaged<nint, int> GetErrorCode => (delegate* unmanaged<nint, int>)Slot(OrtApiSlot.GetErrorCode);
    public static delegate* unmanaged<nint, byte*> GetErrorMessage => (delegate* unmanaged<nint, byte*>)Slot(OrtApiSlot.GetErrorMessage);
    public static delegate* unmanaged<nint, void> ReleaseStatus => (delegate* unmanaged<nint, void>)Slot(OrtApiSlot.ReleaseStatus);

    // Environment and runtime info
    public static delegate* unmanaged<int, byte*, nint*, nint> CreateEnv => (delegate* unmanaged<int, byte*, nint*, nint>)Slot(OrtApiSlot.CreateEnv);
    public static delegate* unmanaged<int, byte*, nint, nint*, nint> CreateEnvWithGlobalThreadPools => (delegate* unmanaged<int, byte*, nint, nint*, nint>)Slot(OrtApiSlot.CreateEnvWithGlobalThreadPools);
    public static delegate* unmanaged<nint, nint> DisablePerSessionThreads => (delegate* unmanaged<nint, nint>)Slot(OrtApiSlot.DisablePerSessionThreads);
    public static delegate* unmanaged<nint*, nint> CreateThreadingOptions => (delegate* unmanaged<nint*, nint>)Slot(OrtApiSlot.CreateThreadingOptions);
    public static delegate* unmanaged<nint, void> ReleaseThreadingOptions => (delegate* unmanaged<nint, void>)Slot(OrtApiSlot.ReleaseThreadingOptions);
    public static delegate* unmanaged<nint, int, nint> SetGlobalIntraOpNumThreads => (delegate* unmanaged<nint, int, nint>)Slot(OrtApiSlot.SetGlobalIntraOpNumThreads);
    public static delegate* unmanaged<nint, int, nint> SetGlobalInterOpNumThreads => (delegate* unmanaged<nint, int, nint>)Slot(OrtApiSlot.SetGlobalInterOpNumThreads);
    public static delegate* unmanaged<nint, int, nint> SetGlobalSpinControl => (delegate* unmanaged<nint, int, nint>)Slot(OrtApiSlot.SetGlobalSpinControl);
    public static delegate* unmanaged<byte*> GetBuildInfoString => (delegate* unmanaged<byte*>)Slot(OrtApiSlot.GetBuildInfoString);
    public static delegate* unmanaged<byte***, int*, nint> GetAvailableProviders => (delegate* unmanaged<byte***, int*, nint>)Slot(OrtApiSlot.GetAvailableProviders);
    public static delegate* unmanaged<byte**, int, nint> ReleaseAvailableProviders => (delegate* unmanaged<byte**, int, nint>)Slot(OrtApiSlot.ReleaseAvailableProviders);

    // Session options
    public static delegate* unmanaged<nint*, nint> CreateSessionOptions => (delegate* unmanaged<nint*, nint>)Slot(OrtApiSlot.CreateSessionOptions);
    public static delegate* unmanaged<nint, int, nint> SetSessionExecutionMode => (delegate* unmanaged<nint, int, nint>)Slot(OrtApiSlot.SetSessionExecutionMode);
    public static delegate* unmanaged<nint, byte*, nint> EnableProfiling => (delegate* unmanaged<nint, byte*, nint>)Slot(OrtApiSlot.EnableProfiling);
    public static delegate* unmanaged<nint, nint> DisableProfiling => (delegate* unmanaged<nint, nint>)Slot(OrtApiSlot.DisableProfiling);
    public static delegate* unmanaged<nint, nint> EnableMemPattern => (delegate* unmanaged<nint, nint>)Slot(OrtApiSlot.EnableMemPattern);
    public static delegate* unmanaged<nint, nint> DisableMemPattern => (delegate* unmanaged<nint, nint>)Slot(OrtApiSlot.DisableMemPattern);
    public static delegate* unmanaged<nint, nint> EnableCpuMemArena => (delegate* unmanaged<nint, nint>)Slot(OrtApiSlot.EnableCpuMemArena);
    public static delegate* unmanaged<nint, nint> DisableCpuMemArena => (delegate* unmanaged<nint, nint>)Slot(OrtApiSlot.DisableCpuMemArena);
    public static delegate* unmanaged<nint, int, nint> SetSessionLogSeverityLevel => (delegate* unmanaged<nint, int, nint>)Slot(OrtApiSlot.SetSessionLogSeverityLevel);
    public static delegate* unmanaged<nint, int, nint> SetSessionGraphOptimizationLevel => (delegate* unmanaged<nint, int, nint>)Slot(OrtApiSlot.SetSessionGraphOptimizationLevel);
    public static delegate* unmanaged<nint, int, nint> SetIntraOpNumThreads => (delegate* unmanaged<nint, int, nint>)Slot(OrtApiSlot.SetIntraOpNumThreads);
    public static delegate* unmanaged<nint, int, nint> SetInterOpNumThreads => (delegate* unmanaged<nint, int, nint>)Slot(OrtApiSlot.SetInterOpNumThreads);
    public static delegate* unmanaged<nint, byte*, long, nint> AddFreeDimensionOverrideByName => (delegate* unmanaged<nint, byte*, long, nint>)Slot(OrtApiSlot.AddFreeDimensionOverrideByName);
    public static delegate* unmanaged<nint, byte*, byte*, nint> AddSessionConfigEntry => (delegate* unmanaged<nint, byte*, byte*, nint>)Slot(OrtApiSlot.AddSessionConfigEntry);
    public static delegate* unmanaged<nint, byte*, byte**, byte**, nuint, nint> SessionOptionsAppendExecutionProvider => (delegate* unmanaged<nint, byte*, byte**, byte**, nuint, nint>)Slot(OrtApiSlot.SessionOptionsAppendExecutionProvider);

    // CUDA execution provider (V2 options: opaque struct configured with string keys)
    public static delegate* unmanaged<nint*, nint> CreateCUDAProviderOptions => (delegate* unmanaged<nint*, nint>)Slot(OrtApiSlot.CreateCUDAProviderOptions);
    public static delegate* unmanaged<nint, byte**, byte**, nuint, nint> UpdateCUDAProviderOptions => (delegate* unmanaged<nint, byte**, byte**, nuint, nint>)Slot(OrtApiSlot.UpdateCUDAProviderOptions);
    public static delegate* unmanaged<nint, nint, nint> SessionOptionsAppendExecutionProvider_CUDA_V2 => (delegate* unmanaged<nint, nint, nint>)Slot(OrtApiSlot.SessionOptionsAppendExecutionProvider_CUDA_V2);

    // Session
    public static delegate* unmanaged<nint, byte*, nint, nint*, nint> CreateSession => (delegate* unmanaged<nint, byte*, nint, nint*, nint>)Slot(OrtApiSlot.CreateSession);
    public static delegate* unmanaged<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray => (delegate* unmanaged<nint, void*, nuint, nint, nint*, nint>)Slot(OrtApiSlot.CreateSessionFromArray);
    public static delegate* unmanaged<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint> Run => (delegate* unmanaged<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint>)Slot(OrtApiSlot.Run);
    public static delegate* unmanaged<nint, nint, byte**, nint> SessionEndProfiling => (delegate* unmanaged<nint, nint, byte**, nint>)Slot(OrtApiSlot.SessionEndProfiling);

    // Session metadata: the input and output variants share one signature, so callers pick the slot.
    public static delegate* unmanaged<nint, nuint*, nint> SessionGetCount(OrtApiSlot slot) => (delegate* unmanaged<nint, nuint*, nint>)Slot(slot);
    public static delegate* unmanaged<nint, nuint, nint*, nint> SessionGetTypeInfo(OrtApiSlot slot) => (delegate* unmanaged<nint, nuint, nint*, nint>)Slot(slot);
    public static delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetName(OrtApiSlot slot) => (delegate* unmanaged<nint, nuint, nint, byte**, nint>)Slot(slot);

    // Type information
    public static delegate* unmanaged<nint, int*, nint> GetOnnxTypeFromTypeInfo => (delegate* unmanaged<nint, int*, nint>)Slot(OrtApiSlot.GetOnnxTypeFromTypeInfo);
    public static delegate* unmanaged<nint, nint*, nint> CastTypeInfoToTensorInfo => (delegate* unmanaged<nint, nint*, nint>)Slot(OrtApiSlot.CastTypeInfoToTensorInfo);
    public static delegate* unmanaged<nint, int*, nint> GetTensorElementType => (delegate* unmanaged<nint, int*, nint>)Slot(OrtApiSlot.GetTensorElementType);
    public static delegate* unmanaged<nint, nuint*, nint> GetDimensionsCount => (delegate* unmanaged<nint, nuint*, nint>)Slot(OrtApiSlot.GetDimensionsCount);
    public static delegate* unmanaged<nint, long*, nuint, nint> GetDimensions => (delegate* unmanaged<nint, long*, nuint, nint>)Slot(OrtApiSlot.GetDimensions);
    public static delegate* unmanaged<nint, byte**, nuint, nint> GetSymbolicDimensions => (delegate* unmanaged<nint, byte**, nuint, nint>)Slot(OrtApiSlot.GetSymbolicDimensions);

    // Values
    public static delegate* unmanaged<nint, long*, nuint, int, nint*, nint> CreateTensorAsOrtValue => (delegate* unmanaged<nint, long*, nuint, int, nint*, nint>)Slot(OrtApiSlot.CreateTensorAsOrtValue);
    public static delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue => (delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint>)Slot(OrtApiSlot.CreateTensorWithDataAsOrtValue);
    public static delegate* unmanaged<nint, int*, nint> IsTensor => (delegate* unmanaged<nint, int*, nint>)Slot(OrtApiSlot.IsTensor);
    public static delegate* unmanaged<nint, int*, nint> GetValueType => (delegate* unmanaged<nint, int*, nint>)Slot(OrtApiSlot.GetValueType);
    public static delegate* unmanaged<nint, void**, nint> GetTensorMutableData => (delegate* unmanaged<nint, void**, nint>)Slot(OrtApiSlot.GetTensorMutableData);
    public static delegate* unmanaged<nint, void**, nint> GetTensorData => (delegate* unmanaged<nint, void**, nint>)Slot(OrtApiSlot.GetTensorData);
    public static delegate* unmanaged<nint, nuint*, nint> GetTensorSizeInBytes => (delegate* unmanaged<nint, nuint*, nint>)Slot(OrtApiSlot.GetTensorSizeInBytes);
    public static delegate* unmanaged<nint, int*, long**, nuint*, nint> GetTensorElementTypeAndShapeDataReference => (delegate* unmanaged<nint, int*, long**, nuint*, nint>)Slot(OrtApiSlot.GetTensorElementTypeAndShapeDataReference);
    public static delegate* unmanaged<nint, nint*, nint> GetTensorMemoryInfo => (delegate* unmanaged<nint, nint*, nint>)Slot(OrtApiSlot.GetTensorMemoryInfo);

    // Memory info and allocators
    public static delegate* unmanaged<byte*, int, int, int, nint*, nint> CreateMemoryInfo => (delegate* unmanaged<byte*, int, int, int, nint*, nint>)Slot(OrtApiSlot.CreateMemoryInfo);
    public static delegate* unmanaged<int, int, nint*, nint> CreateCpuMemoryInfo => (delegate* unmanaged<int, int, nint*, nint>)Slot(OrtApiSlot.CreateCpuMemoryInfo);
    public static delegate* unmanaged<nint, nint, int*, nint> CompareMemoryInfo => (delegate* unmanaged<nint, nint, int*, nint>)Slot(OrtApiSlot.CompareMemoryInfo);
    public static delegate* unmanaged<nint, byte**, nint> MemoryInfoGetName => (delegate* unmanaged<nint, byte**, nint>)Slot(OrtApiSlot.MemoryInfoGetName);
    public static delegate* unmanaged<nint, int*, nint> MemoryInfoGetId => (delegate* unmanaged<nint, int*, nint>)Slot(OrtApiSlot.MemoryInfoGetId);
    public static delegate* unmanaged<nint, int*, nint> MemoryInfoGetMemType => (delegate* unmanaged<nint, int*, nint>)Slot(OrtApiSlot.MemoryInfoGetMemType);
    public static delegate* unmanaged<nint, int*, nint> MemoryInfoGetType => (delegate* unmanaged<nint, int*, nint>)Slot(OrtApiSlot.MemoryInfoGetType);
    public static delegate* unmanaged<nint, int*, void> MemoryInfoGetDeviceType => (delegate* unmanaged<nint, int*, void>)Slot(OrtApiSlot.MemoryInfoGetDeviceType);
    public static delegate* unmanaged<nint*, nint> GetAllocatorWithDefaultOptions => (delegate* unmanaged<nint*, nint>)Slot(OrtApiSlot.GetAllocatorWithDefaultOptions);
    public static delegate* unmanaged<nint, void*, nint> AllocatorFree => (delegate* unmanaged<nint, void*, nint>)Slot(OrtApiSlot.AllocatorFree);

    // Run options
    public static delegate* unmanaged<nint*, nint> CreateRunOptions => (delegate* unmanaged<nint*, nint>)Slot(OrtApiSlot.CreateRunOptions);
    public static delegate* unmanaged<nint, int, nint> RunOptionsSetRunLogSeverityLevel => (delegate* unmanaged<nint, int, nint>)Slot(OrtApiSlot.RunOptionsSetRunLogSeverityLevel);
    public static delegate* unmanaged<nint, byte*, nint> RunOptionsSetRunTag => (delegate* unmanaged<nint, byte*, nint>)Slot(OrtApiSlot.RunOptionsSetRunTag);
    public static delegate* unmanaged<nint, nint> RunOptionsSetTerminate => (delegate* unmanaged<nint, nint>)Slot(OrtApiSlot.RunOptionsSetTerminate);
    public static delegate* unmanaged<nint, nint> RunOptionsUnsetTerminate => (delegate* unmanaged<nint, nint>)Slot(OrtApiSlot.RunOptionsUnsetTerminate);
    public static delegate* unmanaged<nint, byte*, byte*, nint> AddRunConfigEntry => (delegate* unmanaged<nint, byte*, byte*, nint>)Slot(OrtApiSlot.AddRunConfigEntry);

    // IO binding
    public static delegate* unmanaged<nint, nint*, nint> CreateIoBinding => (delegate* unmanaged<nint, nint*, nint>)Slot(OrtApiSlot.CreateIoBinding);
    public static delegate* unmanaged<nint, nint, nint, nint> RunWithBinding => (delegate* unmanaged<nint, nint, nint, nint>)Slot(OrtApiSlot.RunWithBinding);
    public static delegate* unmanaged<nint, byte*, nint, nint> BindInput => (delegate* unmanaged<nint, byte*, nint, nint>)Slot(OrtApiSlot.BindInput);
    public static delegate* unmanaged<nint, byte*, nint, nint> BindOutput => (delegate* unmanaged<nint, byte*, nint, nint>)Slot(OrtApiSlot.BindOutput);
    public static delegate* unmanaged<nint, byte*, nint, nint> BindOutputToDevice => (delegate* unmanaged<nint, byte*, nint, nint>)Slot(OrtApiSlot.BindOutputToDevice);
    public static delegate* unmanaged<nint, nint, byte**, nuint**, nuint*, nint> GetBoundOutputNames => (delegate* unmanaged<nint, nint, byte**, nuint**, nuint*, nint>)Slot(OrtApiSlot.GetBoundOutputNames);
    public static delegate* unmanaged<nint, nint, nint**, nuint*, nint> GetBoundOutputValues => (delegate* unmanaged<nint, nint, nint**, nuint*, nint>)Slot(OrtApiSlot.GetBoundOutputValues);
    public static delegate* unmanaged<nint, void> ClearBoundInputs => (delegate* unmanaged<nint, void>)Slot(OrtApiSlot.ClearBoundInputs);
    public static delegate* unmanaged<nint, void> ClearBoundOutputs => (delegate* unmanaged<nint, void>)Slot(OrtApiSlot.ClearBoundOutputs);
    public static delegate* unmanaged<nint, nint> SynchronizeBoundInputs => (delegate* unmanaged<nint, nint>)Slot(OrtApiSlot.SynchronizeBoundInputs);
    public static delegate* unmanaged<nint, nint> SynchronizeBoundOutputs => (delegate* unmanaged<nint, nint>)Slot(OrtApiSlot.SynchronizeBoundOutputs);

    /// <summary>Any <c>void Release*(T*)</c> slot; <see cref="OrtHandle"/> picks the slot by handle kind.</summary>
    public static delegate* unmanaged<nint, void> Release(OrtApiSlot slot) => (delegate* unmanaged<nint, void>)Slot(slot);
}
