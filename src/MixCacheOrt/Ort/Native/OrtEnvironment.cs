namespace MixCacheOrt.Ort.Native;

/// <summary>
/// The process-wide <c>OrtEnv</c>. ONNX Runtime allows one per process and sessions (CUDA ones in particular)
/// break if it is released while they exist, so it is created on first use and never released.
/// </summary>
/// <remarks>
/// Log severity comes from <c>MIXCACHE_ORT_LOG_LEVEL</c> (<c>verbose</c>, <c>info</c>, <c>warning</c>, <c>error</c>,
/// <c>fatal</c>; default <c>error</c>). ONNX Runtime's default logger writes to stderr.
/// </remarks>
internal static unsafe class OrtEnvironment
{
    public const string LogLevelVariable = "MIXCACHE_ORT_LOG_LEVEL";

    private static readonly Lazy<nint> s_env = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The <c>OrtEnv*</c>, created on first use.</summary>
    public static nint Handle => s_env.Value;

    internal static OrtLoggingLevel LogLevel =>
        Environment.GetEnvironmentVariable(LogLevelVariable)?.Trim().ToLowerInvariant() switch
        {
            "verbose" or "0" => OrtLoggingLevel.Verbose,
            "info" or "1" => OrtLoggingLevel.Info,
            "warning" or "2" => OrtLoggingLevel.Warning,
            "fatal" or "4" => OrtLoggingLevel.Fatal,
            _ => OrtLoggingLevel.Error,
        };

    private static int s_sharedIntraOpThreads;

    /// <summary>True once the environment exists (its shared thread pool can no longer be configured).</summary>
    public static bool IsCreated => s_env.IsValueCreated;

    /// <summary>
    /// Threads of the environment's shared intra-op pool (0 = ONNX Runtime's default, one per physical core).
    /// Only sessions that opt in (<see cref="OrtSessionOptions.UseSharedThreadPool"/>) use it; it must be set before
    /// the environment is created.
    /// </summary>
    public static int SharedIntraOpThreads
    {
        get => s_sharedIntraOpThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            if (s_env.IsValueCreated && value != s_sharedIntraOpThreads)
            {
                throw new InvalidOperationException(
                    "the ONNX Runtime environment already exists; configure its shared thread pool before creating any session");
            }

            s_sharedIntraOpThreads = value;
        }
    }

    private static nint Create()
    {
        // One environment with global (shared) thread pools: sessions that opt in share one spinning pool instead
        // of each owning a pool whose idle threads spin against the next session's (see benchmarks/RESULTS.md).
        nint threading;
        OrtStatus.ThrowIfFailed(OrtApi.CreateThreadingOptions(&threading));
        try
        {
            OrtStatus.ThrowIfFailed(OrtApi.SetGlobalIntraOpNumThreads(threading, s_sharedIntraOpThreads));
            OrtStatus.ThrowIfFailed(OrtApi.SetGlobalInterOpNumThreads(threading, 1));
            OrtStatus.ThrowIfFailed(OrtApi.SetGlobalSpinControl(threading, 1));
            nint env;
            fixed (byte* logId = "mixcache"u8)
            {
                OrtStatus.ThrowIfFailed(OrtApi.CreateEnvWithGlobalThreadPools((int)LogLevel, logId, threading, &env));
            }

            return env;
        }
        finally
        {
            OrtApi.ReleaseThreadingOptions(threading);
        }
    }
}
