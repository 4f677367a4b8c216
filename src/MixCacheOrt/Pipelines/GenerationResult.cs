using MixCacheOrt.Caching;

namespace MixCacheOrt.Pipelines;

/// <summary>Everything one generation produced and measured.</summary>
public sealed record GenerationResult
{
    public required GenerationRequest Request { get; init; }

    public required int Steps { get; init; }

    public required double Guidance { get; init; }

    public required double Shift { get; init; }

    /// <summary>The sampler that ran: <c>euler</c> or <c>unipc</c>.</summary>
    public string Scheduler { get; init; } = "euler";

    public required string CachePolicy { get; init; }

    /// <summary>Final latent [C, F, H, W].</summary>
    public required float[] Latent { get; init; }

    /// <summary>Decoded frames [F, H, W, 3] in [0, 1]; empty when decoding was skipped.</summary>
    public required float[] Frames { get; init; }

    public required StageTimings Timings { get; init; }

    public required IReadOnlyList<StepTrace> Trace { get; init; }

    /// <summary>Peak bytes held by caches (block outputs, Δcfg, last output) during the run.</summary>
    public required long CacheBytesPeak { get; init; }

    /// <summary>Words in the prompt as the tokenizer reads them.</summary>
    public int PromptWords { get; init; }

    /// <summary>Words the text encoder saw: at most the model's text length; the rest were dropped.</summary>
    public int PromptWordsUsed { get; init; }
}

/// <summary>Wall-clock time per pipeline stage.</summary>
public sealed record StageTimings
{
    public TimeSpan TextEncoder { get; init; }

    public TimeSpan Denoise { get; init; }

    public TimeSpan Decode { get; init; }

    public TimeSpan Total { get; init; }

    /// <summary>Time in model passes of full steps (both branches).</summary>
    public TimeSpan FullCompute { get; init; }

    /// <summary>Time in model passes of cached steps (cfg/block reuse).</summary>
    public TimeSpan CachedCompute { get; init; }

    /// <summary>Time spent by the cache policy deciding and measuring distances (MixCache's "overhead").</summary>
    public TimeSpan DecisionOverhead { get; init; }
}

/// <summary>One denoising step in the trace.</summary>
public sealed record StepTrace
{
    public required int Step { get; init; }

    public required double Timestep { get; init; }

    public required CacheDecision Decision { get; init; }

    /// <summary>Transformer blocks executed by this step, summed over batch rows (full step = 2·L).</summary>
    public required int BlockEvaluations { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public TimeSpan Compute { get; init; }

    public TimeSpan Overhead { get; init; }

    /// <summary>Policy metrics (D and P values, N, …).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Bytes bound from host arrays into ORT inputs during the step (<see cref="TransferCounter"/>).</summary>
    public long HostToDeviceBytes { get; init; }

    /// <summary>Bytes read from ORT values into host memory during the step (<see cref="TransferCounter"/>).</summary>
    public long DeviceToHostBytes { get; init; }

    /// <summary>Of <see cref="HostToDeviceBytes"/> + <see cref="DeviceToHostBytes"/>, the bytes of tensors (0: only scalars crossed).</summary>
    public long TensorBytes { get; init; }

    /// <summary>
    /// Managed bytes the generating thread allocated during the step's work (decision, mode, observation, sampler
    /// update), not counting this record: 0 once a step's buffers and bindings exist, unless the policy allocates.
    /// </summary>
    public long AllocatedBytes { get; init; }
}
