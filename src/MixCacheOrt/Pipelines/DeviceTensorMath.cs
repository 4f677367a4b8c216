using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Schedulers;

namespace MixCacheOrt.Pipelines;

/// <summary>The samplers' algebra over ORT values on the execution device (<see cref="DeviceTensorOps"/>'s graphs): only weights cross from the host.</summary>
public sealed class DeviceTensorMath(DeviceTensorOps ops) : ITensorMath<OrtValue>
{
    public void Combine(ReadOnlySpan<(OrtValue Value, float Weight)> terms, ref OrtValue? destination) => ops.Combine(terms, ref destination);

    public void Copy(OrtValue source, ref OrtValue? destination) => ops.Copy(source, ref destination);

    public void Release(OrtValue? value) => value?.Dispose();
}
