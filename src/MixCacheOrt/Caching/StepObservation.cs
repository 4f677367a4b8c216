using MixCacheOrt.Metrics;

namespace MixCacheOrt.Caching;

/// <summary>
/// What one step produced, handed to <see cref="ICachePolicy.Observe"/>; valid only during the call.
/// </summary>
/// <remarks>
/// Policies read distances (<see cref="OutputDistance"/>, <see cref="CfgDistance"/>, <see cref="DistanceToLastFull"/>,
/// <see cref="IBlockOutputReader.Distance"/>): the pipeline reduces them where the tensors live (on the device with
/// CUDA) and only the scalar reaches the host, once per observation. The host views (<see cref="Output"/>,
/// <see cref="Conditional"/>, …) copy the tensors to the host at first read and are counted as transfers: they are for
/// calibration and tools, not for decisions made every step.
/// </remarks>
public sealed class StepObservation
{
    private IStepOutputs outputs;
    private double? outputDistance;
    private double? cfgDistance;
    private double? fullDistance;

    internal StepObservation(int step, CacheDecision decision, IStepOutputs outputs, IBlockOutputReader blockOutputs, Dictionary<string, double> metrics)
    {
        this.Step = step;
        this.Decision = decision;
        this.outputs = outputs;
        this.BlockOutputs = blockOutputs;
        this.Metrics = metrics;
    }

    /// <summary>
    /// An observation over host arrays (tests and tools play the pipeline's role with it); <c>lastFullOutput</c> is the
    /// guided output of the last full step before this one, for <see cref="DistanceToLastFull"/>.
    /// </summary>
    internal StepObservation(int step, CacheDecision decision, float[] output, float[]? previousOutput, float[]? cond, float[]? uncond,
        IBlockOutputReader blockOutputs, Dictionary<string, double> metrics, float[]? residual = null, float[]? lastFullOutput = null, TimeSpan compute = default)
        : this(step, decision, new HostStepOutputs(output, previousOutput, cond, uncond, residual, lastFullOutput), blockOutputs, metrics) =>
        this.Compute = compute;

    public int Step { get; private set; }

    public CacheDecision Decision { get; private set; }

    /// <summary>Current and previous conditional outputs of candidate blocks computed at this step.</summary>
    public IBlockOutputReader BlockOutputs { get; }

    /// <summary>Named values the policy wants in the trace (D and P values, N, …).</summary>
    public Dictionary<string, double> Metrics { get; private set; }

    /// <summary>Time this step's model passes took on the current provider (zero when no pass ran).</summary>
    public TimeSpan Compute { get; private set; }

    /// <summary>Makes this object the observation of another step (the pipeline reuses one per generation).</summary>
    internal void Reset(int step, CacheDecision decision, IStepOutputs stepOutputs, Dictionary<string, double> metrics, TimeSpan compute = default)
    {
        (this.Step, this.Decision, this.outputs, this.Metrics, this.Compute) = (step, decision, stepOutputs, metrics, compute);
        (this.outputDistance, this.cfgDistance, this.fullDistance) = (null, null, null);
    }

    /// <summary>Relative L1 distance of this step's guided output from the previous step's (NaN at step 0).</summary>
    public double OutputDistance => this.outputDistance ??= this.outputs.OutputDistance();

    /// <summary>Relative L1 distance Σ|uncond − cond| / Σ|cond| of this step's branch outputs when both ran in full, else NaN.</summary>
    public double CfgDistance => this.cfgDistance ??= this.outputs.CfgDistance();

    /// <summary>
    /// Relative L1 distance of this step's guided output from the output of the last full step before it (NaN when
    /// there is none, or the policy did not declare <see cref="CacheNeeds.LastFullOutput"/>).
    /// </summary>
    public double DistanceToLastFull => this.fullDistance ??= this.outputs.DistanceToLastFull();

    /// <summary>The guided model output used by the sampler at this step (host copy).</summary>
    public ReadOnlySpan<float> Output => this.outputs.Output();

    /// <summary>The guided output of the previous step (host copy; empty at step 0).</summary>
    public ReadOnlySpan<float> PreviousOutput => this.outputs.PreviousOutput();

    /// <summary>Conditional branch output when a model pass ran (host copy), else empty.</summary>
    public ReadOnlySpan<float> Conditional => this.outputs.Conditional();

    /// <summary>Unconditional branch output when both branches ran in full (host copy), else empty.</summary>
    public ReadOnlySpan<float> Unconditional => this.outputs.Unconditional();

    /// <summary>
    /// What the block stack added at this step, both branches [2, tokens, dim] (host copy), when the step computed
    /// fully and the policy declared <see cref="CacheNeeds.Residual"/>; else empty.
    /// </summary>
    public ReadOnlySpan<float> Residual => this.outputs.Residual();
}

/// <summary>The tensors behind a <see cref="StepObservation"/>: distances reduced where they live, host copies on demand.</summary>
internal interface IStepOutputs
{
    double OutputDistance();

    double CfgDistance();

    double DistanceToLastFull();

    ReadOnlySpan<float> Output();

    ReadOnlySpan<float> PreviousOutput();

    ReadOnlySpan<float> Conditional();

    ReadOnlySpan<float> Unconditional();

    ReadOnlySpan<float> Residual();
}

/// <summary>Step outputs held in host arrays; distances by <see cref="RelativeL1"/>.</summary>
internal sealed class HostStepOutputs(float[] output, float[]? previous, float[]? cond, float[]? uncond, float[]? residual, float[]? lastFull) : IStepOutputs
{
    public double OutputDistance() => previous is null ? double.NaN : RelativeL1.Distance(output, previous);

    public double CfgDistance() => cond is null || uncond is null ? double.NaN : RelativeL1.Distance(uncond, cond);

    public double DistanceToLastFull() => lastFull is null ? double.NaN : RelativeL1.Distance(output, lastFull);

    public ReadOnlySpan<float> Output() => output;

    public ReadOnlySpan<float> PreviousOutput() => previous;

    public ReadOnlySpan<float> Conditional() => cond;

    public ReadOnlySpan<float> Unconditional() => uncond;

    public ReadOnlySpan<float> Residual() => residual;
}

/// <summary>Block outputs kept by the pipeline's feature cache: their distances (no copy), or host views of them.</summary>
public interface IBlockOutputReader
{
    /// <summary>Blocks whose conditional output was computed at this step.</summary>
    IReadOnlyList<int> Computed { get; }

    /// <summary>Conditional output of <paramref name="block"/> at this step (host copy).</summary>
    ReadOnlySpan<float> Current(int block);

    /// <summary>Conditional output of <paramref name="block"/> as it was cached before this step (empty if none).</summary>
    ReadOnlySpan<float> Previous(int block);

    /// <summary>
    /// Relative L1 distance Σ|current − previous| / Σ|previous| of <paramref name="block"/>'s conditional output, reduced
    /// where the values live (on the device with CUDA): only the scalar reaches the host. NaN when the block has no
    /// previous value this step.
    /// </summary>
    double Distance(int block);
}
