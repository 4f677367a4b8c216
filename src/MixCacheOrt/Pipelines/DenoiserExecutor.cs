using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Pipelines;

/// <summary>
/// Runs the per-block denoiser: <c>pre → block_00 … block_{L-1} → post</c>, chained through IO binding. Every
/// activation is an ORT-owned <see cref="OrtValue"/> on the package's device (CPU memory or CUDA device memory) that
/// one session's output binding hands to the next session's input binding; nothing passes through managed arrays
/// but the timestep (and a host latent when a caller passes one instead of a device latent).
/// </summary>
/// <remarks>
/// This is the seam caching policies use: a pass can run both CFG branches (batch 2) or the conditional branch only
/// (batch 1), resume after block i from an injected hidden state (block cache), and keep the outputs of chosen
/// blocks. Not thread-safe (one executor per generation thread).
/// </remarks>
public sealed class DenoiserExecutor : IDisposable
{
    private readonly OrtIoBinding pre;
    private readonly OrtIoBinding[] blocks;
    private readonly OrtIoBinding post;
    private readonly OrtMemoryInfo activations;
    private readonly RunOptions? runOptions;
    private readonly InferenceSession preSession;
    private readonly InferenceSession[] blockSessions;
    private readonly InferenceSession postSession;
    private readonly string hiddenIn;
    private readonly string hiddenOut;
    private readonly string[] preOutputs;
    private readonly (string Name, int PreOutput)[][] blockShared; // per block: its inputs besides the hidden state, all outputs of pre
    private readonly (string Name, int PreOutput)[] postShared;
    private readonly int preHiddenIndex;
    private readonly BatchBuffers[] buffers;
    private readonly Dictionary<InferenceSession, OrtIoBinding> oneOff = [];
    private readonly Dictionary<StageKey, OrtIoBinding> preparedStages = [];
    private readonly HashSet<StageKey> seenStages = [];
    private bool oneOffInUse;
    private float[] latentBatch = [];
    private OrtValue? latentBoth; // the device latent repeated to both CFG branches, reused every pass
    private readonly Dictionary<(float Timestep, string Output), float[]> timeEmbeddings = [];

    public DenoiserExecutor(ModelPackage package, RunOptions? runOptions = null)
    {
        ArgumentNullException.ThrowIfNull(package);
        this.Package = package;
        this.runOptions = runOptions;
        this.activations = package.Settings.ActivationMemory;
        this.hiddenIn = package.Manifest.Blocks.HiddenInput;
        this.hiddenOut = package.Manifest.Blocks.HiddenOutput;
        this.preSession = package.Pre;
        this.blockSessions = [.. package.Blocks];
        this.postSession = package.Post;
        this.preOutputs = [.. package.Pre.OutputNames];
        this.blockShared = [.. this.blockSessions.Select((b, i) => this.SharedInputs(b, $"block_{i:D2}"))];
        this.postShared = this.SharedInputs(package.Post, "post");
        this.preHiddenIndex = Array.IndexOf(this.preOutputs, "hidden");
        if (this.preHiddenIndex < 0)
        {
            throw new ModelPackageException($"pre does not output 'hidden' (outputs: {string.Join(", ", this.preOutputs)}); re-export the package");
        }

        this.pre = package.Pre.CreateIoBinding();
        this.blocks = [.. package.Blocks.Select(b => b.CreateIoBinding())];
        this.post = package.Post.CreateIoBinding();
        this.oneOff[this.preSession] = this.pre;
        for (int i = 0; i < this.blocks.Length; i++)
        {
            this.oneOff[this.blockSessions[i]] = this.blocks[i];
        }

        this.oneOff[this.postSession] = this.post;
        this.Ops = new DeviceTensorOps(package.Settings, this.Transfers);
        int rowSize = package.Manifest.Geometry.LatentElementCount;
        this.buffers = [new BatchBuffers(1, rowSize, this.Ops), new BatchBuffers(2, rowSize, this.Ops)];
    }

    public ModelPackage Package { get; }

    public int BlockCount => this.blocks.Length;

    /// <summary>Bytes this executor (and its <see cref="Ops"/>) moved between host arrays and ORT values.</summary>
    public TransferCounter Transfers { get; } = new();

    /// <summary>Slicing and host copies for activations held by caches.</summary>
    internal DeviceTensorOps Ops { get; }

    /// <summary>
    /// One denoiser pass over <paramref name="request"/>'s batch, with results the caller owns (tools, tests).
    /// </summary>
    /// <returns>The velocity of every batch row and the captured block outputs on the activation device (owned by the caller), and timings.</returns>
    public DenoiserOutput Run(DenoiserRequest request)
    {
        DenoiserOutput view = this.RunInPlace(request);
        OrtValue? velocity = null, residual = null;
        var captured = new Dictionary<int, OrtValue>();
        try
        {
            this.Ops.Copy(view.Velocity, ref velocity);
            foreach ((int index, OrtValue value) in view.Captured)
            {
                OrtValue? copy = null;
                this.Ops.Copy(value, ref copy);
                captured[index] = copy!;
            }

            if (view.Residual is { } r)
            {
                this.Ops.Copy(r, ref residual);
            }
        }
        catch
        {
            velocity?.Dispose();
            residual?.Dispose();
            foreach (OrtValue v in captured.Values)
            {
                v.Dispose();
            }

            throw;
        }

        return new DenoiserOutput(velocity!, view.Batch, view.RowSize, this.Ops, captured, view.Timings, view.BlocksRun, owns: true) { Residual = residual };
    }

    /// <summary>
    /// One pass into the executor's own buffers (the pipeline's path): the velocity, captured block outputs and the
    /// residual are views valid until the next pass of the same batch size, and the returned object is reused too.
    /// Every buffer (pre's outputs, two hidden states that alternate between blocks, captures, the velocity) is
    /// allocated at the first pass of each batch size, and the bindings of values that recur are prepared once, so a
    /// pass after the first binds nothing and allocates no managed memory.
    /// </summary>
    internal DenoiserOutput RunInPlace(DenoiserRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        int batch = request.Batch;
        ModelGeometry g = this.Package.Manifest.Geometry;
        int latentSize = g.LatentElementCount;
        long given = request.LatentValue is { } device ? Elements(this.Ops.ShapeOf(device)) : request.Latent.Length;
        if (given != latentSize)
        {
            throw new ArgumentException($"latent must have {latentSize} elements, got {given}", nameof(request));
        }

        if (batch is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(nameof(request), batch, "batch must be 1 (conditional only) or 2 (conditional, unconditional)");
        }

        int first = request.ResumeAfterBlock is int resumed ? resumed + 1 : 0;
        if (request.ResumeAfterBlock is int r && (r < 0 || r >= this.BlockCount - 1 || request.ResumeHidden is null))
        {
            throw new ArgumentException($"resume needs a block index in [0, {this.BlockCount - 2}] and its hidden state", nameof(request));
        }

        if (request.SkipBlocksResidual is not null && (request.ResumeAfterBlock is not null || request.CaptureResidual))
        {
            throw new ArgumentException("a residual skip runs no block: it cannot resume from a block or capture a residual", nameof(request));
        }

        if (request.SkipBlocksResidual is not null)
        {
            first = this.BlockCount;
        }

        BatchBuffers buffers = this.buffers[batch - 1];
        buffers.Output.Reset();
        long start = Stopwatch.GetTimestamp();
        {
            // pre: latent (replicated per branch) + timestep + text context -> hidden, e, e0, context, ...
            Array.Fill(buffers.Timesteps, request.Timestep);
            this.Transfers.AddHostToDevice(sizeof(float) * (long)batch);
            using (OrtValue? hostLatent = request.LatentValue is null ? this.HostLatent(request.Latent, batch) : null)
            {
                OrtValue latent = hostLatent ?? this.DeviceLatent(request.LatentValue!, batch);
                this.RunPre(buffers, latent, request.Context);
            }

            long afterPre = Stopwatch.GetTimestamp();
            OrtValue preHidden = buffers.PreOutput(this.preHiddenIndex);
            OrtValue hidden = first == 0 ? preHidden : request.ResumeHidden!;
            if (request.SkipBlocksResidual is { } skip)
            {
                // Residual cache (TeaCache-style): the block stack is replaced by the residual it added last time.
                this.Ops.Add(preHidden, skip, ref buffers.SkipHidden);
                hidden = buffers.SkipHidden!;
            }

            int blocksRun = 0;
            for (int i = first; i < this.BlockCount; i++)
            {
                if (request.Hook?.BeforeBlock(i, hidden, preHidden, this.Ops) is { } jump)
                {
                    if (jump.Block < i || jump.Block > this.BlockCount)
                    {
                        throw new InvalidOperationException($"a block hook jumped from block {i} to {jump.Block}; it may only skip ahead, up to {this.BlockCount} (post)");
                    }

                    hidden = jump.Hidden;
                    i = jump.Block - 1;
                    continue;
                }

                blocksRun++;
                hidden = this.RunBlock(buffers, i, hidden);
                if (request.Capture.Contains(i))
                {
                    // The hidden buffers alternate, so a kept output is copied out before block i + 2 overwrites it.
                    OrtValue? kept = buffers.Captures.GetValueOrDefault(i);
                    this.Ops.Copy(hidden, ref kept);
                    buffers.Captures[i] = kept!;
                    buffers.Output.Captured[i] = kept!;
                }
            }

            if (request.Hook?.BeforeBlock(this.BlockCount, hidden, preHidden, this.Ops) is { } last)
            {
                hidden = last.Hidden;
            }

            if (request.CaptureResidual)
            {
                this.Ops.Subtract(hidden, preHidden, ref buffers.Residual);
                buffers.Output.Residual = buffers.Residual;
            }

            long afterBlocks = Stopwatch.GetTimestamp();
            this.RunPost(buffers, hidden);
            long end = Stopwatch.GetTimestamp();
            buffers.Output.Set(buffers.Velocity!, new PassTimings(
                Stopwatch.GetElapsedTime(start, afterPre), Stopwatch.GetElapsedTime(afterPre, afterBlocks), Stopwatch.GetElapsedTime(afterBlocks, end)), blocksRun);
            return buffers.Output;
        }
    }

    private static long Elements(long[] shape)
    {
        long n = 1;
        foreach (long d in shape)
        {
            n *= d;
        }

        return n;
    }

    /// <summary>Runs <c>pre</c> into the batch's persistent outputs (allocated at the first pass).</summary>
    private void RunPre(BatchBuffers buffers, OrtValue latent, OrtValue context)
    {
        if (buffers.PreOutputs is { } outputs)
        {
            OrtIoBinding binding = this.StageBinding(new StageKey(-1, buffers.Batch, latent, context), this.preSession, out bool prepared);
            if (!prepared)
            {
                binding.BindInput("latent", latent);
                binding.BindInput("timestep", buffers.TimestepValue);
                binding.BindInput("context_raw", context);
                for (int o = 0; o < this.preOutputs.Length; o++)
                {
                    binding.BindOutput(this.preOutputs[o], outputs[o]);
                }
            }

            this.preSession.RunWithBinding(this.runOptions ?? OrtOutputs.DefaultRunOptions, binding);
            this.EndStage(binding, prepared);
            return;
        }

        buffers.PreOutputs = this.RunFirstPre(buffers, latent, context);
    }

    /// <summary>The first pass of a batch size: pre allocates its outputs, which the batch keeps.</summary>
    private OrtValue[] RunFirstPre(BatchBuffers buffers, OrtValue latent, OrtValue context)
    {
        this.pre.BindInput("latent", latent);
        this.pre.BindInput("timestep", buffers.TimestepValue);
        this.pre.BindInput("context_raw", context);
        foreach (string name in this.preOutputs)
        {
            this.pre.BindOutputToDevice(name, this.activations);
        }

        using OrtOutputs first = OrtOutputs.Run(this.preSession, this.pre, this.runOptions);
        this.pre.ClearBoundInputs();
        return [.. this.preOutputs.Select(first.Take)];
    }

    /// <summary>Runs block <paramref name="i"/> on <paramref name="hidden"/> into the hidden buffer it does not read; returns that buffer.</summary>
    private OrtValue RunBlock(BatchBuffers buffers, int i, OrtValue hidden)
    {
        ref OrtValue? target = ref ReferenceEquals(hidden, buffers.HiddenA) ? ref buffers.HiddenB : ref buffers.HiddenA;
        return this.RunHiddenStage(i, this.blockSessions[i], hidden, this.blockShared[i], buffers, this.hiddenOut, ref target);
    }

    /// <summary>Runs <c>post</c> on <paramref name="hidden"/> into the batch's velocity buffer.</summary>
    private void RunPost(BatchBuffers buffers, OrtValue hidden) =>
        this.RunHiddenStage(this.BlockCount, this.postSession, hidden, this.postShared, buffers, "velocity", ref buffers.Velocity);

    /// <summary>
    /// Runs a stage that reads the hidden state and what <c>pre</c> shares (a block, or <c>post</c>) into
    /// <paramref name="target"/>: allocated by the stage's one-off binding at the first pass of the batch size, then
    /// bound as the output of a binding prepared for these values.
    /// </summary>
    private OrtValue RunHiddenStage(int stage, InferenceSession session, OrtValue hidden, (string Name, int PreOutput)[] shared, BatchBuffers buffers,
        string output, ref OrtValue? target)
    {
        bool first = target is null, prepared = false;
        OrtIoBinding binding = first ? this.oneOff[session] : this.StageBinding(new StageKey(stage, buffers.Batch, hidden, target), session, out prepared);
        if (!prepared)
        {
            binding.BindInput(this.hiddenIn, hidden);
            foreach ((string name, int index) in shared)
            {
                binding.BindInput(name, buffers.PreOutput(index)); // e0, context, and whatever else every block reads (RoPE tables, masks)
            }

            if (first)
            {
                binding.BindOutputToDevice(output, this.activations);
            }
            else
            {
                binding.BindOutput(output, target!);
            }
        }

        if (first)
        {
            using (OrtOutputs outputs = OrtOutputs.Run(session, binding, this.runOptions))
            {
                target = outputs.Take(0);
            }

            binding.ClearBoundInputs();
            return target;
        }

        session.RunWithBinding(this.runOptions ?? OrtOutputs.DefaultRunOptions, binding);
        this.EndStage(binding, prepared);
        return target!;
    }

    /// <summary>
    /// The binding of a stage for these values: prepared (already bound, kept) when they met before, else the stage's
    /// one-off binding, to bind now and clear after the run (values that never recur, such as a hook's hidden state,
    /// are not kept alive by a prepared binding).
    /// </summary>
    private OrtIoBinding StageBinding(StageKey key, InferenceSession session, out bool prepared)
    {
        if (this.preparedStages.TryGetValue(key, out OrtIoBinding? binding))
        {
            prepared = true;
            return binding;
        }

        prepared = false;
        if (this.seenStages.Count >= 4096)
        {
            this.ReleasePreparedBindings();
        }

        if (this.seenStages.Add(key))
        {
            this.oneOffInUse = true;
            return this.oneOff[session];
        }

        binding = session.CreateIoBinding();
        this.preparedStages[key] = binding;
        return binding;
    }

    /// <summary>After a stage's run: a one-off binding lets go of its values.</summary>
    private void EndStage(OrtIoBinding binding, bool prepared)
    {
        if (!prepared && this.oneOffInUse)
        {
            binding.ClearBoundInputs();
            binding.ClearBoundOutputs();
        }

        this.oneOffInUse = false;
    }

    /// <summary>
    /// Disposes the bindings prepared for the values of past passes (a prepared binding keeps its values' buffers
    /// alive) and those of <see cref="Ops"/>. The pipeline calls it at the end of every generation.
    /// </summary>
    internal void ReleasePreparedBindings()
    {
        foreach (OrtIoBinding b in this.preparedStages.Values)
        {
            b.Dispose();
        }

        this.preparedStages.Clear();
        this.seenStages.Clear();
        this.Ops.ReleasePreparedBindings();
    }

    /// <summary>A host latent replicated to every batch row, bound from pinned host memory (counted: it crosses to the device).</summary>
    private OrtValue HostLatent(ReadOnlyMemory<float> latent, int batch)
    {
        int size = latent.Length;
        if (this.latentBatch.Length != batch * size)
        {
            this.latentBatch = new float[batch * size];
        }

        for (int b = 0; b < batch; b++)
        {
            latent.Span.CopyTo(this.latentBatch.AsSpan(b * size, size));
        }

        this.Transfers.AddTensorToDevice(sizeof(float) * (long)this.latentBatch.Length);
        return OrtValues.Tensor(this.latentBatch.AsMemory(), [batch, .. this.Package.Manifest.Geometry.LatentShape]);
    }

    /// <summary>A device latent [1, …] as the batch the pass runs: itself, or repeated into a buffer kept for the next pass.</summary>
    private OrtValue DeviceLatent(OrtValue latent, int batch)
    {
        if (batch == 1)
        {
            return latent;
        }

        this.Ops.RepeatBatch(latent, ref this.latentBoth);
        return this.latentBoth!;
    }

    /// <summary>
    /// The time embedding <paramref name="output"/> (<c>e</c> [dim] or <c>e0</c> [6·dim]) for <paramref name="timestep"/>,
    /// on the host. It depends on the timestep only, so policies that compare it across steps (TeaCache) can get the
    /// whole schedule before the first step; <c>pre</c> runs once on a zero latent per timestep, and the result is
    /// kept for later generations with the same schedule. The returned array is shared: read it, do not modify it.
    /// </summary>
    public float[] TimeEmbedding(float timestep, OrtValue conditionalContext, string output = "e")
    {
        ArgumentNullException.ThrowIfNull(conditionalContext);
        if (output is not ("e" or "e0"))
        {
            throw new ArgumentException($"time embedding output must be 'e' or 'e0', not '{output}'", nameof(output));
        }

        if (this.timeEmbeddings.TryGetValue((timestep, output), out float[]? known))
        {
            return known;
        }

        ModelGeometry g = this.Package.Manifest.Geometry;
        float[] zeros = new float[g.LatentElementCount];
        using OrtValue latent = OrtValues.Tensor(zeros, [1, .. g.LatentShape]);
        using OrtValue t = OrtValues.Tensor(new[] { timestep }, 1);
        this.pre.BindInput("latent", latent);
        this.pre.BindInput("timestep", t);
        this.pre.BindInput("context_raw", conditionalContext);
        foreach (string name in this.preOutputs)
        {
            this.pre.BindOutputToDevice(name, name == output ? OrtDevices.Cpu : this.activations);
        }

        using OrtOutputs outputs = OrtOutputs.Run(this.preSession, this.pre, this.runOptions);
        this.pre.ClearBoundInputs();
        OrtValue value = outputs[output];
        float[] embedding = value.GetTensorTypeAndShape().ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16
            ? [.. value.GetTensorDataAsSpan<Float16>().ToArray().Select(h => (float)h)] // fp16 packages
            : value.ToArray<float>();
        this.Transfers.AddTensorToDevice(sizeof(float) * ((long)zeros.Length + 1));
        this.Transfers.AddTensorToHost(sizeof(float) * (long)embedding.Length);
        this.timeEmbeddings[(timestep, output)] = embedding;
        return embedding;
    }

    /// <summary>A stage's inputs besides the hidden state; each must be an output of <c>pre</c>, which computes everything shared.</summary>
    private (string Name, int PreOutput)[] SharedInputs(InferenceSession session, string graph)
    {
        string[] shared = [.. session.InputNames.Where(n => n != this.hiddenIn)];
        foreach (string name in shared.Where(n => !this.preOutputs.Contains(n)))
        {
            throw new ModelPackageException(
                $"{graph} reads '{name}', which pre does not produce (pre outputs: {string.Join(", ", this.preOutputs)}); re-partition the model so pre computes every tensor the blocks and post share");
        }

        return [.. shared.Select(n => (n, Array.IndexOf(this.preOutputs, n)))];
    }

    public void Dispose()
    {
        this.pre.Dispose();
        foreach (OrtIoBinding b in this.blocks)
        {
            b.Dispose();
        }

        this.post.Dispose();
        this.ReleasePreparedBindings();
        foreach (BatchBuffers b in this.buffers)
        {
            b.Dispose();
        }

        this.latentBoth?.Dispose();
        this.Ops.Dispose();
    }
}

/// <summary>Input of one <see cref="DenoiserExecutor.Run"/> pass (settable, so a caller running many passes can reuse one).</summary>
public sealed class DenoiserRequest
{
    /// <summary>The current latent [C, F, H, W] on the host (one sample; replicated to every batch row; crosses to the device every pass). Tools and tests.</summary>
    public ReadOnlyMemory<float> Latent { get; set; }

    /// <summary>The current latent [1, C, F, H, W] on the activation device (the pipeline's; takes precedence over <see cref="Latent"/>); not owned by the pass.</summary>
    public OrtValue? LatentValue { get; set; }

    /// <summary>Model timestep (σ · timestep scale).</summary>
    public required float Timestep { get; set; }

    /// <summary>Raw text context [Batch, text_len, text_dim] on the activation device: rows (cond, uncond) or (cond).</summary>
    public required OrtValue Context { get; set; }

    /// <summary>2 = conditional and unconditional branches, 1 = conditional only.</summary>
    public required int Batch { get; set; }

    /// <summary>Block cache: skip blocks 0..i and start from <see cref="ResumeHidden"/> (the output of block i).</summary>
    public int? ResumeAfterBlock { get; set; }

    /// <summary>Hidden state [Batch, tokens, dim] to inject after <see cref="ResumeAfterBlock"/>; not owned by the pass.</summary>
    public OrtValue? ResumeHidden { get; set; }

    /// <summary>Blocks whose outputs the pass returns (owned by the caller).</summary>
    public IReadOnlySet<int> Capture { get; set; } = new HashSet<int>();

    /// <summary>Residual cache: run no block; the hidden state entering <c>post</c> is <c>pre</c>'s hidden + this [Batch, tokens, dim]; not owned by the pass.</summary>
    public OrtValue? SkipBlocksResidual { get; set; }

    /// <summary>Called before every block and before <c>post</c>; may skip ahead with its own hidden state (<see cref="Caching.IBlockHook"/>). Not owned by the pass.</summary>
    public Caching.IBlockHook? Hook { get; set; }

    /// <summary>Return what the blocks added to the hidden state (last block output − <c>pre</c>'s hidden) as <see cref="DenoiserOutput.Residual"/>.</summary>
    public bool CaptureResidual { get; set; }
}

/// <summary>Time spent in the three stages of a pass.</summary>
public readonly record struct PassTimings(TimeSpan Pre, TimeSpan Blocks, TimeSpan Post)
{
    public TimeSpan Total => this.Pre + this.Blocks + this.Post;
}

/// <summary>
/// Result of a pass: the velocity of every batch row and captured block outputs on the activation device. From
/// <see cref="DenoiserExecutor.Run"/> the caller owns it (disposing it disposes the values); the pipeline's in-place
/// passes return views of the executor's buffers, valid until the next pass of the same batch size.
/// </summary>
public sealed class DenoiserOutput : IDisposable
{
    private readonly DeviceTensorOps ops;
    private readonly bool owns;
    private float[]? host;

    internal DenoiserOutput(OrtValue velocity, int batch, int rowSize, DeviceTensorOps ops, Dictionary<int, OrtValue> captured, PassTimings timings, int blocksRun,
        bool owns)
    {
        this.Velocity = velocity;
        this.Batch = batch;
        this.RowSize = rowSize;
        this.ops = ops;
        this.Captured = captured;
        this.Timings = timings;
        this.BlocksRun = blocksRun;
        this.owns = owns;
    }

    /// <summary>A reusable view for in-place passes (filled by <see cref="Set"/>).</summary>
    internal DenoiserOutput(int batch, int rowSize, DeviceTensorOps ops)
        : this(null!, batch, rowSize, ops, [], default, 0, owns: false)
    {
    }

    /// <summary>The model output of every batch row, [Batch, C, F, H, W], on the activation device.</summary>
    public OrtValue Velocity { get; private set; }

    public int Batch { get; }

    internal int RowSize { get; }

    public PassTimings Timings { get; private set; }

    /// <summary>Transformer blocks this pass executed (for the compute accounting of caching).</summary>
    public int BlocksRun { get; private set; }

    /// <summary>What the blocks added to the hidden state, when requested ([Batch, tokens, dim]).</summary>
    public OrtValue? Residual { get; internal set; }

    /// <summary>Captured block outputs by block index ([Batch, tokens, dim], on the activation device).</summary>
    public Dictionary<int, OrtValue> Captured { get; }

    /// <summary>Velocity of the conditional branch (row 0), copied to the host at first read (counted; tools and tests).</summary>
    public ReadOnlySpan<float> Conditional => this.Host().AsSpan(0, this.RowSize);

    /// <summary>Velocity of the unconditional branch (row 1), copied to the host at first read; only for batch-2 passes.</summary>
    public ReadOnlySpan<float> Unconditional => this.Batch == 2
        ? this.Host().AsSpan(this.RowSize, this.RowSize)
        : throw new InvalidOperationException("this pass ran the conditional branch only");

    /// <summary>Disposes the values when the caller owns them (<see cref="DenoiserExecutor.Run"/>); views need no disposal.</summary>
    public void Dispose()
    {
        if (!this.owns)
        {
            return;
        }

        foreach (OrtValue v in this.Captured.Values)
        {
            v.Dispose();
        }

        this.Captured.Clear();
        this.Residual?.Dispose();
        this.Residual = null;
        this.Velocity.Dispose();
    }

    internal void Reset()
    {
        this.Captured.Clear();
        this.Residual = null;
        this.host = null;
    }

    internal void Set(OrtValue velocity, PassTimings timings, int blocksRun)
    {
        this.Velocity = velocity;
        this.Timings = timings;
        this.BlocksRun = blocksRun;
    }

    private float[] Host() => this.host ??= this.ops.ToHost(this.Velocity);
}

/// <summary>What a pass at one batch size keeps between passes: inputs it binds and every buffer it writes.</summary>
internal sealed class BatchBuffers : IDisposable
{
    public OrtValue? HiddenA;
    public OrtValue? HiddenB;
    public OrtValue? SkipHidden;
    public OrtValue? Residual;
    public OrtValue? Velocity;

    public BatchBuffers(int batch, int rowSize, DeviceTensorOps ops)
    {
        this.Batch = batch;
        this.Timesteps = new float[batch];
        this.TimestepValue = OrtValues.Tensor(this.Timesteps, batch);
        this.Output = new DenoiserOutput(batch, rowSize, ops);
    }

    public int Batch { get; }

    /// <summary>The timestep of every row (host memory, bound as it is: only these floats cross per pass).</summary>
    public float[] Timesteps { get; }

    public OrtValue TimestepValue { get; }

    /// <summary>pre's outputs in its output order, allocated at the first pass.</summary>
    public OrtValue[]? PreOutputs { get; set; }

    /// <summary>Copies of captured block outputs (the hidden buffers alternate), by block index.</summary>
    public Dictionary<int, OrtValue> Captures { get; } = [];

    public DenoiserOutput Output { get; }

    public OrtValue PreOutput(int index) => this.PreOutputs![index];

    public void Dispose()
    {
        foreach (OrtValue v in this.PreOutputs ?? [])
        {
            v.Dispose();
        }

        foreach (OrtValue v in this.Captures.Values)
        {
            v.Dispose();
        }

        foreach (OrtValue? v in (OrtValue?[])[this.HiddenA, this.HiddenB, this.SkipHidden, this.Residual, this.Velocity])
        {
            v?.Dispose();
        }

        this.TimestepValue.Dispose();
        (this.PreOutputs, this.HiddenA, this.HiddenB, this.SkipHidden, this.Residual, this.Velocity) = (null, null, null, null, null, null);
        this.Captures.Clear();
    }
}

/// <summary>The values one stage of a pass was bound to (reference identity): stage −1 = pre, 0…L−1 = blocks, L = post.</summary>
internal readonly record struct StageKey(int Stage, int Batch, OrtValue? A, OrtValue? B);
