using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Models;

/// <summary>Where and how the package's sessions run.</summary>
public sealed record ExecutionSettings
{
    /// <summary>Intra-op threads per session; 0 = <see cref="ThreadRule.Choose"/> for the package's model size.</summary>
    public int Threads { get; init; }

    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>CUDA device ordinal when <see cref="Provider"/> is <see cref="ExecutionProvider.Cuda"/>.</summary>
    public int DeviceId { get; init; }

    /// <summary>CUDA provider options (TF32, cuDNN search, arena) when <see cref="Provider"/> is <see cref="ExecutionProvider.Cuda"/>.</summary>
    public CudaOptions Cuda { get; init; } = CudaOptions.Default;

    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// Whether idle intra-op threads spin waiting for work (ORT's <c>session.intra_op.allow_spinning</c>). Each of the
    /// ~15 chained sessions owns a thread pool; spinning pools of sessions that just finished steal cores from the
    /// one running now, so the chained executor turns spinning off by default.
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>
    /// Run every session on the environment's one shared, spinning intra-op pool (sized by
    /// <see cref="OrtRuntime.ConfigureSharedThreadPool"/>) instead of one pool per session; <see cref="Threads"/> and
    /// <see cref="AllowSpinning"/> then do not apply. Needs the environment MixCacheOrt creates (a host's may lack the pool).
    /// </summary>
    public bool SharedThreadPool { get; init; }

    /// <summary>Memory on which intermediate activations live between chained sessions.</summary>
    public OrtMemoryInfo ActivationMemory =>
        this.Provider == ExecutionProvider.Cuda ? OrtDevices.Cuda(this.DeviceId) : OrtDevices.Cpu;

    /// <summary>Official session options for these settings (the caller disposes them).</summary>
    /// <exception cref="OnnxRuntimeException">The CUDA provider cannot be loaded (the message names what is missing).</exception>
    /// <exception cref="InvalidOperationException">A shared pool was asked for in an environment without one.</exception>
    public SessionOptions CreateSessionOptions()
    {
        _ = OrtRuntime.Environment;
        var options = new SessionOptions();
        try
        {
            options.GraphOptimizationLevel = this.OptimizationLevel;
            options.LogSeverityLevel = OrtRuntime.LogLevel;
            if (this.SharedThreadPool)
            {
                if (!OrtRuntime.HasSharedThreadPool)
                {
                    throw new InvalidOperationException(
                        "a shared thread pool was requested, but the process's ONNX Runtime environment was created by the host " +
                        "without global thread pools; create it with OrtThreadingOptions or use per-session threads");
                }

                options.DisablePerSessionThreads();
            }
            else
            {
                options.IntraOpNumThreads = this.Threads;
                options.InterOpNumThreads = 1;
                options.AddSessionConfigEntry("session.intra_op.allow_spinning", this.AllowSpinning ? "1" : "0");
            }

            if (this.Provider == ExecutionProvider.Cuda)
            {
                using OrtCUDAProviderOptions cuda = this.Cuda.CreateProviderOptions(this.DeviceId);
                options.AppendExecutionProvider_CUDA(cuda);
            }

            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }
}

/// <summary>Execution provider for a model package.</summary>
public enum ExecutionProvider
{
    Cpu,
    Cuda,
}
