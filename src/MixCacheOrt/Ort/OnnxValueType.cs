namespace MixCacheOrt.Ort;

/// <summary>Kind of an ONNX value (<c>ONNXType</c>).</summary>
public enum OnnxValueType
{
    Unknown = 0,
    Tensor = 1,
    Sequence = 2,
    Map = 3,
    Opaque = 4,
    SparseTensor = 5,
    Optional = 6,
}
