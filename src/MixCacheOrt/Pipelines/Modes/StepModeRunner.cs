using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;

namespace MixCacheOrt.Pipelines.Modes;

/// <summary>
/// How the pipeline runs one <see cref="StepMode"/>: whether the feature cache can serve a decision now, and the
/// model pass(es) that turn it into this step's guided output. One runner per mode, registered once in
/// <see cref="StepModeRunners"/>; the sampler loop in <see cref="TextToVideoPipeline.Generate"/> only asks the policy,
/// runs the runner and steps the sampler.
/// </summary>
internal interface IStepModeRunner
{
    /// <summary>Whether <paramref name="decision"/> can run now (what it reuses is cached).</summary>
    bool CanServe(CacheDecision decision, FeatureCache cache);

    /// <summary>
    /// Computes step <paramref name="step"/>'s guided output into <paramref name="guided"/> (a device buffer the
    /// pipeline reuses; allocated at first use).
    /// </summary>
    ModeResult Run(StepContext context, int step, float timestep, CacheDecision decision, ref OrtValue? guided);
}

/// <summary>What a mode computed: the decision as it ran, the model output observers may read, and the compute it took.</summary>
/// <param name="Decision">The decision as it ran (a block hook may turn a full step into a partial one).</param>
/// <param name="Observed">
/// The model output of a real pass (the executor's buffer, valid until the next pass): [2, …] (cond, uncond) when both
/// branches ran in full, [1, …] (cond) for the conditional-only modes; null when the outputs are estimates.
/// </param>
/// <param name="BlockEvaluations">Transformer block evaluations, both branches counted.</param>
/// <param name="RanModel">Whether the model ran at all (for the compute time split).</param>
internal readonly record struct ModeResult(CacheDecision Decision, OrtValue? Observed, int BlockEvaluations, bool RanModel);

/// <summary>What every mode of one generation shares: the executor, the cache, the policy, the contexts and buffers.</summary>
internal sealed class StepContext
{
    /// <summary>No block outputs to keep (passes whose outputs are estimates).</summary>
    public static readonly IReadOnlySet<int> NoBlocks = new HashSet<int>();

    public required DenoiserExecutor Executor { get; init; }

    public required FeatureCache Cache { get; init; }

    public required ICachePolicy Policy { get; init; }

    public required IBlockHook? Hook { get; init; }

    public required CacheNeeds Needs { get; init; }

    /// <summary>Text context of both branches (cond, uncond) and of the conditional one.</summary>
    public required OrtValue ContextBoth { get; init; }

    public required OrtValue ContextCond { get; init; }

    public required float Guidance { get; init; }

    /// <summary>Device operations (guidance, copies, forecasts).</summary>
    public DeviceTensorOps Ops => this.Executor.Ops;

    /// <summary>The current latent [1, C, F, H, W] on the device (read by the passes; the pipeline swaps it after the sampler step).</summary>
    public required OrtValue Latent { get; set; }

    /// <summary>Where passes whose Δcfg is not kept write it (a device buffer reused every step; disposed by the pipeline).</summary>
    public OrtValue? ScratchDelta;

    /// <summary>
    /// One in-place pass of the executor (its results are views valid until the next pass); the batch follows the
    /// context (2 rows = both branches, 1 = conditional only).
    /// </summary>
    public DenoiserOutput Pass(float timestep, OrtValue context, int? resumeAfter = null, OrtValue? resumeHidden = null, bool captureResidual = false,
        IBlockHook? hook = null, OrtValue? skipBlocksResidual = null, IReadOnlySet<int>? capture = null)
    {
        DenoiserRequest r = this.request;
        r.LatentValue = this.Latent;
        r.Timestep = timestep;
        r.Context = context;
        r.Batch = ReferenceEquals(context, this.ContextBoth) ? 2 : 1;
        r.Capture = capture ?? this.Policy.BlockCandidates;
        r.ResumeAfterBlock = resumeAfter;
        r.ResumeHidden = resumeHidden;
        r.CaptureResidual = captureResidual;
        r.Hook = hook;
        r.SkipBlocksResidual = skipBlocksResidual;
        return this.Executor.RunInPlace(r);
    }

    private readonly DenoiserRequest request = new() { Timestep = 0, Context = null!, Batch = 0 }; // reused by every pass
}

/// <summary>The runner of every mode: adding a mechanism is one runner class and one line here.</summary>
internal static class StepModeRunners
{
    private static readonly Dictionary<StepMode, IStepModeRunner> Runners = new()
    {
        [StepMode.Full] = new FullStep(),
        [StepMode.StepReuse] = new StepReuseStep(),
        [StepMode.CfgReuse] = new ConditionalOnlyStep(),
        [StepMode.BlockReuse] = new ConditionalOnlyStep(),
        [StepMode.BranchBlockReuse] = new BranchBlockStep(),
        [StepMode.ResidualReuse] = new ResidualStep(),
    };

    /// <summary>
    /// The decision that runs and its runner: what the cache cannot serve yet falls back to a full step (so does a
    /// mode only a block hook decides, <see cref="StepMode.MiddleReuse"/>); a forecast the policy did not ask history for
    /// (<see cref="CacheNeeds.Forecast"/>) is a plain reuse.
    /// </summary>
    public static (CacheDecision Decision, IStepModeRunner Runner) Resolve(CacheDecision decision, FeatureCache cache, CacheNeeds needs)
    {
        if (decision.Forecast && (needs & CacheNeeds.Forecast) == 0)
        {
            decision = decision with { Forecast = false };
        }

        return Runners.TryGetValue(decision.Mode, out IStepModeRunner? runner) && runner.CanServe(decision, cache)
            ? (decision, runner)
            : (CacheDecision.Full, Runners[StepMode.Full]);
    }
}
