using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace MixCacheOrt.Ort;

/// <summary>
/// The CUDA execution provider's options that matter for a chained DiT, as ORT's provider-option keys
/// (<see cref="ToProviderOptions"/>). Recorded in <c>run.json</c>.
/// </summary>
public sealed record CudaOptions
{
    /// <summary>ORT's defaults, except TF32, which is off so that CUDA results stay within 1e-3 of the CPU's.</summary>
    public static CudaOptions Default { get; } = new();

    /// <summary>
    /// TF32 tensor-core math for float32 MatMul/Conv (<c>use_tf32</c>). Off by default: TF32 rounds inputs to a 10-bit
    /// mantissa, and the CPU-vs-CUDA parity the GPU check asserts (≤ 1e-3 after 50 steps) is measured with it off.
    /// Turn it on for speed on Ampere or later.
    /// </summary>
    public bool Tf32 { get; init; }

    /// <summary>cuDNN convolution algorithm search (<c>cudnn_conv_algo_search</c>); ORT's default is exhaustive.</summary>
    public ConvAlgorithmSearch ConvAlgorithmSearch { get; init; } = ConvAlgorithmSearch.Exhaustive;

    /// <summary>How the device memory arena grows (<c>arena_extend_strategy</c>); ORT's default is next power of two.</summary>
    public ArenaExtendStrategy ArenaExtendStrategy { get; init; } = ArenaExtendStrategy.NextPowerOfTwo;

    /// <summary>Upper bound of the device arena in bytes (<c>gpu_mem_limit</c>); 0 = no limit.</summary>
    public long MemoryLimitBytes { get; init; }

    /// <summary>The options as ORT's CUDA provider keys and values, with <paramref name="deviceId"/> as <c>device_id</c>.</summary>
    public Dictionary<string, string> ToProviderOptions(int deviceId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deviceId);
        var options = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = deviceId.ToString(CultureInfo.InvariantCulture),
            ["use_tf32"] = this.Tf32 ? "1" : "0",
            ["cudnn_conv_algo_search"] = this.ConvAlgorithmSearch switch
            {
                ConvAlgorithmSearch.Heuristic => "HEURISTIC",
                ConvAlgorithmSearch.Default => "DEFAULT",
                _ => "EXHAUSTIVE",
            },
            ["arena_extend_strategy"] = this.ArenaExtendStrategy == ArenaExtendStrategy.SameAsRequested ? "kSameAsRequested" : "kNextPowerOfTwo",
        };
        if (this.MemoryLimitBytes > 0)
        {
            options["gpu_mem_limit"] = this.MemoryLimitBytes.ToString(CultureInfo.InvariantCulture);
        }

        return options;
    }

    /// <summary>
    /// Official CUDA provider options for <paramref name="deviceId"/> (the caller disposes them). Creating them loads the
    /// CUDA provider library, so a missing CUDA 13 or cuDNN 9 library surfaces here, named in the exception.
    /// </summary>
    /// <exception cref="OnnxRuntimeException">The CUDA provider or a library it needs cannot be loaded.</exception>
    public OrtCUDAProviderOptions CreateProviderOptions(int deviceId)
    {
        var options = new OrtCUDAProviderOptions();
        try
        {
            options.UpdateOptions(this.ToProviderOptions(deviceId));
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }
}

/// <summary>cuDNN convolution algorithm search.</summary>
public enum ConvAlgorithmSearch
{
    /// <summary>Benchmark every algorithm on the first run of each shape (slow first run, fastest after).</summary>
    Exhaustive,

    /// <summary>cuDNN's heuristics, no benchmarking.</summary>
    Heuristic,

    /// <summary>cuDNN's default algorithm.</summary>
    Default,
}

/// <summary>How ORT's device memory arena grows.</summary>
public enum ArenaExtendStrategy
{
    NextPowerOfTwo,
    SameAsRequested,
}
