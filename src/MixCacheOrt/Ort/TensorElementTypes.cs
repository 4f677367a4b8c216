namespace MixCacheOrt.Ort;

/// <summary>Maps <see cref="TensorElementType"/> to .NET element types and byte sizes.</summary>
public static class TensorElementTypes
{
    // (type, .NET type, bytes per element) for every type a Span<T> can view.
    private static readonly (TensorElementType Type, Type ClrType, int Size)[] s_table =
    [
        (TensorElementType.Float, typeof(float), sizeof(float)),
        (TensorElementType.Float16, typeof(Half), 2),
        (TensorElementType.Double, typeof(double), sizeof(double)),
        (TensorElementType.Int8, typeof(sbyte), sizeof(sbyte)),
        (TensorElementType.UInt8, typeof(byte), sizeof(byte)),
        (TensorElementType.Int16, typeof(short), sizeof(short)),
        (TensorElementType.UInt16, typeof(ushort), sizeof(ushort)),
        (TensorElementType.Int32, typeof(int), sizeof(int)),
        (TensorElementType.UInt32, typeof(uint), sizeof(uint)),
        (TensorElementType.Int64, typeof(long), sizeof(long)),
        (TensorElementType.UInt64, typeof(ulong), sizeof(ulong)),
        (TensorElementType.Bool, typeof(bool), sizeof(bool)),
    ];

    /// <summary>The tensor element type for .NET type <typeparamref name="T"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> has no tensor element type.</exception>
    public static TensorElementType Of<T>()
        where T : unmanaged
    {
        TensorElementType type = Cache<T>.ElementType;
        return type != TensorElementType.Undefined
            ? type
            : throw new NotSupportedException($"{typeof(T).Name} has no ONNX tensor element type.");
    }

    /// <summary>The .NET type for <paramref name="type"/>, or null when there is none (e.g. string, bfloat16).</summary>
    public static Type? ClrTypeOf(TensorElementType type) =>
        Array.Find(s_table, e => e.Type == type).ClrType;

    /// <summary>Bytes per element, or 0 for types without a fixed whole-byte size (string, 4-bit, 2-bit).</summary>
    public static int SizeOf(TensorElementType type) => type switch
    {
        TensorElementType.BFloat16 => 2,
        TensorElementType.Complex64 => 8,
        TensorElementType.Complex128 => 16,
        >= TensorElementType.Float8E4M3FN and <= TensorElementType.Float8E5M2FNUZ or TensorElementType.Float8E8M0 => 1,
        _ => Array.Find(s_table, e => e.Type == type).Size,
    };

    private static class Cache<T>
        where T : unmanaged
    {
        public static readonly TensorElementType ElementType = Lookup();

        private static TensorElementType Lookup()
        {
            foreach ((TensorElementType type, Type clrType, int _) in s_table)
            {
                if (clrType == typeof(T))
                {
                    return type;
                }
            }

            return TensorElementType.Undefined;
        }
    }
}
