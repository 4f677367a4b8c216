namespace MixCacheOrt.Ort;

/// <summary>
/// Element type of a tensor (<c>ONNXTensorElementDataType</c>, values as in ONNX Runtime 1.30).
/// </summary>
/// <remarks>
/// Values 0–23 equal ONNX's <c>TensorProto.DataType</c>; 24–26 do not (ORT appended <see cref="Float8E8M0"/> after
/// <see cref="Int2"/>). <see cref="TensorElementTypes"/> maps the types that have a .NET counterpart
/// (<see cref="Float16"/> is <see cref="Half"/>).
/// </remarks>
public enum TensorElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
    Float8E4M3FN = 17,
    Float8E4M3FNUZ = 18,
    Float8E5M2 = 19,
    Float8E5M2FNUZ = 20,
    UInt4 = 21,
    Int4 = 22,
    Float4E2M1 = 23,
    UInt2 = 24,
    Int2 = 25,
    Float8E8M0 = 26,
}
