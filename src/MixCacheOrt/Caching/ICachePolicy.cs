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

    /// <summary>Extra state the pipeline must keep or compute for this policy (residuals, per-branch blocks, time embeddings).</summary>
    CacheNeeds Needs => CacheNeeds.None;

    /// <summary>The model timestep of every step (σ · 1000 for flow matching), given after <see cref="Reset"/>.</summary>
    void SetTimesteps(IReadOnlyList<float> timesteps)
    {
    }

    /// <summary>
    /// With <see cref="CacheNeeds.TimeEmbedding"/> or <see cref="CacheNeeds.TimeProjection"/>: the embedding of every step's
    /// timestep (<c>e</c> or <c>e0</c>), given after <see cref="Reset"/> and before the first <see cref="Decide"/>.
    /// </summary>
    void SetTimeEmbeddings(IReadOnlyList<float[]> perStep)
    {
    }

    /// <summary>
    /// A hook that runs inside every full step's pass (caches that decide between blocks, e.g. First-Block and DB
    /// cache); created after <see cref="Reset"/>, disposed at the end of the generation. Null: none.
    /// </summary>
    IBlockHook? CreateBlockHook(int blockCount) => null;

    /// <summary>
    /// For <see cref="StepMode.CfgReuse"/>/<see cref="StepMode.BlockReuse"/>: how to rebuild the unconditional output
    /// from the conditional one, <c>uncond = cond + Δ̂</c>, as weights of the last full step's Δcfg and of its low
    /// frequency band (<see cref="CacheNeeds.LowBandCfgDelta"/>). Null: <c>Δ̂ = Δcfg</c>. Called once per such step.
    /// </summary>
    CfgDeltaWeights? EstimateCfgDelta(int step) => null;
}

/// <summary>Δ̂ = <paramref name="Full"/>·Δcfg + <paramref name="LowBand"/>·LF(Δcfg), computed on the device.</summary>
public readonly record struct CfgDeltaWeights(float Full, float LowBand);

/// <summary>What a policy needs the pipeline to keep beyond the last output, Δcfg and the conditional block outputs.</summary>
[Flags]
public enum CacheNeeds
{
    None = 0,

    /// <summary>Full steps capture what the block stack added (both branches), for <see cref="StepMode.ResidualReuse"/>.</summary>
    Residual = 1,

    /// <summary>Candidate block outputs are kept for both branches, for <see cref="StepMode.BranchBlockReuse"/>.</summary>
    BranchBlocks = 2,

    /// <summary>The time embedding <c>e</c> of every step (<see cref="ICachePolicy.SetTimeEmbeddings"/>).</summary>
    TimeEmbedding = 4,

    /// <summary>The 6-way time projection <c>e0</c> of every step (<see cref="ICachePolicy.SetTimeEmbeddings"/>).</summary>
    TimeProjection = 8,

    /// <summary>
    /// The two last computed values of what is cached (full outputs, Δcfg, residuals, block outputs) are kept, for
    /// decisions with <see cref="CacheDecision.Forecast"/> (twice the cache memory).
    /// </summary>
    Forecast = 16,

    /// <summary>
    /// Full steps also keep the low frequency band of Δcfg (FasterCache's split, <see cref="Numerics.FrequencySplit"/>),
    /// for <see cref="ICachePolicy.EstimateCfgDelta"/>.
    /// </summary>
    LowBandCfgDelta = 32,

    /// <summary>The guided outputs of the last two full steps are kept on the device, for <see cref="StepObservation.DistanceToLastFull"/>.</summary>
    LastFullOutput = 64,
}

/// <summary>What the pipeline's feature cache holds at the start of a step.</summary>
/// <param name="HasOutput">A previous guided output exists (step reuse possible).</param>
/// <param name="HasCfgDelta">A Δcfg from a full step exists (cfg and block reuse possible).</param>
/// <param name="CachedBlocks">Blocks whose conditional output is cached.</param>
/// <param name="HasResidual">A block-stack residual of both branches exists (residual reuse possible).</param>
public readonly record struct CacheAvailability(bool HasOutput, bool HasCfgDelta, IReadOnlySet<int> CachedBlocks, bool HasResidual = false);

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
