namespace MixCacheOrt.Ort.Native;

/// <summary>The kinds of ONNX Runtime objects an <see cref="OrtHandle"/> can own; each maps to one Release slot.</summary>
internal enum OrtHandleKind
{
    SessionOptions,
    Session,
    Value,
    MemoryInfo,
    RunOptions,
    IoBinding,
    TypeInfo,
    CudaProviderOptions,
}
