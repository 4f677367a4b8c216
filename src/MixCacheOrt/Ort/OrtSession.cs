using MixCacheOrt.Ort.Native;

namespace MixCacheOrt.Ort;

/// <summary>
/// A loaded ONNX model (<c>OrtSession</c>) with its input and output metadata. Run it with
/// <see cref="Run(IReadOnlyDictionary{string, OrtValue}, OrtRunOptions?)"/>, or, for chains of sessions and
/// device-resident data, with an <see cref="OrtIoBinding"/> from <see cref="CreateIoBinding"/>.
/// </summary>
/// <remarks>
/// Input and output names are encoded to UTF-8 once, in pinned memory, and reused by every run and binding.
/// Concurrent runs on one session are allowed (ORT's <c>Run</c> is thread-safe). Disposing the session while output
/// values or bindings still exist is safe: the native session is released after the last of them.
/// </remarks>
public sealed unsafe partial class OrtSession : IDisposable
{
    private readonly OrtNodeInfo[] inputs;
    private readonly OrtNodeInfo[] outputs;

    private OrtSession(nint session)
    {
        this.Handle = new OrtHandle(session, OrtHandleKind.Session);
        this.inputs = this.ReadNodeInfos(OrtApiSlot.SessionGetInputCount, OrtApiSlot.SessionGetInputName, OrtApiSlot.SessionGetInputTypeInfo);
        this.outputs = this.ReadNodeInfos(OrtApiSlot.SessionGetOutputCount, OrtApiSlot.SessionGetOutputName, OrtApiSlot.SessionGetOutputTypeInfo);
        this.InputNames = new Utf8StringTable([.. this.inputs.Select(i => i.Name)]);
        this.OutputNames = new Utf8StringTable([.. this.outputs.Select(o => o.Name)]);
    }

    /// <summary>The model's inputs, in order.</summary>
    public IReadOnlyList<OrtNodeInfo> Inputs => this.inputs;

    /// <summary>The model's outputs, in order.</summary>
    public IReadOnlyList<OrtNodeInfo> Outputs => this.outputs;

    internal OrtHandle Handle { get; }

    internal nint Pointer => this.Handle.Pointer;

    internal Utf8StringTable InputNames { get; }

    internal Utf8StringTable OutputNames { get; }

    /// <summary>Loads a model file.</summary>
    /// <param name="modelPath">Path of the .onnx file (external data files are resolved relative to it).</param>
    /// <param name="options">Session options; null for defaults.</param>
    /// <exception cref="OrtException">E.g. <see cref="OrtErrorCode.NoSuchFile"/>, <see cref="OrtErrorCode.InvalidProtobuf"/>.</exception>
    public static OrtSession FromFile(string modelPath, OrtSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        nint env = OrtEnvironment.Handle;
        OrtSessionOptions effective = OptionsOrDefault(options, out OrtSessionOptions? owned);
        using (owned)
        {
            nint session;
            fixed (byte* path = Utf8.NullTerminated(modelPath))
            {
                OrtStatus.ThrowIfFailed(OrtApi.CreateSession(env, path, effective.Pointer, &session));
            }

            GC.KeepAlive(effective);
            return new OrtSession(session);
        }
    }

    /// <summary>Loads a model from memory (the bytes are not needed after this returns).</summary>
    /// <param name="model">The serialized ONNX model.</param>
    /// <param name="options">Session options; null for defaults.</param>
    /// <exception cref="OrtException">E.g. <see cref="OrtErrorCode.InvalidProtobuf"/>.</exception>
    public static OrtSession FromBytes(ReadOnlySpan<byte> model, OrtSessionOptions? options = null)
    {
        nint env = OrtEnvironment.Handle;
        OrtSessionOptions effective = OptionsOrDefault(options, out OrtSessionOptions? owned);
        using (owned)
        {
            nint session;
            fixed (byte* data = model)
            {
                OrtStatus.ThrowIfFailed(OrtApi.CreateSessionFromArray(env, data, (nuint)model.Length, effective.Pointer, &session));
            }

            GC.KeepAlive(effective);
            return new OrtSession(session);
        }
    }

    /// <summary>The input called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such input; the message lists the inputs.</exception>
    public OrtNodeInfo GetInput(string name) => Find(this.inputs, this.InputNames, name, "input");

    /// <summary>The output called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such output; the message lists the outputs.</exception>
    public OrtNodeInfo GetOutput(string name) => Find(this.outputs, this.OutputNames, name, "output");

    /// <summary>A reusable IO binding for this session.</summary>
    public OrtIoBinding CreateIoBinding() => new(this);

    /// <summary>Stops profiling and returns the profile file's path (profiling is enabled by <see cref="OrtSessionOptions.EnableProfiling"/>).</summary>
    public string EndProfiling()
    {
        byte* file;
        OrtStatus.ThrowIfFailed(OrtApi.SessionEndProfiling(this.Pointer, OrtAllocator.Default, &file));
        GC.KeepAlive(this);
        return OrtAllocator.TakeString(file);
    }

    public override string ToString() =>
        $"OrtSession({string.Join(", ", this.inputs.Select(i => i.ToString()))}) -> ({string.Join(", ", this.outputs.Select(o => o.ToString()))})";

    /// <summary>Releases the session (deferred until its output values and bindings are released).</summary>
    public void Dispose() => this.Handle.Dispose();

    private static OrtSessionOptions OptionsOrDefault(OrtSessionOptions? options, out OrtSessionOptions? owned)
    {
        owned = options is null ? new OrtSessionOptions() : null;
        return options ?? owned!;
    }

    private static OrtNodeInfo Find(OrtNodeInfo[] nodes, Utf8StringTable names, string name, string kind)
    {
        int index = names.IndexOf(name);
        return index >= 0
            ? nodes[index]
            : throw new KeyNotFoundException($"The model has no {kind} named '{name}'; its {kind}s are: {string.Join(", ", names.Strings)}.");
    }

    private OrtNodeInfo[] ReadNodeInfos(OrtApiSlot countSlot, OrtApiSlot nameSlot, OrtApiSlot typeInfoSlot)
    {
        nint session = this.Pointer;
        nuint count;
        OrtStatus.ThrowIfFailed(OrtApi.SessionGetCount(countSlot)(session, &count));
        var nodes = new OrtNodeInfo[(int)count];
        for (int i = 0; i < nodes.Length; i++)
        {
            byte* name;
            OrtStatus.ThrowIfFailed(OrtApi.SessionGetName(nameSlot)(session, (nuint)i, OrtAllocator.Default, &name));
            string nodeName = OrtAllocator.TakeString(name);

            nint typeInfo;
            OrtStatus.ThrowIfFailed(OrtApi.SessionGetTypeInfo(typeInfoSlot)(session, (nuint)i, &typeInfo));
            using var typeInfoHandle = new OrtHandle(typeInfo, OrtHandleKind.TypeInfo);
            nodes[i] = ReadNodeInfo(nodeName, i, typeInfo);
        }

        GC.KeepAlive(this);
        return nodes;
    }

    private static OrtNodeInfo ReadNodeInfo(string name, int index, nint typeInfo)
    {
        int onnxType;
        OrtStatus.ThrowIfFailed(OrtApi.GetOnnxTypeFromTypeInfo(typeInfo, &onnxType));
        if ((OnnxValueType)onnxType != OnnxValueType.Tensor)
        {
            return new OrtNodeInfo(name, index, (OnnxValueType)onnxType, TensorElementType.Undefined, [], []);
        }

        nint tensorInfo; // owned by typeInfo
        int elementType;
        nuint rank;
        OrtStatus.ThrowIfFailed(OrtApi.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
        OrtStatus.ThrowIfFailed(OrtApi.GetTensorElementType(tensorInfo, &elementType));
        OrtStatus.ThrowIfFailed(OrtApi.GetDimensionsCount(tensorInfo, &rank));

        long[] shape = new long[(int)rank];
        nint[] symbolic = new nint[(int)rank]; // const char*, owned by tensorInfo
        fixed (long* dims = shape)
        fixed (nint* names = symbolic)
        {
            OrtStatus.ThrowIfFailed(OrtApi.GetDimensions(tensorInfo, dims, rank));
            OrtStatus.ThrowIfFailed(OrtApi.GetSymbolicDimensions(tensorInfo, (byte**)names, rank));
        }

        string[] symbolicNames = [.. symbolic.Select(p => Utf8.ToString((byte*)p))];
        return new OrtNodeInfo(name, index, OnnxValueType.Tensor, (TensorElementType)elementType, shape, symbolicNames);
    }
}
