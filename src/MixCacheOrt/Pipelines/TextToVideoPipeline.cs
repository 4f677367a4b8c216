using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;
using MixCacheOrt.Models;
using MixCacheOrt.Numerics;
using MixCacheOrt.Ort;
using MixCacheOrt.Schedulers;

namespace MixCacheOrt.Pipelines;

/// <summary>
/// Text-to-video generation with a model package: encode prompt and negative prompt, seed the noise, run the
/// flow-matching sampler (Euler or UniPC, <see cref="IFlowScheduler"/>) with classifier-free guidance (cond and uncond batched on full steps), let a
/// <see cref="ICachePolicy"/> decide per step what to recompute, and decode the latent to frames.
/// </summary>
/// <remarks>
/// Sessions are loaded once (by the <see cref="ModelPackage"/>) and reused for every <see cref="Generate"/> call;
/// per-generation state (feature cache, text contexts) is released at the end of each call, so long batches run in
/// flat memory. Cancellation is honoured at step boundaries.
/// </remarks>
public sealed class TextToVideoPipeline : IDisposable
{
    private readonly DenoiserExecutor executor;
    private readonly PromptEncoder prompts;
    private readonly VideoDecoder? decoder;

    public TextToVideoPipeline(ModelPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        this.Package = package;
        this.prompts = new PromptEncoder(package);
        this.decoder = package.Decoder is null ? null : new VideoDecoder(package);
        this.executor = new DenoiserExecutor(package);
    }

    public ModelPackage Package { get; }

    public PromptEncoder Prompts => this.prompts;

    /// <summary>Generates one clip.</summary>
    /// <param name="request">Prompt, seed and sampler settings.</param>
    /// <param name="policy">Cache policy; <see cref="NoCachePolicy"/> for full compute.</param>
    /// <param name="onStep">Called after every step (progress display).</param>
    /// <param name="cancellationToken">Checked between steps; throws <see cref="OperationCanceledException"/>.</param>
    public GenerationResult Generate(GenerationRequest request, ICachePolicy? policy = null, Action<StepTrace>? onStep = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        policy ??= new NoCachePolicy();
        ModelManifest m = this.Package.Manifest;
        int steps = m.Scheduler.StepsOr(request.Steps);
        double guidance = request.Guidance ?? m.Scheduler.Guidance;
        double shift = request.Shift ?? m.Scheduler.Shift;
        string schedulerName = Schedulers.FlowSchedulers.Normalize(request.Scheduler ?? m.Scheduler.Type);
        IFlowScheduler scheduler = FlowSchedulers.Create(schedulerName, steps, shift, m.Scheduler.TimestepScale);
        int latentSize = m.Geometry.LatentElementCount;

        float[] latent = request.InitialNoise is { } noise
            ? (noise.Length == latentSize ? (float[])noise.Clone() : throw new ArgumentException($"initial noise must have {latentSize} elements, got {noise.Length}", nameof(request)))
            : SeededNoise.Create(request.Seed, latentSize);

        long start = Stopwatch.GetTimestamp();
        using OrtValue contextBoth = this.prompts.Encode([request.Prompt, request.NegativePrompt]);
        using OrtValue contextCond = this.executor.Ops.SliceBatch(contextBoth, 0, 1);
        TimeSpan textTime = Stopwatch.GetElapsedTime(start);

        var trace = new List<StepTrace>(steps);
        policy.Reset(steps, this.executor.BlockCount);
        CacheNeeds needs = policy.Needs;
        using var cache = new FeatureCache(this.executor.Ops, history: (needs & CacheNeeds.Forecast) != 0);
        using IBlockHook? hook = policy.CreateBlockHook(this.executor.BlockCount);
        policy.SetTimesteps([.. Enumerable.Range(0, steps).Select(scheduler.Timestep)]);
        TimeSpan full = TimeSpan.Zero, cached = TimeSpan.Zero, overhead = TimeSpan.Zero;
        if ((needs & (CacheNeeds.TimeEmbedding | CacheNeeds.TimeProjection)) != 0)
        {
            // Counted as decision overhead: the reference implementations compute it inside their forward.
            long embedStart = Stopwatch.GetTimestamp();
            string name = (needs & CacheNeeds.TimeProjection) != 0 ? "e0" : "e";
            policy.SetTimeEmbeddings([.. Enumerable.Range(0, steps).Select(k => this.executor.TimeEmbedding(scheduler.Timestep(k), contextCond, name))]);
            overhead += Stopwatch.GetElapsedTime(embedStart);
        }

        // Host buffers reused every step: branch outputs, and two guided outputs that alternate so the previous step's
        // stays readable (cache.LastOutput) while this step's is written.
        float[] condBuffer = new float[latentSize], uncondBuffer = new float[latentSize];
        float[][] guidedBuffers = [new float[latentSize], new float[latentSize]];
        long peakBytes = 0;
        long denoiseStart = Stopwatch.GetTimestamp();
        for (int k = 0; k < steps; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long stepStart = Stopwatch.GetTimestamp();
            (long uploaded, long downloaded) = this.executor.Transfers.Snapshot();
            cache.BeginStep(k);
            CacheDecision decision = policy.Decide(k, cache.Availability);
            decision = Feasible(decision, cache, needs);
            long decided = Stopwatch.GetTimestamp();
            float[] guided = guidedBuffers[k % 2];
            float[]? cond = null, uncond = null;
            int blockEvaluations = 0;
            TimeSpan compute = TimeSpan.Zero;
            float timestep = scheduler.Timestep(k);
            switch (decision.Mode)
            {
                case StepMode.Full:
                {
                    hook?.BeginStep(k);
                    using DenoiserOutput pass = this.RunPass(latent, timestep, contextBoth, policy.BlockCandidates, resumeAfter: null, resumeHidden: null,
                        captureResidual: (needs & CacheNeeds.Residual) != 0, hook);
                    pass.Conditional.CopyTo(cond = condBuffer);
                    pass.Unconditional.CopyTo(uncond = uncondBuffer);
                    Guidance.Combine(cond, uncond, (float)guidance, guided);
                    if (hook?.Outcome is CacheDecision outcome)
                    {
                        // The hook reused part of the stack: an estimate, recorded as such and not cached as a real output.
                        decision = outcome;
                        (cond, uncond) = (null, null);
                        blockEvaluations = 2 * pass.BlocksRun;
                        compute = Stopwatch.GetElapsedTime(decided);
                        cached += compute;
                        break;
                    }

                    cache.SetCfgDelta(cond, uncond, k);
                    cache.RecordFullOutput(k, guided);
                    if (pass.Residual is not null)
                    {
                        cache.SetResidual(pass.TakeResidual(), k);
                    }

                    if ((needs & CacheNeeds.BranchBlocks) != 0)
                    {
                        foreach (int index in pass.Captured.Keys.ToArray())
                        {
                            cache.SetBranchBlock(index, pass.TakeCaptured(index));
                        }
                    }

                    cache.StoreBlocks(pass.Captured, 2);
                    blockEvaluations = 2 * pass.BlocksRun;
                    compute = Stopwatch.GetElapsedTime(decided);
                    full += compute;
                    break;
                }

                case StepMode.StepReuse when decision.Forecast:
                    cache.ForecastOutput(k, guided);
                    break;

                case StepMode.StepReuse:
                    cache.LastOutput!.CopyTo(guided, 0);
                    break;

                case StepMode.ResidualReuse:
                case StepMode.BranchBlockReuse:
                {
                    // Both branches from their own caches; the outputs are estimates, so observers see none of them.
                    using OrtValue? forecastResidual = decision is { Mode: StepMode.ResidualReuse, Forecast: true } ? cache.ForecastResidual(k) : null;
                    using DenoiserOutput pass = decision.Mode == StepMode.ResidualReuse
                        ? this.executor.Run(new DenoiserRequest
                        {
                            Latent = latent, Timestep = timestep, Context = contextBoth, Batch = 2, SkipBlocksResidual = forecastResidual ?? cache.Residual,
                        })
                        : this.executor.Run(new DenoiserRequest
                        {
                            Latent = latent, Timestep = timestep, Context = contextBoth, Batch = 2,
                            ResumeAfterBlock = decision.Block, ResumeHidden = cache.BranchBlock(decision.Block),
                        });
                    Guidance.Combine(pass.Conditional, pass.Unconditional, (float)guidance, guided);
                    blockEvaluations = 2 * pass.BlocksRun;
                    compute = Stopwatch.GetElapsedTime(decided);
                    cached += compute;
                    break;
                }

                default:
                {
                    int? resume = decision.Mode == StepMode.BlockReuse ? decision.Block : null;
                    using OrtValue? forecastHidden = decision.Forecast && resume is int b ? cache.ForecastBlock(b, k) : null;
                    using DenoiserOutput pass = this.RunPass(latent, timestep, contextCond, policy.BlockCandidates, resume,
                        resume is int r ? forecastHidden ?? cache.Block(r) : null);
                    pass.Conditional.CopyTo(cond = condBuffer);
                    uncond = uncondBuffer;
                    if (decision.Forecast)
                    {
                        cache.ForecastCfgDelta(k, uncond);
                        System.Numerics.Tensors.TensorPrimitives.Add(cond, uncond, uncond);
                    }
                    else if (!policy.EstimateUnconditional(k, cond, uncond))
                    {
                        System.Numerics.Tensors.TensorPrimitives.Add(cond, cache.CfgDelta!, uncond);
                    }

                    Guidance.Combine(cond, uncond, (float)guidance, guided);
                    cache.StoreBlocks(pass.Captured, 1);
                    blockEvaluations = pass.BlocksRun;
                    compute = Stopwatch.GetElapsedTime(decided);
                    cached += compute;
                    uncond = null; // not a real unconditional output: observers must not treat it as one
                    break;
                }
            }

            long observeStart = Stopwatch.GetTimestamp();
            var metrics = new Dictionary<string, double>();
            if (hook is not null && decision.Mode is StepMode.Full or StepMode.MiddleReuse)
            {
                foreach ((string name, double value) in hook.Metrics)
                {
                    metrics[name] = value;
                }
            }

            Func<float[]?>? residual = decision.Mode == StepMode.Full && cache.Residual is not null ? cache.ResidualHost : null;
            policy.Observe(new StepObservation(k, decision, guided, cache.LastOutput, cond, uncond, cache, metrics, residual));
            cache.EndStep();
            cache.LastOutput = guided;
            peakBytes = Math.Max(peakBytes, cache.BytesHeld);
            TimeSpan stepOverhead = Stopwatch.GetElapsedTime(stepStart, decided) + Stopwatch.GetElapsedTime(observeStart);
            overhead += stepOverhead;

            scheduler.Step(k, guided, latent);
            if (!AllFinite(latent))
            {
                throw new NonFiniteLatentException(k, steps, guidance);
            }

            var record = new StepTrace
            {
                Step = k,
                Timestep = timestep,
                Decision = decision,
                BlockEvaluations = blockEvaluations,
                Elapsed = Stopwatch.GetElapsedTime(stepStart),
                Compute = compute,
                Overhead = stepOverhead,
                Metrics = metrics,
                HostToDeviceBytes = this.executor.Transfers.HostToDevice - uploaded,
                DeviceToHostBytes = this.executor.Transfers.DeviceToHost - downloaded,
            };
            trace.Add(record);
            onStep?.Invoke(record);
        }

        TimeSpan denoiseTime = Stopwatch.GetElapsedTime(denoiseStart);
        cancellationToken.ThrowIfCancellationRequested();
        long decodeStart = Stopwatch.GetTimestamp();
        float[] frames = request.SkipDecode || this.decoder is null ? [] : this.decoder.Decode(latent);
        TimeSpan decodeTime = Stopwatch.GetElapsedTime(decodeStart);
        policy.Reset(steps, this.executor.BlockCount); // drop per-generation policy state right away

        return new GenerationResult
        {
            Request = request,
            Steps = steps,
            Guidance = guidance,
            Shift = shift,
            Scheduler = schedulerName,
            CachePolicy = policy.Name,
            Latent = latent,
            Frames = frames,
            Trace = trace,
            CacheBytesPeak = peakBytes,
            PromptWords = this.prompts.Tokenizer.CountWords(request.Prompt),
            PromptWordsUsed = Math.Min(this.prompts.Tokenizer.CountWords(request.Prompt), this.prompts.Tokenizer.TextLength),
            Timings = new StageTimings
            {
                TextEncoder = textTime,
                Denoise = denoiseTime,
                Decode = decodeTime,
                Total = Stopwatch.GetElapsedTime(start),
                FullCompute = full,
                CachedCompute = cached,
                DecisionOverhead = overhead,
            },
        };
    }

    /// <summary>One model pass; the batch follows the context (2 rows = both branches, 1 = conditional only).</summary>
    private DenoiserOutput RunPass(float[] latent, float timestep, OrtValue context, IReadOnlySet<int> capture, int? resumeAfter, OrtValue? resumeHidden,
        bool captureResidual = false, IBlockHook? hook = null) =>
        this.executor.Run(new DenoiserRequest
        {
            Latent = latent,
            Timestep = timestep,
            Context = context,
            Batch = (int)context.Shape()[0],
            Capture = capture,
            ResumeAfterBlock = resumeAfter,
            ResumeHidden = resumeHidden,
            CaptureResidual = captureResidual,
            Hook = hook,
        });

    /// <summary>
    /// A decision the cache cannot serve yet (nothing cached) falls back to a full step; a forecast the policy did not
    /// ask history for (<see cref="CacheNeeds.Forecast"/>) is a plain reuse.
    /// </summary>
    private static CacheDecision Feasible(CacheDecision d, FeatureCache cache, CacheNeeds needs) => Servable(
        d.Forecast && (needs & CacheNeeds.Forecast) == 0 ? d with { Forecast = false } : d, cache);

    private static CacheDecision Servable(CacheDecision d, FeatureCache cache) => d.Mode switch
    {
        StepMode.StepReuse when cache.LastOutput is null => CacheDecision.Full,
        StepMode.CfgReuse when cache.CfgDelta is null => CacheDecision.Full,
        StepMode.BlockReuse when cache.CfgDelta is null || !cache.CachedBlocks.Contains(d.Block) => CacheDecision.Full,
        StepMode.BranchBlockReuse when cache.BranchBlock(d.Block) is null => CacheDecision.Full,
        StepMode.ResidualReuse when cache.Residual is null => CacheDecision.Full,
        StepMode.MiddleReuse => CacheDecision.Full, // decided inside the pass by the policy's block hook
        _ => d,
    };

    public void Dispose() => this.executor.Dispose();

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }
}
