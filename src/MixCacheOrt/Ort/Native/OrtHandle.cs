using System.Buffers;
using System.Runtime.InteropServices;

namespace MixCacheOrt.Ort.Native;

/// <summary>
/// Owns one native ONNX Runtime object and releases it through the Release slot of its <see cref="OrtHandleKind"/>.
/// </summary>
/// <remarks>
/// <para>
/// One SafeHandle type serves every kind (table-driven release), which keeps ownership uniform: release happens
/// exactly once, on <see cref="SafeHandle.Dispose()"/> or from the critical finalizer, and never while a native
/// call holds a reference (<see cref="SafeHandle.DangerousAddRef"/>).
/// </para>
/// <para>
/// A handle can also keep alive what the native object points into:
/// an owner handle (e.g. the session whose allocator produced an output value; the session is only
/// released after all such values are) and a pinned managed buffer (a tensor created over <c>Memory&lt;T&gt;</c>;
/// it is unpinned only after the tensor is released).
/// </para>
/// </remarks>
internal sealed unsafe class OrtHandle : SafeHandle
{
    private static readonly OrtApiSlot[] s_releaseSlots =
    [
        OrtApiSlot.ReleaseSessionOptions, // SessionOptions
        OrtApiSlot.ReleaseSession, // Session
        OrtApiSlot.ReleaseValue, // Value
        OrtApiSlot.ReleaseMemoryInfo, // MemoryInfo
        OrtApiSlot.ReleaseRunOptions, // RunOptions
        OrtApiSlot.ReleaseIoBinding, // IoBinding
        OrtApiSlot.ReleaseTypeInfo, // TypeInfo
        OrtApiSlot.ReleaseCUDAProviderOptions, // CudaProviderOptions
    ];

    private static readonly long[] s_live = new long[s_releaseSlots.Length];

    private readonly OrtHandle? owner;
    private MemoryHandle pin;
    private volatile bool disposed;

    /// <summary>Takes ownership of <paramref name="pointer"/> (and of <paramref name="pin"/>).</summary>
    /// <param name="pointer">A non-NULL native object of kind <paramref name="kind"/>.</param>
    /// <param name="kind">Selects the Release slot.</param>
    /// <param name="owner">Optional handle that must outlive this one; it is AddRef'd now and released after this handle.</param>
    /// <param name="pin">Optional pinned buffer the native object points into; unpinned after release.</param>
    /// <remarks>If <paramref name="owner"/> is already disposed, the native object is released and the exception rethrown.</remarks>
    public OrtHandle(nint pointer, OrtHandleKind kind, OrtHandle? owner = null, MemoryHandle pin = default)
        : base(0, ownsHandle: true)
    {
        this.Kind = kind;
        this.pin = pin;
        this.SetHandle(pointer);
        Interlocked.Increment(ref s_live[(int)kind]);
        if (owner is not null)
        {
            bool added = false;
            try
            {
                owner.DangerousAddRef(ref added);
            }
            finally
            {
                if (added)
                {
                    this.owner = owner;
                }
                else
                {
                    this.Dispose();
                }
            }
        }
    }

    public OrtHandleKind Kind { get; }

    public override bool IsInvalid => this.handle == 0;

    /// <summary>
    /// True once <see cref="SafeHandle.Dispose()"/> was called, even while references (owners, bindings) still defer
    /// the native release. <see cref="SafeHandle.IsClosed"/> only turns true at the release itself.
    /// </summary>
    public bool IsDisposed => this.disposed;

    /// <summary>Live (not yet released) handles of <paramref name="kind"/> in this process, for leak tests.</summary>
    public static long LiveCount(OrtHandleKind kind) => Interlocked.Read(ref s_live[(int)kind]);

    /// <summary>The native pointer, or <see cref="ObjectDisposedException"/> when this handle was disposed.</summary>
    public nint Pointer
    {
        get
        {
            if (this.disposed || this.IsClosed)
            {
                throw new ObjectDisposedException($"Ort{this.Kind}", $"The ONNX Runtime {this.Kind} was disposed.");
            }

            return this.handle;
        }
    }

    protected override void Dispose(bool disposing)
    {
        this.disposed = true;
        base.Dispose(disposing);
    }

    protected override bool ReleaseHandle()
    {
        OrtApi.Release(s_releaseSlots[(int)this.Kind])(this.handle);
        Interlocked.Decrement(ref s_live[(int)this.Kind]);
        this.pin.Dispose();
        this.owner?.DangerousRelease();
        return true;
    }
}
