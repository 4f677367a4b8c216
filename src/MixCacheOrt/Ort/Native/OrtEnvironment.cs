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

    private static nint Create()
    {
        nint env;
        fixed (byte* logId = "mixcache"u8)
        {
            OrtStatus.ThrowIfFailed(OrtApi.CreateEnv((int)LogLevel, logId, &env));
        }

        return env;
    }
}
