using MixCacheOrt.Ort;

namespace MixCacheOrt.Models;

/// <summary>Where and how the package's sessions run.</summary>
public sealed record ExecutionSettings
{
    /// <summary>Intra-op threads per session; 0 lets ONNX Runtime choose (one per core).</summary>
    public int Threads { get; init; }

    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>CUDA device ordinal when <see cref="Provider"/> is <see cref="ExecutionProvider.Cuda"/>.</summary>
    public int DeviceId { get; init; }

    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.All;

    /// <summary>
    /// Whether idle intra-op threads spin waiting for work (ORT's <c>session.intra_op.allow_spinning</c>). Each of the
    /// ~15 chained sessions owns a thread pool; spinning pools of sessions that just finished steal cores from the
    /// one running now, so the chained executor turns spinning off by default.
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>
    /// Run every session on the environment's one shared, spinning intra-op pool (sized by
    /// <see cref="OrtRuntime.ConfigureSharedThreadPool"/>) instead of one pool per session; <see cref="Threads"/> and
    /// <see cref="AllowSpinning"/> then do not apply.
    /// </summary>
    public bool SharedThreadPool { get; init; }

    /// <summary>Memory on which intermediate activations live between chained sessions.</summary>
    internal OrtMemoryInfo ActivationMemory =>
        this.Provider == ExecutionProvider.Cuda ? OrtMemoryInfo.Cuda(this.DeviceId) : OrtMemoryInfo.Cpu;

    internal OrtSessionOptions CreateSessionOptions()
    {
        var options = new OrtSessionOptions();
        try
        {
            options.GraphOptimizationLevel = this.OptimizationLevel;
            if (this.SharedThreadPool)
            {
                options.UseSharedThreadPool();
            }
            else
            {
                options.IntraOpNumThreads = this.Threads;
                options.InterOpNumThreads = 1;
                options.AddConfigEntry("session.intra_op.allow_spinning", this.AllowSpinning ? "1" : "0");
            }

            if (this.Provider == ExecutionProvider.Cuda)
            {
                options.AppendCudaExecutionProvider(this.DeviceId);
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
