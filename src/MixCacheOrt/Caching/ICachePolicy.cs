namespace MixCacheOrt.Caching;

/// <summary>
/// Decides, step by step, how the pipeline computes the model output (full, step/cfg/block reuse), and learns from
/// what each step produced. One instance per generation stream; the pipeline calls <see cref="Reset"/> before every
/// generation and never shares state across generations.
/// </summary>
public interface ICachePolicy
{
    /// <summary>Name used in traces and reports (<c>none</c>, <c>mixcache-eff</c>, …).</summary>
    string Name { get; }

    /// <summary>Blocks whose conditional outputs the pipeline keeps for <see cref="StepMode.BlockReuse"/>.</summary>
    IReadOnlySet<int> BlockCandidates { get; }

    /// <summary>Clears all state before a generation of <paramref name="steps"/> steps on a model with <paramref name="blockCount"/> blocks.</summary>
    void Reset(int steps, int blockCount);

    /// <summary>The decision for step <paramref name="step"/>; <paramref name="cache"/> says what is available to reuse.</summary>
    CacheDecision Decide(int step, CacheAvailability cache);

    /// <summary>What step <see cref="StepObservation.Step"/> computed; the policy may read outputs and record metrics in the trace.</summary>
    void Observe(StepObservation observation);
}

/// <summary>What the pipeline's feature cache holds at the start of a step.</summary>
/// <param name="HasOutput">A previous guided output exists (step reuse possible).</param>
/// <param name="HasCfgDelta">A Δcfg from a full step exists (cfg and block reuse possible).</param>
/// <param name="CachedBlocks">Blocks whose conditional output is cached.</param>
public readonly record struct CacheAvailability(bool HasOutput, bool HasCfgDelta, IReadOnlySet<int> CachedBlocks);

/// <summary>The policy that never caches: every step is <see cref="StepMode.Full"/>.</summary>
public sealed class NoCachePolicy : ICachePolicy
{
    public string Name => "none";

    public IReadOnlySet<int> BlockCandidates { get; } = new HashSet<int>();

    public void Reset(int steps, int blockCount)
    {
    }

    public CacheDecision Decide(int step, CacheAvailability cache) => CacheDecision.Full;

    public void Observe(StepObservation observation)
    {
    }
}
