using System.Buffers;
using MixCacheOrt.Ort.Native;

namespace MixCacheOrt.Ort;

/// <summary>
/// An ONNX Runtime value (<c>OrtValue</c>), in practice a tensor: either over pinned managed memory
/// (<see cref="CreateTensor{T}(Memory{T}, ReadOnlySpan{long})"/>), allocated by ORT
/// (<see cref="AllocateTensor{T}(ReadOnlySpan{long})"/>), or produced by a session run.
/// </summary>
/// <remarks>
/// <para>
/// The value owns its native object; dispose it when done. Values produced by a session keep that session's native
/// object alive until they are disposed (device outputs live in the session's allocator), so outputs can be fed
/// straight into other sessions (<see cref="OrtIoBinding.BindInput(string, OrtValue)"/>) and kept across steps.
/// </para>
/// <para>
/// Spans from <see cref="GetTensorSpan{T}"/> point into the value's buffer and are valid only until
/// <see cref="Dispose"/>. An <see cref="OrtIoBinding"/> that has the value bound keeps the buffer alive even
/// after <see cref="Dispose"/>, until it is unbound.
/// </para>
/// </remarks>
public sealed unsafe class OrtValue : IDisposable
{
    internal OrtValue(OrtHandle handle) => this.Handle = handle;

    internal OrtHandle Handle { get; }

    internal nint Pointer => this.Handle.Pointer;

    /// <summary>True after <see cref="Dispose"/>.</summary>
    public bool IsDisposed => this.Handle.IsDisposed;

    /// <summary>True when the value is a tensor.</summary>
    public bool IsTensor => this.Query<int>(OrtApi.IsTensor) != 0;

    /// <summary>Kind of the value (tensor, sequence, map, ...).</summary>
    public OnnxValueType ValueType => (OnnxValueType)this.Query<int>(OrtApi.GetValueType);

    /// <summary>Element type of the tensor.</summary>
    public TensorElementType ElementType => this.ReadTypeAndShape(out _);

    /// <summary>Dimensions of the tensor (a new array on each call).</summary>
    public long[] Shape
    {
        get
        {
            this.ReadTypeAndShape(out ReadOnlySpan<long> shape);
            long[] copy = shape.ToArray();
            GC.KeepAlive(this);
            return copy;
        }
    }

    /// <summary>Number of dimensions of the tensor.</summary>
    public int Rank
    {
        get
        {
            this.ReadTypeAndShape(out ReadOnlySpan<long> shape);
            return shape.Length;
        }
    }

    /// <summary>Number of elements of the tensor (product of <see cref="Shape"/>).</summary>
    public long ElementCount
    {
        get
        {
            this.ReadTypeAndShape(out ReadOnlySpan<long> shape);
            long count = ShapeElementCount(shape);
            GC.KeepAlive(this);
            return count;
        }
    }

    /// <summary>Size of the tensor's buffer in bytes.</summary>
    public long SizeInBytes => (long)this.Query<nuint>(OrtApi.GetTensorSizeInBytes);

    /// <summary>Where the tensor's buffer lives (CPU, CUDA device n, ...).</summary>
    public OrtMemoryLocation MemoryLocation
    {
        get
        {
            nint info; // owned by the value
            OrtStatus.ThrowIfFailed(OrtApi.GetTensorMemoryInfo(this.Pointer, &info));
            OrtMemoryLocation location = OrtMemoryLocation.FromNative(info);
            GC.KeepAlive(this);
            return location;
        }
    }

    /// <summary>
    /// A tensor over <paramref name="data"/> without copying: the memory is pinned until the value (and every
    /// binding that holds it) is released, and ORT reads and writes it in place.
    /// </summary>
    /// <exception cref="ArgumentException">The shape's element count differs from <c>data.Length</c>.</exception>
    public static OrtValue CreateTensor<T>(Memory<T> data, ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        TensorElementType elementType = TensorElementTypes.Of<T>();
        long count = ShapeElementCount(shape);
        if (count != data.Length)
        {
            throw new ArgumentException(
                $"Shape [{string.Join(", ", shape.ToArray())}] has {count} elements but the data has {data.Length}.", nameof(data));
        }

        MemoryHandle pin = data.Pin();
        nint value;
        try
        {
            fixed (long* dims = shape)
            {
                OrtStatus.ThrowIfFailed(OrtApi.CreateTensorWithDataAsOrtValue(
                    OrtMemoryInfo.Cpu.Pointer,
                    pin.Pointer,
                    (nuint)data.Length * (nuint)sizeof(T),
                    dims,
                    (nuint)shape.Length,
                    (int)elementType,
                    &value));
            }
        }
        catch
        {
            pin.Dispose();
            throw;
        }

        return new OrtValue(new OrtHandle(value, OrtHandleKind.Value, pin: pin));
    }

    /// <inheritdoc cref="CreateTensor{T}(Memory{T}, ReadOnlySpan{long})"/>
    public static OrtValue CreateTensor<T>(T[] data, ReadOnlySpan<long> shape)
        where T : unmanaged => CreateTensor(data.AsMemory(), shape);

    /// <summary>A CPU tensor whose buffer ORT allocates (contents uninitialized).</summary>
    public static OrtValue AllocateTensor<T>(ReadOnlySpan<long> shape)
        where T : unmanaged => AllocateTensor(TensorElementTypes.Of<T>(), shape);

    /// <inheritdoc cref="AllocateTensor{T}(ReadOnlySpan{long})"/>
    public static OrtValue AllocateTensor(TensorElementType elementType, ReadOnlySpan<long> shape)
    {
        nint value;
        fixed (long* dims = shape)
        {
            OrtStatus.ThrowIfFailed(OrtApi.CreateTensorAsOrtValue(
                OrtAllocator.Default, dims, (nuint)shape.Length, (int)elementType, &value));
        }

        return new OrtValue(new OrtHandle(value, OrtHandleKind.Value));
    }

    /// <summary>
    /// The tensor's elements, writable in place. Valid until <see cref="Dispose"/>; CPU-accessible tensors only.
    /// </summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> does not match <see cref="ElementType"/>, or the tensor is on a device.</exception>
    public Span<T> GetTensorSpan<T>()
        where T : unmanaged
    {
        int length = this.CheckSpanAccess<T>();
        void* data;
        OrtStatus.ThrowIfFailed(OrtApi.GetTensorMutableData(this.Pointer, &data));
        return new Span<T>(data, length);
    }

    /// <summary>The tensor's elements, read-only. Valid until <see cref="Dispose"/>; CPU-accessible tensors only.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> does not match <see cref="ElementType"/>, or the tensor is on a device.</exception>
    public ReadOnlySpan<T> GetTensorReadOnlySpan<T>()
        where T : unmanaged
    {
        int length = this.CheckSpanAccess<T>();
        void* data;
        OrtStatus.ThrowIfFailed(OrtApi.GetTensorData(this.Pointer, &data));
        return new ReadOnlySpan<T>(data, length);
    }

    /// <summary>A managed copy of the tensor's elements.</summary>
    public T[] ToArray<T>()
        where T : unmanaged
    {
        T[] copy = this.GetTensorReadOnlySpan<T>().ToArray();
        GC.KeepAlive(this);
        return copy;
    }

    public override string ToString() =>
        this.IsDisposed ? "OrtValue (disposed)" : $"OrtValue {this.ElementType}[{string.Join(", ", this.Shape)}]";

    /// <summary>Releases the native value (deferred while an <see cref="OrtIoBinding"/> still has it bound).</summary>
    public void Dispose() => this.Handle.Dispose();

    internal static long ShapeElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (long dim in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dim, nameof(shape));
            count = checked(count * dim);
        }

        return count;
    }

    /// <summary>Calls a <c>(const OrtValue*, T* out)</c> getter on this value.</summary>
    private T Query<T>(delegate* unmanaged<nint, T*, nint> getter)
        where T : unmanaged
    {
        T result;
        OrtStatus.ThrowIfFailed(getter(this.Pointer, &result));
        GC.KeepAlive(this);
        return result;
    }

    /// <summary>Element type and a view of ORT's own shape array (valid while the value is alive).</summary>
    private TensorElementType ReadTypeAndShape(out ReadOnlySpan<long> shape)
    {
        int type;
        long* dims;
        nuint rank;
        OrtStatus.ThrowIfFailed(OrtApi.GetTensorElementTypeAndShapeDataReference(this.Pointer, &type, &dims, &rank));
        shape = new ReadOnlySpan<long>(dims, (int)rank);
        return (TensorElementType)type;
    }

    private int CheckSpanAccess<T>()
        where T : unmanaged
    {
        TensorElementType actual = this.ReadTypeAndShape(out ReadOnlySpan<long> shape);
        TensorElementType requested = TensorElementTypes.Of<T>();
        if (actual != requested)
        {
            throw new InvalidOperationException(
                $"Cannot view a {actual} tensor as {typeof(T).Name} ({requested}); use the element type {TensorElementTypes.ClrTypeOf(actual)?.Name ?? actual.ToString()}.");
        }

        OrtMemoryLocation location = this.MemoryLocation;
        if (!location.IsCpuAccessible)
        {
            throw new InvalidOperationException(
                $"The tensor lives in {location}; the CPU cannot read it. Bind the output to OrtMemoryInfo.Cpu to get a CPU copy.");
        }

        return checked((int)ShapeElementCount(shape));
    }
}
