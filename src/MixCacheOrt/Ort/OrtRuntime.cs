using System.Reflection;
using MixCacheOrt.Ort.Native;

namespace MixCacheOrt.Ort;

/// <summary>Facts about the loaded ONNX Runtime: version, library path, providers, CUDA usability.</summary>
public static unsafe class OrtRuntime
{
    private const string ProbeModelResource = "MixCacheOrt.Ort.probe_identity.onnx";

    /// <summary>The ONNX Runtime version string, e.g. <c>1.30.0</c>. Loads the library on first use.</summary>
    /// <exception cref="OrtLibraryException">The library is missing, not loadable, or too old.</exception>
    public static string Version => OrtNativeLibrary.Version;

    /// <summary>Full path of the loaded <c>libonnxruntime.so.1</c>.</summary>
    public static string LibraryPath => OrtNativeLibrary.LibraryPath;

    /// <summary>ORT's build description (<c>GetBuildInfoString</c>): git commit, build type.</summary>
    public static string BuildInfo => Utf8.ToString(OrtApi.GetBuildInfoString());

    /// <summary>
    /// Sizes the process-wide shared intra-op thread pool used by sessions created with
    /// <see cref="OrtSessionOptions.UseSharedThreadPool"/> (0 = one thread per physical core). Call it before the
    /// first session exists; afterwards only the current value is accepted.
    /// </summary>
    /// <exception cref="InvalidOperationException">The environment already exists with another size.</exception>
    public static void ConfigureSharedThreadPool(int intraOpThreads) => OrtEnvironment.SharedIntraOpThreads = intraOpThreads;

    /// <summary>
    /// Execution providers compiled into this ONNX Runtime build (<c>GetAvailableProviders</c>). This is a
    /// compile-time list, not an availability check: the npm build lists CUDA even without the CUDA provider
    /// libraries. Use <see cref="ProbeCuda"/> to find out whether CUDA works.
    /// </summary>
    public static IReadOnlyList<string> AvailableProviders
    {
        get
        {
            byte** names;
            int count;
            OrtStatus.ThrowIfFailed(OrtApi.GetAvailableProviders(&names, &count));
            var providers = new string[count];
            try
            {
                for (int i = 0; i < count; i++)
                {
                    providers[i] = Utf8.ToString(names[i]);
                }
            }
            finally
            {
                OrtStatus.ThrowIfFailed(OrtApi.ReleaseAvailableProviders(names, count));
            }

            return providers;
        }
    }

    /// <summary>
    /// Checks whether the CUDA execution provider really works here: appends it to fresh session options (this
    /// loads <c>libonnxruntime_providers_shared.so</c> and <c>libonnxruntime_providers_cuda.so</c> from the
    /// directory of <c>libonnxruntime.so.1</c>), then creates a session of a tiny built-in model on it (this needs
    /// the CUDA runtime, cuDNN, a driver and device <paramref name="deviceId"/>).
    /// </summary>
    /// <returns>Usable, or the first error, which says what is missing.</returns>
    public static OrtProviderProbe ProbeCuda(int deviceId = 0)
    {
        const string provider = "CUDAExecutionProvider";
        try
        {
            using var options = new OrtSessionOptions();
            options.AppendCudaExecutionProvider(deviceId);
            options.AddConfigEntry("session.disable_cpu_ep_fallback", "1");
            using OrtSession session = OrtSession.FromBytes(ReadProbeModel(), options);
            return new OrtProviderProbe(provider, Usable: true, Error: null);
        }
        catch (OrtException e)
        {
            return new OrtProviderProbe(provider, Usable: false, Error: e.NativeMessage.TrimEnd());
        }
    }

    private static byte[] ReadProbeModel()
    {
        using Stream stream = typeof(OrtRuntime).Assembly.GetManifestResourceStream(ProbeModelResource)
            ?? throw new InvalidOperationException($"Embedded resource {ProbeModelResource} is missing from {Assembly.GetExecutingAssembly().GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
