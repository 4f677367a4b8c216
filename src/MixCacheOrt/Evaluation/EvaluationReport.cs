using System.Runtime.InteropServices;

namespace MixCacheOrt.Evaluation;

/// <summary>Everything an evaluation produced: what was asked, where it ran, every run and the per-method aggregates.</summary>
public sealed record EvaluationReport
{
    public required EvaluationSettings Settings { get; init; }

    public required EvaluationEnvironment Environment { get; init; }

    /// <summary>One record per (prompt, seed, method), in run order.</summary>
    public required IReadOnlyList<EvaluationRecord> Records { get; init; }

    /// <summary>One summary per method, in <see cref="EvaluationSettings.Methods"/> order.</summary>
    public required IReadOnlyList<MethodSummary> Summaries { get; init; }

    /// <summary>A report with <see cref="Summaries"/> aggregated from <paramref name="records"/>.</summary>
    public static EvaluationReport Create(EvaluationSettings settings, EvaluationEnvironment environment, IReadOnlyList<EvaluationRecord> records)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(records);
        IReadOnlyList<MethodSummary> summaries = MethodSummary.Aggregate(records);
        return new EvaluationReport
        {
            Settings = settings,
            Environment = environment,
            Records = records,
            Summaries = [.. summaries.OrderBy(s => IndexOf(settings.Methods, s.Method))],
        };
    }

    private static int IndexOf(IReadOnlyList<string> methods, string method)
    {
        for (int i = 0; i < methods.Count; i++)
        {
            if (string.Equals(methods[i], method, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return int.MaxValue;
    }
}

/// <summary>What an evaluation was asked to do.</summary>
public sealed record EvaluationSettings
{
    /// <summary>The command line that started it (for the report), if any.</summary>
    public string? CommandLine { get; init; }

    public required string ModelName { get; init; }

    public required string ModelDirectory { get; init; }

    /// <summary>The prompt file, if the prompts came from one.</summary>
    public string? PromptsFile { get; init; }

    public required IReadOnlyList<string> Prompts { get; init; }

    public required IReadOnlyList<ulong> Seeds { get; init; }

    /// <summary>Methods in run order; the reference first.</summary>
    public required IReadOnlyList<string> Methods { get; init; }

    public required int Steps { get; init; }

    public required double Guidance { get; init; }

    /// <summary>The sampler (<c>euler</c>, <c>unipc</c>).</summary>
    public string Scheduler { get; init; } = "euler";

    /// <summary>Whether the method set is the ablation set.</summary>
    public bool Ablation { get; init; }

    /// <summary>Untimed generations run before the measured ones.</summary>
    public int WarmupRuns { get; init; }
}

/// <summary>Where an evaluation ran: runtime, threads, machine, time.</summary>
public sealed record EvaluationEnvironment
{
    public required string OrtVersion { get; init; }

    /// <summary>Execution provider (<c>cpu</c>, <c>cuda</c>).</summary>
    public required string Provider { get; init; }

    /// <summary>Intra-op threads per session the sessions ran with (0 = ORT's default, one per core).</summary>
    public required int Threads { get; init; }

    /// <summary>The execution provider's options as ORT keys (CUDA's; empty on the CPU).</summary>
    public IReadOnlyDictionary<string, string> ProviderOptions { get; init; } = new Dictionary<string, string>();

    public int ProcessorCount { get; init; } = System.Environment.ProcessorCount;

    public string OperatingSystem { get; init; } = RuntimeInformation.OSDescription;

    public string Architecture { get; init; } = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();

    public string Runtime { get; init; } = RuntimeInformation.FrameworkDescription;

    public required DateTimeOffset StartedUtc { get; init; }

    public required DateTimeOffset FinishedUtc { get; init; }

    /// <summary>Threads as a phrase: "2" or "0 (one per core, 2 cores)".</summary>
    public string ThreadsDescription => this.Threads > 0
        ? $"{this.Threads} ({this.ProcessorCount} cores)"
        : $"0 (one per core, {this.ProcessorCount} cores)";
}
