using MixCacheOrt.Caching;
using MixCacheOrt.Metrics;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Evaluation;

/// <summary>One generation of an evaluation.</summary>
/// <param name="Index">Position in run order (0-based).</param>
/// <param name="Prompt">The prompt.</param>
/// <param name="Seed">The noise seed.</param>
/// <param name="Method">The cache policy name.</param>
public sealed record EvaluationJob(int Index, string Prompt, ulong Seed, string Method)
{
    /// <summary>The job is the full-compute reference of its (prompt, seed).</summary>
    public bool IsReference => string.Equals(this.Method, EvaluationMethods.Reference, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Optional callbacks while an evaluation runs (progress display).</summary>
public sealed record EvaluationObserver
{
    /// <summary>A job is about to start.</summary>
    public Action<EvaluationJob>? JobStarting { get; init; }

    /// <summary>A denoising step of the current job finished.</summary>
    public Action<StepTrace>? Step { get; init; }

    /// <summary>A job finished and was measured.</summary>
    public Action<EvaluationJob, EvaluationRecord>? JobCompleted { get; init; }
}

/// <summary>
/// Runs every (prompt, seed, method) generation of an evaluation on one pipeline and measures each against the
/// full-compute reference of the same prompt and seed.
/// </summary>
/// <remarks>
/// Order: for each prompt, for each seed, the reference (<see cref="EvaluationMethods.Reference"/>) first, then the
/// other methods in the given order, so drifts of the machine hit every method alike. Every generation gets a fresh
/// policy from the factory. Only the reference frames of the current (prompt, seed) are kept in memory.
/// </remarks>
public sealed class EvaluationRunner
{
    private readonly TextToVideoPipeline pipeline;
    private readonly Func<string, ICachePolicy> createPolicy;
    private readonly PromptAdherence adherence;

    /// <summary>A runner on <paramref name="pipeline"/>; <paramref name="createPolicy"/> makes a fresh policy for a method name.</summary>
    /// <exception cref="ArgumentException">The model has no decoder (frames are needed for PSNR, SSIM and adherence).</exception>
    public EvaluationRunner(TextToVideoPipeline pipeline, Func<string, ICachePolicy> createPolicy, PromptAdherence? adherence = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(createPolicy);
        if (pipeline.Package.Decoder is null)
        {
            throw new ArgumentException($"model '{pipeline.Package.Manifest.Name}' has no decoder; evaluation compares decoded frames", nameof(pipeline));
        }

        this.pipeline = pipeline;
        this.createPolicy = createPolicy;
        this.adherence = adherence ?? PromptAdherence.Default;
    }

    /// <summary>The jobs in run order: reference first per (prompt, seed), <paramref name="methods"/> deduplicated.</summary>
    public static IReadOnlyList<EvaluationJob> Plan(IReadOnlyList<string> prompts, IReadOnlyList<ulong> seeds, IReadOnlyList<string> methods)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(methods);
        string[] ordered =
        [
            EvaluationMethods.Reference,
            .. methods.Where(m => !string.Equals(m, EvaluationMethods.Reference, StringComparison.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase),
        ];
        var jobs = new List<EvaluationJob>(prompts.Count * seeds.Count * ordered.Length);
        foreach (string prompt in prompts)
        {
            foreach (ulong seed in seeds)
            {
                foreach (string method in ordered)
                {
                    jobs.Add(new EvaluationJob(jobs.Count, prompt, seed, method));
                }
            }
        }

        return jobs;
    }

    /// <summary>The run's frames as a small GIF (native size; the page scales it up) for the HTML report.</summary>
    private byte[] Gif(GenerationResult result)
    {
        Models.ModelGeometry g = this.pipeline.Package.Manifest.Geometry;
        using var stream = new MemoryStream();
        Media.GifWriter.Write(stream, new Media.VideoFrames(g.Frames, g.Height, g.Width, result.Frames), delayCs: Math.Max(1, 100 / Math.Max(1, g.Fps)), scale: 1);
        return stream.ToArray();
    }

    /// <summary>Sampler of every run (<c>euler</c>, <c>unipc</c>); null = the manifest's.</summary>
    public string? Scheduler { get; init; }

    /// <summary>
    /// One untimed full-compute generation of <paramref name="prompt"/> with <paramref name="steps"/> steps, so that
    /// the first measured run does not pay for ONNX Runtime's first-run allocations.
    /// </summary>
    public void WarmUp(string prompt, int steps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        this.pipeline.Generate(new GenerationRequest { Prompt = prompt, Steps = steps, Scheduler = this.Scheduler }, new NoCachePolicy(), cancellationToken: cancellationToken);
    }

    /// <summary>Runs <paramref name="jobs"/> (from <see cref="Plan"/>) and returns one record per job, in order.</summary>
    /// <param name="jobs">The jobs; each (prompt, seed) group must start with its reference job.</param>
    /// <param name="steps">Denoising steps; null = the model's.</param>
    /// <param name="observer">Progress callbacks.</param>
    /// <param name="cancellationToken">Checked between jobs and at step boundaries; throws <see cref="OperationCanceledException"/>.</param>
    public IReadOnlyList<EvaluationRecord> Run(IReadOnlyList<EvaluationJob> jobs, int? steps = null, EvaluationObserver? observer = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var records = new List<EvaluationRecord>(jobs.Count);
        GenerationResult? reference = null;
        Action<StepTrace>? onStep = observer?.Step;
        foreach (EvaluationJob job in jobs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!job.IsReference && (reference is null || reference.Request.Prompt != job.Prompt || reference.Request.Seed != job.Seed))
            {
                throw new InvalidOperationException($"job {job.Index} ({job.Method}, seed {job.Seed}) has no reference run before it; build jobs with Plan");
            }

            observer?.JobStarting?.Invoke(job);
            var request = new GenerationRequest { Prompt = job.Prompt, Seed = job.Seed, Steps = steps, Scheduler = this.Scheduler };
            GenerationResult result = this.pipeline.Generate(request, this.createPolicy(job.Method), onStep, cancellationToken);
            if (job.IsReference)
            {
                reference = result;
            }

            EvaluationRecord record = EvaluationMeasurement.Measure(result, reference ?? throw new InvalidOperationException("no reference run"), job.Method, this.pipeline.Package.Manifest.Geometry,
                this.pipeline.Package.Manifest.Blocks.Count, this.adherence) with { Gif = this.Gif(result) };
            records.Add(record);
            observer?.JobCompleted?.Invoke(job, record);
        }

        return records;
    }
}
