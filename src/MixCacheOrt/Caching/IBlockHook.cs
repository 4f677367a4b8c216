using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Caching;

/// <summary>
/// Caching inside a pass, at block granularity (like diffusers' per-module hooks): the executor calls
/// <see cref="BeforeBlock"/> before every block of a full step's pass and once before <c>post</c>, with the hidden
/// state about to enter it; the hook may let the pass go on, or jump ahead with a hidden state of its own (a cached
/// output or a cached residual added to the current state). One hook per generation
/// (<see cref="ICachePolicy.CreateBlockHook"/>); it owns what it caches and releases it on <see cref="IDisposable.Dispose"/>.
/// </summary>
public interface IBlockHook : IDisposable
{
    /// <summary>A full step's pass is about to start at step <paramref name="step"/>.</summary>
    void BeginStep(int step);

    /// <summary>
    /// Before block <paramref name="block"/> (= the block count: before <c>post</c>). <paramref name="hidden"/> and
    /// <paramref name="preHidden"/> (what <c>pre</c> produced) belong to the executor and live until the pass ends; a
    /// hook that needs them later keeps a copy or what it computed from them (<paramref name="ops"/>).
    /// </summary>
    /// <returns>Null to run the block; else the block to continue at and the hidden state to continue with (the
    /// hook's own value, which must stay alive until the pass ends; a buffer the hook reuses every step is fine).</returns>
    BlockJump? BeforeBlock(int block, OrtValue hidden, OrtValue preHidden, DeviceTensorOps ops);

    /// <summary>What this step did when the hook jumped (the mode recorded in the trace); null when every block ran.</summary>
    CacheDecision? Outcome { get; }

    /// <summary>Values the hook measured this step, for the trace (e.g. the residual distance).</summary>
    IReadOnlyDictionary<string, double> Metrics { get; }
}

/// <summary>Continue a pass at <paramref name="Block"/> (the block count = <c>post</c>) with <paramref name="Hidden"/>, which the hook keeps owning.</summary>
public readonly record struct BlockJump(int Block, OrtValue Hidden);
