namespace MixCacheOrt.Models;

/// <summary>
/// The intra-op thread count <c>--threads 0</c> picks: enough threads for the model's work per operator, never more
/// than the machine's cores.
/// </summary>
/// <remarks>
/// A chained DiT runs ~15 sessions per step, each operator on a [tokens, dim] activation. When that activation is
/// small, splitting an operator over many threads costs more in hand-off than it saves: tiny-wan (128 tokens × dim
/// 128) takes ~1.0 s per 50-step video on 2 threads here and 1.5 s with ORT's default of one thread per core on a
/// 16-core machine (benchmarks/RESULTS.md). The rule gives one thread per <see cref="ElementsPerThread"/> activation
/// elements (tiny-wan: 2), capped by the core count; at Wan2.1 sizes (thousands of tokens × dim 1536) it is all cores.
/// </remarks>
public static class ThreadRule
{
    /// <summary>Activation elements (tokens × dim) per intra-op thread.</summary>
    public const int ElementsPerThread = 8192;

    /// <summary>Threads for a model whose hidden activation is <paramref name="tokens"/> × <paramref name="dim"/> on <paramref name="cores"/> cores.</summary>
    public static int Choose(long tokens, long dim, int cores)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cores);
        long wanted = Math.Max(1, tokens * dim / ElementsPerThread);
        return (int)Math.Min(wanted, cores);
    }
}
