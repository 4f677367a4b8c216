namespace MixCacheOrt.Pipelines;

/// <summary>One text-to-video generation. Unset sampler values come from the model's manifest.</summary>
public sealed record GenerationRequest
{
    public required string Prompt { get; init; }

    /// <summary>Prompt of the unconditional branch; empty = the model's unconditional context.</summary>
    public string NegativePrompt { get; init; } = string.Empty;

    public ulong Seed { get; init; }

    public int? Steps { get; init; }

    public double? Guidance { get; init; }

    public double? Shift { get; init; }

    /// <summary>Sampler: <c>euler</c> or <c>unipc</c> (<see cref="Schedulers.FlowSchedulers"/>); null = the manifest's <c>scheduler.type</c>.</summary>
    public string? Scheduler { get; init; }

    /// <summary>Initial latent noise [C, F, H, W] instead of <see cref="SeededNoise"/>(<see cref="Seed"/>).</summary>
    public float[]? InitialNoise { get; init; }

    /// <summary>Skip the decoder (latent only).</summary>
    public bool SkipDecode { get; init; }

    /// <summary>
    /// Keep a <see cref="StepTrace"/> per step (decision, timings, metrics, transfers) in the result (default). Off, the
    /// result's trace is empty and a step allocates no managed memory for bookkeeping (long batches, benchmarks).
    /// </summary>
    public bool RecordTrace { get; init; } = true;
}
