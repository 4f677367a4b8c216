using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;
using MixCacheOrt.Models;
using MixCacheOrt.Pipelines.Modes;
using MixCacheOrt.Schedulers;

namespace MixCacheOrt.Pipelines;

/// <summary>
/// Text-to-video generation with a model package: encode prompt and negative prompt, seed the noise, run the
/// flow-matching sampler (Euler or UniPC, <see cref="IFlowScheduler"/>) with classifier-free guidance (cond and uncond batched on full steps), let a
/// <see cref="ICachePolicy"/> decide per step what to recompute (each step mode run by its <see cref="IStepModeRunner"/>),
/// and decode the latent to frames.
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
    private OrtValue? lowBandBasis;

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

        float[] noise = request.InitialNoise is { } given
            ? (given.Length == latentSize ? given : throw new ArgumentException($"initial noise must have {latentSize} elements, got {given.Length}", nameof(request)))
            : SeededNoise.Create(request.Seed, latentSize);

        long start = Stopwatch.GetTimestamp();
        using OrtValue contextBoth = this.prompts.Encode([request.Prompt, request.NegativePrompt]);
        using OrtValue contextCond = this.executor.Ops.SliceBatch(contextBoth, 0, 1);
        TimeSpan textTime = Stopwatch.GetElapsedTime(start);

        var trace = new List<StepTrace>(request.RecordTrace ? steps : 0);
        policy.Reset(steps, this.executor.BlockCount);
        CacheNeeds needs = policy.Needs;
        DeviceTensorOps ops = this.executor.Ops;
        using var cache = new FeatureCache(ops, history: (needs & CacheNeeds.Forecast) != 0,
            lowBandBasis: (needs & CacheNeeds.LowBandCfgDelta) != 0 ? this.LowBandBasis() : null, lowBandScale: 1f / m.Geometry.PlaneSize,
            fullOutputs: (needs & CacheNeeds.LastFullOutput) != 0);
        using IBlockHook? hook = policy.CreateBlockHook(this.executor.BlockCount);
        float[] timesteps = new float[steps];
        for (int k = 0; k < steps; k++)
        {
            timesteps[k] = scheduler.Timestep(k);
        }

        policy.SetTimesteps(timesteps);
        TimeSpan full = TimeSpan.Zero, cached = TimeSpan.Zero, overhead = TimeSpan.Zero;
        if ((needs & (CacheNeeds.TimeEmbedding | CacheNeeds.TimeProjection)) != 0)
        {
            // Counted as decision overhead: the reference implementations compute it inside their forward.
            long embedStart = Stopwatch.GetTimestamp();
            string name = (needs & CacheNeeds.TimeProjection) != 0 ? "e0" : "e";
            policy.SetTimeEmbeddings([.. Enumerable.Range(0, steps).Select(k => this.executor.TimeEmbedding(scheduler.Timestep(k), contextCond, name))]);
            overhead += Stopwatch.GetElapsedTime(embedStart);
        }

        // Everything per step lives on the device: the latent and the next one (swapped after each sampler step), two
        // guided outputs that alternate so the previous step's stays readable (cache.LastOutput) while this step's is
        // written, the sampler's history. The noise goes up once; the final latent comes back once.
        OrtValue? latentValue = ops.Upload(noise, [1, .. m.Geometry.LatentShape]);
        OrtValue? nextLatent = null;
        OrtValue?[] guidedBuffers = new OrtValue?[2];
        using IFlowSolver<OrtValue> solver = scheduler.CreateSolver(new DeviceTensorMath(ops));
        var context = new StepContext
        {
            Executor = this.executor, Cache = cache, Policy = policy, Hook = hook, Needs = needs, ContextBoth = contextBoth, ContextCond = contextCond,
            Guidance = (float)guidance, Latent = latentValue,
        };
        float[] latent;
        long peakBytes = 0;
        bool record = request.RecordTrace;
        var metrics = new Dictionary<string, double>(); // a new one after each recorded step (the trace keeps it), else reused
        var outputs = new DeviceStepOutputs(ops);
        var observation = new StepObservation(0, CacheDecision.Full, outputs, cache, metrics);
        Func<float[]?> residualHost = cache.ResidualHost;
        long denoiseStart = Stopwatch.GetTimestamp();
        try
        {
            for (int k = 0; k < steps; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long stepStart = Stopwatch.GetTimestamp();
                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                (long uploaded, long downloaded) = this.executor.Transfers.Snapshot();
                long tensorBytes = this.executor.Transfers.TensorBytes;
                cache.BeginStep(k);
                (CacheDecision decision, IStepModeRunner runner) = StepModeRunners.Resolve(policy.Decide(k, cache.Availability), cache, needs);
                long decided = Stopwatch.GetTimestamp();
                float timestep = scheduler.Timestep(k);
                ModeResult ran = runner.Run(context, k, timestep, decision, ref guidedBuffers[k % 2]);
                OrtValue guided = guidedBuffers[k % 2]!;
                (decision, int blockEvaluations) = (ran.Decision, ran.BlockEvaluations);
                TimeSpan compute = ran.RanModel ? Stopwatch.GetElapsedTime(decided) : TimeSpan.Zero;
                if (decision.Mode == StepMode.Full)
                {
                    full += compute;
                }
                else
                {
                    cached += compute;
                }

                long observeStart = Stopwatch.GetTimestamp();

                if (hook is not null && decision.Mode is StepMode.Full or StepMode.MiddleReuse)
                {
                    if (hook.Metrics is Dictionary<string, double> own)
                    {
                        foreach ((string name, double value) in own) // the struct enumerator: nothing allocated per step
                        {
                            metrics[name] = value;
                        }
                    }
                    else
                    {
                        foreach ((string name, double value) in hook.Metrics)
                        {
                            metrics[name] = value;
                        }
                    }
                }

                outputs.Reset(guided, cache.LastOutput, ran.Observed, cache.FullOutputBefore(k), decision.Mode == StepMode.Full && cache.Residual is not null ? residualHost : null);
                observation.Reset(k, decision, outputs, metrics, compute);
                policy.Observe(observation);

                cache.EndStep();
                cache.LastOutput = guided;
                peakBytes = Math.Max(peakBytes, cache.BytesHeld);
                TimeSpan stepOverhead = Stopwatch.GetElapsedTime(stepStart, decided) + Stopwatch.GetElapsedTime(observeStart);
                overhead += stepOverhead;

                solver.Step(k, guided, latentValue, ref nextLatent);
                (latentValue, nextLatent) = (nextLatent!, latentValue);
                context.Latent = latentValue;
                if (!ops.AllFinite(latentValue))
                {
                    throw new NonFiniteLatentException(k, steps, guidance);
                }

                long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                if (record || onStep is not null)
                {
                    var stepRecord = new StepTrace
                    {
                        Step = k,
                        Timestep = timestep,
                        Decision = decision,
                        BlockEvaluations = blockEvaluations,
                        Elapsed = Stopwatch.GetElapsedTime(stepStart),
                        Compute = compute,
                        Overhead = stepOverhead,
                        Metrics = record ? metrics : new Dictionary<string, double>(metrics), // the progress callback may keep it
                        HostToDeviceBytes = this.executor.Transfers.HostToDevice - uploaded,
                        DeviceToHostBytes = this.executor.Transfers.DeviceToHost - downloaded,
                        AllocatedBytes = allocated,
                        TensorBytes = this.executor.Transfers.TensorBytes - tensorBytes,
                    };
                    if (record)
                    {
                        trace.Add(stepRecord);
                    }

                    onStep?.Invoke(stepRecord);
                }

                if (record)
                {
                    metrics = new Dictionary<string, double>(metrics.Count); // the trace keeps this step's; sized so the next fills without growing
                }
                else
                {
                    metrics.Clear(); // reused: nothing keeps it
                }
            }

            latent = ops.ToHost(latentValue);
        }
        finally
        {
            latentValue?.Dispose();
            nextLatent?.Dispose();
            guidedBuffers[0]?.Dispose();
            guidedBuffers[1]?.Dispose();
            context.ScratchDelta?.Dispose();
            this.executor.ReleasePreparedBindings();
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

    public void Dispose()
    {
        this.lowBandBasis?.Dispose();
        this.executor.Dispose();
    }

    /// <summary>FasterCache's low-band frequencies for this package's latent planes on the device, uploaded once per pipeline.</summary>
    private OrtValue LowBandBasis()
    {
        if (this.lowBandBasis is null)
        {
            ModelGeometry g = this.Package.Manifest.Geometry;
            float[] basis = new Numerics.FrequencySplit(g.LatentHeight, g.LatentWidth).LowBandBasis();
            this.lowBandBasis = this.executor.Ops.Upload(basis, 1, basis.Length / g.PlaneSize, g.PlaneSize);
        }

        return this.lowBandBasis;
    }
}
