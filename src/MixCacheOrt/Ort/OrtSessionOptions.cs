using MixCacheOrt.Ort.Native;

namespace MixCacheOrt.Ort;

/// <summary>
/// Options for creating an <see cref="OrtSession"/> (<c>OrtSessionOptions</c>). Every setter calls ONNX Runtime
/// at once, so an invalid value throws <see cref="OrtException"/> where it is set.
/// </summary>
/// <remarks>
/// Use one options object per session when execution providers are appended (as the ORT IO binding guide does);
/// an options object can be disposed as soon as the session is created.
/// </remarks>
public sealed unsafe class OrtSessionOptions : IDisposable
{
    private readonly OrtHandle handle;
    private readonly List<string> providers = [];

    public OrtSessionOptions()
    {
        // The environment (and with it ORT's default logger) must exist before providers are appended.
        _ = OrtEnvironment.Handle;
        nint options;
        OrtStatus.ThrowIfFailed(OrtApi.CreateSessionOptions(&options));
        this.handle = new OrtHandle(options, OrtHandleKind.SessionOptions);
    }

    /// <summary>Threads for parallelism inside one operator; 0 (default) lets ORT choose (one per physical core).</summary>
    public int IntraOpNumThreads
    {
        get;
        set => field = this.Applied(OrtApi.SetIntraOpNumThreads(this.Pointer, value), value);
    }

    /// <summary>Threads for running independent operators concurrently (<see cref="ExecutionMode.Parallel"/> only); 0 = ORT's choice.</summary>
    public int InterOpNumThreads
    {
        get;
        set => field = this.Applied(OrtApi.SetInterOpNumThreads(this.Pointer, value), value);
    }

    /// <summary>Graph optimizations applied when the session is created; default <see cref="GraphOptimizationLevel.All"/>.</summary>
    public GraphOptimizationLevel GraphOptimizationLevel
    {
        get;
        set => field = this.Applied(OrtApi.SetSessionGraphOptimizationLevel(this.Pointer, (int)value), value);
    } = GraphOptimizationLevel.All;

    /// <summary>Sequential (default) or parallel execution of independent nodes.</summary>
    public ExecutionMode ExecutionMode
    {
        get;
        set => field = this.Applied(OrtApi.SetSessionExecutionMode(this.Pointer, (int)value), value);
    }

    /// <summary>Memory pattern optimization (pre-planned allocations for repeated shapes); on by default.</summary>
    public bool EnableMemoryPattern
    {
        get;
        set => field = this.Applied(value ? OrtApi.EnableMemPattern(this.Pointer) : OrtApi.DisableMemPattern(this.Pointer), value);
    } = true;

    /// <summary>The CPU memory arena (pooled CPU allocations); on by default.</summary>
    public bool EnableCpuMemoryArena
    {
        get;
        set => field = this.Applied(value ? OrtApi.EnableCpuMemArena(this.Pointer) : OrtApi.DisableCpuMemArena(this.Pointer), value);
    } = true;

    /// <summary>Log severity for sessions created with these options (default: the environment's).</summary>
    public OrtLoggingLevel LogSeverityLevel
    {
        get;
        set => field = this.Applied(OrtApi.SetSessionLogSeverityLevel(this.Pointer, (int)value), value);
    } = OrtEnvironment.LogLevel;

    /// <summary>The execution providers appended so far, in priority order (the CPU provider is always the implicit last).</summary>
    public IReadOnlyList<string> ExecutionProviders => this.providers;

    internal nint Pointer => this.handle.Pointer;

    /// <summary>Adds a session configuration entry (<c>AddSessionConfigEntry</c>), e.g. <c>session.use_env_allocators</c> = <c>1</c>.</summary>
    public OrtSessionOptions AddConfigEntry(string key, string value)
    {
        fixed (byte* k = Utf8.NullTerminated(key), v = Utf8.NullTerminated(value))
        {
            return this.Check(OrtApi.AddSessionConfigEntry(this.Pointer, k, v));
        }
    }

    /// <summary>
    /// Fixes a symbolic dimension (e.g. <c>batch</c>) to <paramref name="value"/> for sessions created with these
    /// options, which lets ORT plan memory for a static shape.
    /// </summary>
    public OrtSessionOptions AddFreeDimensionOverrideByName(string dimensionName, long value)
    {
        fixed (byte* name = Utf8.NullTerminated(dimensionName))
        {
            return this.Check(OrtApi.AddFreeDimensionOverrideByName(this.Pointer, name, value));
        }
    }

    /// <summary>Writes a Chrome-trace profile per session; the file name starts with <paramref name="filePrefix"/>. See <see cref="OrtSession.EndProfiling"/>.</summary>
    public OrtSessionOptions EnableProfiling(string filePrefix)
    {
        fixed (byte* prefix = Utf8.NullTerminated(filePrefix))
        {
            return this.Check(OrtApi.EnableProfiling(this.Pointer, prefix));
        }
    }

    /// <summary>Turns profiling off again.</summary>
    public OrtSessionOptions DisableProfiling() => this.Check(OrtApi.DisableProfiling(this.Pointer));

    /// <summary>
    /// Runs this session on the environment's shared intra-op thread pool (<c>DisablePerSessionThreads</c>) instead of
    /// a pool of its own; <see cref="IntraOpNumThreads"/> is then ignored. Size the shared pool with
    /// <see cref="OrtRuntime.ConfigureSharedThreadPool"/> before the first session is created.
    /// </summary>
    public OrtSessionOptions UseSharedThreadPool()
    {
        _ = OrtEnvironment.Handle; // the shared pool lives in the environment
        return this.Check(OrtApi.DisablePerSessionThreads(this.Pointer));
    }

    /// <summary>
    /// Appends the CUDA execution provider (<c>CreateCUDAProviderOptions</c> → <c>UpdateCUDAProviderOptions</c> →
    /// <c>SessionOptionsAppendExecutionProvider_CUDA_V2</c> → <c>ReleaseCUDAProviderOptions</c>). Nodes CUDA cannot run
    /// fall back to the CPU provider.
    /// </summary>
    /// <param name="deviceId">CUDA device ordinal (the <c>device_id</c> option).</param>
    /// <param name="options">More CUDA provider options, e.g. <c>gpu_mem_limit</c>, <c>arena_extend_strategy</c>,
    /// <c>cudnn_conv_algo_search</c>, <c>do_copy_in_default_stream</c>, <c>enable_cuda_graph</c>.</param>
    /// <exception cref="OrtException">
    /// The CUDA provider cannot be loaded. ORT loads <c>libonnxruntime_providers_shared.so</c> and
    /// <c>libonnxruntime_providers_cuda.so</c> from the directory of <c>libonnxruntime.so.1</c>; the CPU build the
    /// project fetches has neither (set <c>MIXCACHE_ORT_DIR</c> to a GPU build). The message names the missing file.
    /// </exception>
    public OrtSessionOptions AppendCudaExecutionProvider(int deviceId = 0, IReadOnlyDictionary<string, string>? options = null)
    {
        KeyValuePair<string, string> device = new("device_id", deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (Utf8StringTable keys, Utf8StringTable values) = ToTables([device, .. options ?? EmptyOptions]);
        nint cudaOptions;
        OrtStatus.ThrowIfFailed(OrtApi.CreateCUDAProviderOptions(&cudaOptions));
        using (new OrtHandle(cudaOptions, OrtHandleKind.CudaProviderOptions))
        {
            OrtStatus.ThrowIfFailed(OrtApi.UpdateCUDAProviderOptions(cudaOptions, keys.Pointers, values.Pointers, (nuint)keys.Count));
            this.Check(OrtApi.SessionOptionsAppendExecutionProvider_CUDA_V2(this.Pointer, cudaOptions));
        }

        GC.KeepAlive(keys);
        GC.KeepAlive(values);
        this.providers.Add("CUDAExecutionProvider");
        return this;
    }

    /// <summary>
    /// Appends an execution provider by name through the generic <c>SessionOptionsAppendExecutionProvider</c>
    /// (e.g. <c>XNNPACK</c>, <c>OpenVINO</c>, <c>QNN</c>). ORT 1.30 rejects <c>CUDA</c> here: use
    /// <see cref="AppendCudaExecutionProvider"/>.
    /// </summary>
    public OrtSessionOptions AppendExecutionProvider(string providerName, IReadOnlyDictionary<string, string>? options = null)
    {
        (Utf8StringTable keys, Utf8StringTable values) = ToTables([.. options ?? EmptyOptions]);
        fixed (byte* name = Utf8.NullTerminated(providerName))
        {
            this.Check(OrtApi.SessionOptionsAppendExecutionProvider(this.Pointer, name, keys.Pointers, values.Pointers, (nuint)keys.Count));
        }

        GC.KeepAlive(keys);
        GC.KeepAlive(values);
        this.providers.Add(providerName);
        return this;
    }

    public void Dispose() => this.handle.Dispose();

    private static IReadOnlyDictionary<string, string> EmptyOptions { get; } = new Dictionary<string, string>();

    private static (Utf8StringTable Keys, Utf8StringTable Values) ToTables(KeyValuePair<string, string>[] pairs) =>
        (new Utf8StringTable([.. pairs.Select(p => p.Key)]), new Utf8StringTable([.. pairs.Select(p => p.Value)]));

    /// <summary>Checks the status of a setter's native call; returns the value to record.</summary>
    private T Applied<T>(nint status, T value)
    {
        this.Check(status);
        return value;
    }

    private OrtSessionOptions Check(nint status)
    {
        OrtStatus.ThrowIfFailed(status);
        GC.KeepAlive(this);
        return this;
    }
}
