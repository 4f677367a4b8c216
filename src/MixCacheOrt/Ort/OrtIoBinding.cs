using MixCacheOrt.Ort.Native;

namespace MixCacheOrt.Ort;

/// <summary>
/// Binds inputs and outputs of one <see cref="OrtSession"/> to values or devices once and runs the session on
/// them repeatedly (<c>OrtIoBinding</c>). This is how sessions are chained without copies: bind an output of
/// session A (from <see cref="GetBoundOutputValues"/>) as an input of session B.
/// </summary>
/// <remarks>
/// <para>
/// Bindings are reusable: binding a name again replaces the previous value. ORT copies an input to the session's
/// device <em>when it is bound</em> if it lives elsewhere, so re-bind a value after changing its contents unless it
/// already sits on the session's device (always the case on CPU).
/// </para>
/// <para>
/// Outputs bound with <see cref="BindOutputToDevice"/> are allocated fresh by every run:
/// <see cref="GetBoundOutputValues"/> hands the run's buffers to the caller and re-binds those outputs to their
/// device, so values kept across steps are never overwritten and the next run may have another shape (batch size).
/// (Plain ORT would instead reuse the first run's buffers as preallocated outputs from then on.) Outputs bound with
/// <see cref="BindOutput"/> are written in place on every run, by design.
/// </para>
/// <para>
/// The binding keeps every bound <see cref="OrtValue"/> alive (its native object and pinned memory) until it is
/// replaced, cleared or the binding is disposed, even if the caller disposes the value first. It also keeps its
/// session's native object alive.
/// </para>
/// <para>Not thread-safe: use one binding per thread.</para>
/// </remarks>
public sealed unsafe class OrtIoBinding : IDisposable
{
    private readonly OrtHandle handle;
    private readonly Dictionary<string, OrtHandle> boundInputs = new(StringComparer.Ordinal);
    private readonly List<BoundOutput> boundOutputs = [];
    private string[]? outputNames; // boundOutputs' names, rebuilt after the list changes

    internal OrtIoBinding(OrtSession session)
    {
        nint binding;
        OrtStatus.ThrowIfFailed(OrtApi.CreateIoBinding(session.Pointer, &binding));
        this.handle = new OrtHandle(binding, OrtHandleKind.IoBinding, owner: session.Handle);
        this.Session = session;
    }

    /// <summary>The session this binding runs.</summary>
    public OrtSession Session { get; }

    /// <summary>Names of the bound outputs, in the order <see cref="GetBoundOutputValues"/> returns them.</summary>
    public IReadOnlyList<string> BoundOutputNames => [.. this.boundOutputs.Select(o => o.Name)];

    internal nint Pointer => this.handle.Pointer;

    /// <summary>Binds <paramref name="value"/> to input <paramref name="name"/> (replacing an earlier binding of that name).</summary>
    /// <exception cref="OrtException">ORT rejected the binding, e.g. an unknown input name.</exception>
    public void BindInput(string name, OrtValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        this.Bind(this.Session.InputNames, name, value.Handle, OrtApi.BindInput);
        if (this.boundInputs.Remove(name, out OrtHandle? previous))
        {
            previous.DangerousRelease();
        }

        this.boundInputs[name] = AddRef(value.Handle);
    }

    /// <summary>Binds a preallocated <paramref name="value"/> that the run writes output <paramref name="name"/> into.</summary>
    public void BindOutput(string name, OrtValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        this.Bind(this.Session.OutputNames, name, value.Handle, OrtApi.BindOutput);
        this.TrackOutput(name, AddRef(value.Handle));
    }

    /// <summary>
    /// Lets the session allocate output <paramref name="name"/> on <paramref name="memoryInfo"/>'s device at run time
    /// (for outputs whose shape is not known up front). Read it with <see cref="GetBoundOutputValues"/>.
    /// </summary>
    public void BindOutputToDevice(string name, OrtMemoryInfo memoryInfo)
    {
        ArgumentNullException.ThrowIfNull(memoryInfo);
        this.BindToDevice(name, memoryInfo);
        this.TrackOutput(name, null, memoryInfo);
    }

    /// <summary>Runs the session on the bound values (same as <see cref="OrtSession.RunWithBinding"/>).</summary>
    public void Run(OrtRunOptions? runOptions = null) => this.Session.RunWithBinding(this, runOptions);

    /// <summary>
    /// The values of the bound outputs after a run, in <see cref="BoundOutputNames"/> order, as new owned
    /// <see cref="OrtValue"/>s (device-resident if bound to a device). ORT's array is freed here; the values keep
    /// the session's native object alive until disposed. Call it once per run: outputs bound to a device are
    /// re-bound afterwards, so the next run writes new buffers.
    /// </summary>
    public OrtOutputs GetBoundOutputValues()
    {
        nint* values;
        nuint count;
        OrtStatus.ThrowIfFailed(OrtApi.GetBoundOutputValues(this.Pointer, OrtAllocator.Default, &values, &count));
        OrtValue[] wrapped;
        try
        {
            wrapped = this.Session.WrapOutputs(new ReadOnlySpan<nint>(values, (int)count));
        }
        finally
        {
            OrtAllocator.Free(values); // NULL when nothing is bound
        }

        string[] names = wrapped.Length == this.boundOutputs.Count
            ? this.outputNames ??= [.. this.boundOutputs.Select(o => o.Name)]
            : this.GetNativeBoundOutputNames();
        var outputs = new OrtOutputs(names, wrapped);
        try
        {
            foreach (BoundOutput output in this.boundOutputs)
            {
                if (output.Device is not null)
                {
                    this.BindToDevice(output.Name, output.Device); // detach: the next run allocates anew
                }
            }
        }
        catch
        {
            outputs.Dispose();
            throw;
        }

        return outputs;
    }

    /// <summary>The bound output names as ORT reports them (<c>GetBoundOutputNames</c>).</summary>
    public string[] GetNativeBoundOutputNames()
    {
        byte* buffer;
        nuint* lengths;
        nuint count;
        OrtStatus.ThrowIfFailed(OrtApi.GetBoundOutputNames(this.Pointer, OrtAllocator.Default, &buffer, &lengths, &count));
        try
        {
            var names = new string[(int)count];
            int offset = 0;
            for (int i = 0; i < names.Length; i++)
            {
                int length = (int)lengths[i];
                names[i] = System.Text.Encoding.UTF8.GetString(buffer + offset, length); // not NUL-terminated
                offset += length;
            }

            return names;
        }
        finally
        {
            OrtAllocator.Free(buffer);
            OrtAllocator.Free(lengths);
            GC.KeepAlive(this);
        }
    }

    /// <summary>Unbinds all inputs (and stops keeping their values alive).</summary>
    public void ClearBoundInputs()
    {
        OrtApi.ClearBoundInputs(this.Pointer);
        GC.KeepAlive(this);
        ReleaseAll(this.boundInputs.Values);
        this.boundInputs.Clear();
    }

    /// <summary>Unbinds all outputs (and stops keeping preallocated output values alive).</summary>
    public void ClearBoundOutputs()
    {
        OrtApi.ClearBoundOutputs(this.Pointer);
        GC.KeepAlive(this);
        ReleaseAll(this.boundOutputs.Select(o => o.Value));
        this.boundOutputs.Clear();
        this.outputNames = null;
    }

    /// <summary>Blocks until the copies of bound inputs to the session's device are done (a no-op on CPU).</summary>
    public void SynchronizeBoundInputs()
    {
        OrtStatus.ThrowIfFailed(OrtApi.SynchronizeBoundInputs(this.Pointer));
        GC.KeepAlive(this);
    }

    /// <summary>Blocks until the bound outputs are complete on their device (a no-op on CPU).</summary>
    public void SynchronizeBoundOutputs()
    {
        OrtStatus.ThrowIfFailed(OrtApi.SynchronizeBoundOutputs(this.Pointer));
        GC.KeepAlive(this);
    }

    /// <summary>Releases the binding and the values it kept alive.</summary>
    public void Dispose()
    {
        this.ReleaseEverything();
        GC.SuppressFinalize(this);
    }

    /// <summary>A binding that was never disposed still lets go of the values it kept alive.</summary>
    ~OrtIoBinding() => this.ReleaseEverything();

    private void ReleaseEverything()
    {
        if (this.handle is not { IsDisposed: false }) // also when the constructor failed before assigning it
        {
            return;
        }

        this.handle.Dispose();
        ReleaseAll(this.boundInputs.Values);
        ReleaseAll(this.boundOutputs.Select(o => o.Value));
        this.boundInputs.Clear();
        this.boundOutputs.Clear();
    }

    private static OrtHandle AddRef(OrtHandle value)
    {
        bool added = false;
        value.DangerousAddRef(ref added);
        return value;
    }

    private static void ReleaseAll(IEnumerable<OrtHandle?> values)
    {
        foreach (OrtHandle? value in values)
        {
            value?.DangerousRelease();
        }
    }

    private void Bind(Utf8StringTable names, string name, OrtHandle value, delegate* unmanaged<nint, byte*, nint, nint> bind)
    {
        fixed (byte* utf8 = this.NameFor(names, name, out byte[]? _))
        {
            OrtStatus.ThrowIfFailed(bind(this.Pointer, utf8, value.Pointer));
        }

        GC.KeepAlive(value);
        GC.KeepAlive(this);
    }

    /// <summary>The session's cached UTF-8 name, or a fresh encoding for a name the model lacks (ORT then reports the error).</summary>
    private ReadOnlySpan<byte> NameFor(Utf8StringTable names, string name, out byte[]? encoded)
    {
        ArgumentNullException.ThrowIfNull(name);
        int index = names.IndexOf(name);
        if (index >= 0)
        {
            encoded = null;
            byte* cached = names[index];
            return new ReadOnlySpan<byte>(cached, 1); // pinned forever: fixed over it yields the same pointer
        }

        encoded = Utf8.NullTerminated(name);
        return encoded;
    }

    private void BindToDevice(string name, OrtMemoryInfo memoryInfo)
    {
        fixed (byte* utf8 = this.NameFor(this.Session.OutputNames, name, out byte[]? _))
        {
            OrtStatus.ThrowIfFailed(OrtApi.BindOutputToDevice(this.Pointer, utf8, memoryInfo.Pointer));
        }

        GC.KeepAlive(memoryInfo);
        GC.KeepAlive(this);
    }

    /// <summary>Mirrors ORT's output list: a new name is appended, a re-bound name keeps its position.</summary>
    private void TrackOutput(string name, OrtHandle? value, OrtMemoryInfo? device = null)
    {
        this.outputNames = null;
        int index = this.boundOutputs.FindIndex(o => o.Name == name);
        if (index < 0)
        {
            this.boundOutputs.Add(new BoundOutput(name, value, device));
            return;
        }

        this.boundOutputs[index].Value?.DangerousRelease();
        this.boundOutputs[index] = new BoundOutput(name, value, device);
    }

    /// <param name="Name">Output name.</param>
    /// <param name="Value">Preallocated value (AddRef'd while bound), or null when bound to a device.</param>
    /// <param name="Device">Where the session allocates the output, or null for a preallocated value.</param>
    private readonly record struct BoundOutput(string Name, OrtHandle? Value, OrtMemoryInfo? Device);
}
