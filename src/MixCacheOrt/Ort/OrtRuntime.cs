using System.Reflection;
using Microsoft.ML.OnnxRuntime;

namespace MixCacheOrt.Ort;

/// <summary>
/// The process's ONNX Runtime, from the official <c>Microsoft.ML.OnnxRuntime</c> packages: its one environment,
/// version, library path, providers and whether CUDA really works here.
/// </summary>
/// <remarks>
/// ONNX Runtime allows one <see cref="OrtEnv"/> per process. A host application that created it first (with
/// <see cref="OrtEnv.Instance"/> or <see cref="OrtEnv.CreateInstanceWithOptions"/>) keeps it: MixCacheOrt's sessions
/// then live in the host's environment. Otherwise <see cref="Environment"/> creates it with a global (shared) intra-op
/// thread pool that sessions can opt into (<see cref="Models.ExecutionSettings.SharedThreadPool"/>).
/// </remarks>
public static class OrtRuntime
{
    /// <summary>Environment variable with ORT's log severity: verbose, info, warning, error (default), fatal.</summary>
    public const string LogLevelVariable = "MIXCACHE_ORT_LOG_LEVEL";

    private const string ProbeModelResource = "MixCacheOrt.Ort.probe_identity.onnx";
    private static readonly Lock s_gate = new();
    private static int s_sharedIntraOpThreads;
    private static bool? s_ownsGlobalThreadPool;

    /// <summary>
    /// The process's environment: the existing one (a host's) or one created here with global thread pools sized by
    /// <see cref="ConfigureSharedThreadPool"/>.
    /// </summary>
    public static OrtEnv Environment
    {
        get
        {
            lock (s_gate)
            {
                if (s_ownsGlobalThreadPool is null)
                {
                    if (OrtEnv.IsCreated)
                    {
                        s_ownsGlobalThreadPool = false;
                    }
                    else
                    {
                        Create();
                        s_ownsGlobalThreadPool = true;
                    }
                }

                return OrtEnv.Instance();
            }
        }
    }

    /// <summary>
    /// True when the environment has the shared intra-op pool that <see cref="SessionOptions.DisablePerSessionThreads"/>
    /// needs: MixCacheOrt created it. A host's environment may not have one (ORT cannot tell from outside).
    /// </summary>
    public static bool HasSharedThreadPool
    {
        get
        {
            _ = Environment;
            return s_ownsGlobalThreadPool == true;
        }
    }

    /// <summary>Threads of the shared intra-op pool of the environment MixCacheOrt creates (0 = one per physical core).</summary>
    public static int SharedIntraOpThreads => s_sharedIntraOpThreads;

    /// <summary>
    /// Sizes the shared intra-op pool (0 = one thread per physical core) of the environment MixCacheOrt creates. Call it
    /// before the first session exists; afterwards only the current value is accepted.
    /// </summary>
    /// <exception cref="InvalidOperationException">The environment already exists with another size.</exception>
    public static void ConfigureSharedThreadPool(int intraOpThreads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(intraOpThreads);
        lock (s_gate)
        {
            if ((s_ownsGlobalThreadPool is not null || OrtEnv.IsCreated) && intraOpThreads != s_sharedIntraOpThreads)
            {
                throw new InvalidOperationException(
                    "the ONNX Runtime environment already exists; configure its shared thread pool before creating any session");
            }

            s_sharedIntraOpThreads = intraOpThreads;
        }
    }

    /// <summary>The ONNX Runtime version string, e.g. <c>1.32.0</c>.</summary>
    public static string Version => Environment.GetVersionString();

    /// <summary>
    /// Path of the loaded <c>libonnxruntime.so</c> (read from <c>/proc/self/maps</c>; the package's copy under
    /// <c>runtimes/linux-x64/native/</c> unless the host loaded another); empty where the process map is not readable.
    /// </summary>
    public static string LibraryPath
    {
        get
        {
            _ = Environment;
            return LoadedLibraries().FirstOrDefault(p => Path.GetFileName(p).StartsWith("libonnxruntime.so", StringComparison.Ordinal)) ?? string.Empty;
        }
    }

    /// <summary>Every file mapped into this process whose name starts with <c>libonnxruntime</c> (Linux; empty elsewhere).</summary>
    public static IReadOnlyList<string> LoadedLibraries()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return [];
        }

        return [.. File.ReadLines(maps)
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6 && Path.GetFileName(fields[5]).StartsWith("libonnxruntime", StringComparison.Ordinal))
            .Select(fields => fields[5].Trim())
            .Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Execution providers compiled into this ONNX Runtime build. A compile-time list, not an availability check: the
    /// GPU package lists CUDA also where no CUDA libraries exist. Use <see cref="ProbeCuda"/> to find out whether CUDA works.
    /// </summary>
    public static IReadOnlyList<string> AvailableProviders => Environment.GetAvailableProviders();

    /// <summary>
    /// Checks whether the CUDA execution provider really works here: creates CUDA provider options (this loads
    /// <c>libonnxruntime_providers_cuda.so</c> and so the CUDA 13 and cuDNN 9 libraries it links), appends them, and
    /// creates a session of a tiny built-in model with CPU fallback disabled (this needs a driver and device
    /// <paramref name="deviceId"/>).
    /// </summary>
    /// <returns>Usable, or the first error, which names e.g. the missing library.</returns>
    public static OrtProviderProbe ProbeCuda(int deviceId = 0)
    {
        const string provider = "CUDAExecutionProvider";
        _ = Environment;
        try
        {
            using var options = new SessionOptions();
            options.AppendExecutionProvider_CUDA(CudaOptions.Default.CreateProviderOptions(deviceId));
            options.AddSessionConfigEntry("session.disable_cpu_ep_fallback", "1");
            using var session = new InferenceSession(ReadProbeModel(), options);
            return new OrtProviderProbe(provider, Usable: true, Error: null);
        }
        catch (OnnxRuntimeException e)
        {
            string message = OrtErrors.Describe(e);
            return new OrtProviderProbe(provider, Usable: false, Error: $"{CudaProblem(message, deviceId)}: {message}");
        }
    }

    /// <summary>The reason in a CUDA provider error, in a few words: the missing library, driver or device.</summary>
    internal static string CudaProblem(string message, int deviceId)
    {
        System.Text.RegularExpressions.Match missing = System.Text.RegularExpressions.Regex.Match(message, @"(?<lib>lib[\w.+-]+\.so[\w.]*): cannot open shared object file");
        if (missing.Success)
        {
            string lib = missing.Groups["lib"].Value;
            return lib.StartsWith("libcuda.so", StringComparison.Ordinal)
                ? "no NVIDIA driver (libcuda.so.1 not found)"
                : $"missing library {lib} (the CUDA provider needs CUDA 13 and cuDNN 9 on the library path)";
        }

        if (message.Contains("insufficient", StringComparison.OrdinalIgnoreCase) && message.Contains("driver", StringComparison.OrdinalIgnoreCase))
        {
            return "the NVIDIA driver is too old for CUDA 13";
        }

        if (message.Contains("invalid device ordinal", StringComparison.OrdinalIgnoreCase))
        {
            return $"no CUDA device {deviceId}";
        }

        if (message.Contains("no CUDA-capable device", StringComparison.OrdinalIgnoreCase))
        {
            return "no CUDA device";
        }

        return "the CUDA provider failed";
    }

    private static void Create()
    {
        using var threading = new OrtThreadingOptions
        {
            GlobalIntraOpNumThreads = s_sharedIntraOpThreads,
            GlobalInterOpNumThreads = 1,
            GlobalSpinControl = true,
        };
        var options = new EnvironmentCreationOptions
        {
            logId = "mixcache",
            logLevel = LogLevel,
            threadOptions = threading,
        };
        OrtEnv.CreateInstanceWithOptions(ref options);
    }

    internal static OrtLoggingLevel LogLevel =>
        System.Environment.GetEnvironmentVariable(LogLevelVariable)?.Trim().ToLowerInvariant() switch
        {
            "verbose" or "0" => OrtLoggingLevel.ORT_LOGGING_LEVEL_VERBOSE,
            "info" or "1" => OrtLoggingLevel.ORT_LOGGING_LEVEL_INFO,
            "warning" or "2" => OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            "fatal" or "4" => OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
            _ => OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };

    private static byte[] ReadProbeModel()
    {
        using Stream stream = typeof(OrtRuntime).Assembly.GetManifestResourceStream(ProbeModelResource)
            ?? throw new InvalidOperationException($"Embedded resource {ProbeModelResource} is missing from {Assembly.GetExecutingAssembly().GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
