using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;

namespace MixCacheOrt.Pipelines;

/// <summary>
/// A step's outputs on the activation device for <see cref="StepObservation"/>: distances reduced by
/// <see cref="DeviceTensorOps"/> (one scalar to the host each), host copies only when a reader asks (counted).
/// </summary>
/// <param name="ops">Device operations.</param>
/// <param name="output">This step's guided output [1, …].</param>
/// <param name="previous">The previous step's guided output, or null at step 0.</param>
/// <param name="observed">The model output of a real pass ([2, …] both branches, [1, …] conditional only), or null.</param>
/// <param name="lastFull">The guided output of the last full step before this one, or null.</param>
/// <param name="residual">Host copy of the step's block-stack residual, when kept.</param>
internal sealed class DeviceStepOutputs(DeviceTensorOps ops, OrtValue output, OrtValue? previous, OrtValue? observed, OrtValue? lastFull, Func<float[]?>? residual)
    : IStepOutputs
{
    private float[]? outputHost;
    private float[]? previousHost;
    private float[]? observedHost;

    private bool BothBranches => observed is not null && observed.GetTensorTypeAndShape().Shape[0] == 2;

    public double OutputDistance() => previous is null ? double.NaN : ops.RelativeL1(output, previous);

    public double CfgDistance() => this.BothBranches ? ops.CfgDistance(observed!) : double.NaN;

    public double DistanceToLastFull() => lastFull is null ? double.NaN : ops.RelativeL1(output, lastFull);

    public ReadOnlySpan<float> Output() => this.outputHost ??= ops.ToHost(output);

    public ReadOnlySpan<float> PreviousOutput() => previous is null ? [] : this.previousHost ??= ops.ToHost(previous);

    public ReadOnlySpan<float> Conditional() => observed is null ? [] : this.Observed()[..(this.Observed().Length / (this.BothBranches ? 2 : 1))];

    public ReadOnlySpan<float> Unconditional() => this.BothBranches ? this.Observed()[(this.Observed().Length / 2)..] : [];

    public ReadOnlySpan<float> Residual() => residual?.Invoke();

    private ReadOnlySpan<float> Observed() => this.observedHost ??= ops.ToHost(observed!);
}
