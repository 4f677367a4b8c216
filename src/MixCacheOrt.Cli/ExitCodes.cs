namespace MixCacheOrt.Cli;

/// <summary>Process exit codes of <c>mixcache</c>.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command ran and failed (e.g. ONNX Runtime could not be loaded).</summary>
    public const int Failure = 1;

    /// <summary>The command line was invalid (System.CommandLine's parse errors use 1 as well).</summary>
    public const int Usage = 2;

    /// <summary>Stopped by Ctrl-C (128 + SIGINT, the shell convention).</summary>
    public const int Cancelled = 130;
}
