using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;

namespace MixCacheOrt.Pipelines;

/// <summary>
/// A step's outputs on the activation device for <see cref="StepObservation"/>: distances reduced by
/// <see cref="DeviceTensorOps"/> (one scalar to the host each), host copies only when a reader asks (counted). One per
/// generation, <see cref="Reset"/> every step.
/// </summary>
internal sealed class DeviceStepOutputs(DeviceTensorOps ops) : IStepOutputs
{
    private OrtValue output = null!; // this step's guided output [1, …]
    private OrtValue? previous; // the previous step's guided output, null at step 0
    private OrtValue? observed; // the model output of a real pass ([2, …] both branches, [1, …] conditional only), or null
    private OrtValue? lastFull; // the guided output of the last full step before this one, or null
    private Func<float[]?>? residual; // host copy of the step's block-stack residual, when kept
    private float[]? outputHost;
    private float[]? previousHost;
    private float[]? observedHost;

    /// <summary>Makes this object the outputs of another step (the pipeline reuses one per generation).</summary>
    public void Reset(OrtValue stepOutput, OrtValue? previousOutput, OrtValue? observedOutput, OrtValue? lastFullOutput, Func<float[]?>? stepResidual)
    {
        (this.output, this.previous, this.observed, this.lastFull, this.residual) = (stepOutput, previousOutput, observedOutput, lastFullOutput, stepResidual);
        (this.outputHost, this.previousHost, this.observedHost) = (null, null, null);
    }

    private bool BothBranches => this.observed is not null && ops.ShapeOf(this.observed)[0] == 2;

    public double OutputDistance() => this.previous is null ? double.NaN : ops.RelativeL1(this.output, this.previous);

    public double CfgDistance() => this.BothBranches ? ops.CfgDistance(this.observed!) : double.NaN;

    public double DistanceToLastFull() => this.lastFull is null ? double.NaN : ops.RelativeL1(this.output, this.lastFull);

    public ReadOnlySpan<float> Output() => this.outputHost ??= ops.ToHost(this.output);

    public ReadOnlySpan<float> PreviousOutput() => this.previous is null ? [] : this.previousHost ??= ops.ToHost(this.previous);

    public ReadOnlySpan<float> Conditional() => this.observed is null ? [] : this.Observed()[..(this.Observed().Length / (this.BothBranches ? 2 : 1))];

    public ReadOnlySpan<float> Unconditional() => this.BothBranches ? this.Observed()[(this.Observed().Length / 2)..] : [];

    public ReadOnlySpan<float> Residual() => this.residual?.Invoke();

    private ReadOnlySpan<float> Observed() => this.observedHost ??= ops.ToHost(this.observed!);
}
