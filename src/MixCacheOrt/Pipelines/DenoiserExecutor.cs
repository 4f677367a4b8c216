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
    private readonly string[][] blockShared; // per block: its inputs besides the hidden state, all outputs of pre
    private readonly string[] postShared;
    private float[] latentBatch = [];
    private OrtValue? latentBoth; // the device latent repeated to both CFG branches, reused every pass
    private readonly float[][] timesteps = [new float[1], new float[2]];
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
        this.pre = package.Pre.CreateIoBinding();
        this.blocks = [.. package.Blocks.Select(b => b.CreateIoBinding())];
        this.post = package.Post.CreateIoBinding();
        this.Ops = new DeviceTensorOps(package.Settings, this.Transfers);
    }

    public ModelPackage Package { get; }

    public int BlockCount => this.blocks.Length;

    /// <summary>Bytes this executor (and its <see cref="Ops"/>) moved between host arrays and ORT values.</summary>
    public TransferCounter Transfers { get; } = new();

    /// <summary>Slicing and host copies for activations held by caches.</summary>
    internal DeviceTensorOps Ops { get; }

    /// <summary>
    /// One denoiser pass over <paramref name="request"/>'s batch.
    /// </summary>
    /// <returns>The velocity of every batch row and the captured block outputs on the activation device (owned by the caller), and timings.</returns>
    public DenoiserOutput Run(DenoiserRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        int batch = request.Batch;
        ModelGeometry g = this.Package.Manifest.Geometry;
        int latentSize = g.LatentElementCount;
        if (request.LatentValue is { } device ? device.ElementCount() != latentSize : request.Latent.Length != latentSize)
        {
            throw new ArgumentException($"latent must have {latentSize} elements, got {(request.LatentValue is { } v ? v.ElementCount() : request.Latent.Length)}", nameof(request));
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

        long start = Stopwatch.GetTimestamp();
        var captured = new Dictionary<int, OrtValue>();
        OrtOutputs? preOut = null;
        OrtValue? hidden = null;
        OrtValue? residual = null;
        bool ownsHidden = false;
        try
        {
            // pre: latent (replicated per branch) + timestep + text context -> hidden, e, e0, context
            float[] t = this.timesteps[batch - 1];
            Array.Fill(t, request.Timestep);
            this.Transfers.AddHostToDevice(sizeof(float) * (long)t.Length);
            using (OrtValue? hostLatent = request.LatentValue is null ? this.HostLatent(request.Latent, batch) : null)
            using (OrtValue timestep = OrtValues.Tensor(t, batch))
            {
                OrtValue latent = hostLatent ?? this.DeviceLatent(request.LatentValue!, batch);
                this.pre.BindInput("latent", latent);
                this.pre.BindInput("timestep", timestep);
                this.pre.BindInput("context_raw", request.Context);
                foreach (string name in this.preOutputs)
                {
                    this.pre.BindOutputToDevice(name, this.activations);
                }

                preOut = OrtOutputs.Run(this.preSession, this.pre, this.runOptions);
                this.pre.ClearBoundInputs();
            }

            long afterPre = Stopwatch.GetTimestamp();
            hidden = first == 0 ? preOut["hidden"] : request.ResumeHidden!;
            if (request.SkipBlocksResidual is { } skip)
            {
                // Residual cache (TeaCache-style): the block stack is replaced by the residual it added last time.
                hidden = this.Ops.Add(preOut["hidden"], skip);
                ownsHidden = true;
            }

            int blocksRun = 0;
            for (int i = first; i < this.BlockCount; i++)
            {
                if (request.Hook?.BeforeBlock(i, hidden, preOut["hidden"], this.Ops) is { } jump)
                {
                    if (ownsHidden && !captured.ContainsValue(hidden))
                    {
                        hidden.Dispose();
                    }

                    (hidden, ownsHidden) = (jump.Hidden, true);
                    if (jump.Block < i || jump.Block > this.BlockCount)
                    {
                        throw new InvalidOperationException($"a block hook jumped from block {i} to {jump.Block}; it may only skip ahead, up to {this.BlockCount} (post)");
                    }

                    i = jump.Block - 1;
                    continue;
                }

                blocksRun++;
                OrtIoBinding block = this.blocks[i];
                block.BindInput(this.hiddenIn, hidden);
                foreach (string name in this.blockShared[i])
                {
                    block.BindInput(name, preOut[name]); // e0, context, and whatever else every block reads (RoPE tables, masks)
                }

                block.BindOutputToDevice(this.hiddenOut, this.activations);
                OrtValue next;
                using (OrtOutputs outputs = OrtOutputs.Run(this.blockSessions[i], block, this.runOptions))
                {
                    next = outputs.Take(0);
                }

                block.ClearBoundInputs();
                if (ownsHidden && !captured.ContainsValue(hidden))
                {
                    hidden.Dispose();
                }

                hidden = next;
                ownsHidden = true;
                if (request.Capture.Contains(i))
                {
                    captured[i] = next;
                }
            }

            if (request.Hook?.BeforeBlock(this.BlockCount, hidden, preOut["hidden"], this.Ops) is { } last)
            {
                if (ownsHidden && !captured.ContainsValue(hidden))
                {
                    hidden.Dispose();
                }

                (hidden, ownsHidden) = (last.Hidden, true);
            }

            if (request.CaptureResidual)
            {
                residual = this.Ops.Subtract(hidden, preOut["hidden"]);
            }

            long afterBlocks = Stopwatch.GetTimestamp();
            this.post.BindInput(this.hiddenIn, hidden);
            foreach (string name in this.postShared)
            {
                this.post.BindInput(name, preOut[name]);
            }

            this.post.BindOutputToDevice("velocity", this.activations);
            OrtValue velocity;
            using (OrtOutputs outputs = OrtOutputs.Run(this.postSession, this.post, this.runOptions))
            {
                velocity = outputs.Take(0);
            }

            this.post.ClearBoundInputs();
            long end = Stopwatch.GetTimestamp();
            var result = new DenoiserOutput(velocity, batch, latentSize, this.Ops, captured, new PassTimings(
                Stopwatch.GetElapsedTime(start, afterPre), Stopwatch.GetElapsedTime(afterPre, afterBlocks), Stopwatch.GetElapsedTime(afterBlocks, end)),
                blocksRun)
            {
                Residual = residual,
            };
            ownsHidden &= !captured.ContainsValue(hidden); // the last block's output, when captured, now belongs to the result
            captured = null!;
            residual = null;
            return result;
        }
        finally
        {
            if (captured is not null)
            {
                foreach (OrtValue v in captured.Values)
                {
                    v.Dispose();
                }
            }

            if (ownsHidden && hidden is not null && (captured is null || !captured.ContainsValue(hidden)))
            {
                hidden.Dispose();
            }

            residual?.Dispose();
            preOut?.Dispose();
        }
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

        this.Transfers.AddHostToDevice(sizeof(float) * (long)this.latentBatch.Length);
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
        float[] embedding = outputs[output].ToArray<float>();
        this.Transfers.AddHostToDevice(sizeof(float) * ((long)zeros.Length + 1));
        this.Transfers.AddDeviceToHost(sizeof(float) * (long)embedding.Length);
        this.timeEmbeddings[(timestep, output)] = embedding;
        return embedding;
    }

    /// <summary>A stage's inputs besides the hidden state; each must be an output of <c>pre</c>, which computes everything shared.</summary>
    private string[] SharedInputs(InferenceSession session, string graph)
    {
        string[] shared = [.. session.InputNames.Where(n => n != this.hiddenIn)];
        foreach (string name in shared.Where(n => !this.preOutputs.Contains(n)))
        {
            throw new ModelPackageException(
                $"{graph} reads '{name}', which pre does not produce (pre outputs: {string.Join(", ", this.preOutputs)}); re-partition the model so pre computes every tensor the blocks and post share");
        }

        return shared;
    }

    public void Dispose()
    {
        this.pre.Dispose();
        foreach (OrtIoBinding b in this.blocks)
        {
            b.Dispose();
        }

        this.post.Dispose();
        this.latentBoth?.Dispose();
        this.Ops.Dispose();
    }
}

/// <summary>Input of one <see cref="DenoiserExecutor.Run"/> pass.</summary>
public sealed class DenoiserRequest
{
    /// <summary>The current latent [C, F, H, W] on the host (one sample; replicated to every batch row; crosses to the device every pass). Tools and tests.</summary>
    public ReadOnlyMemory<float> Latent { get; init; }

    /// <summary>The current latent [1, C, F, H, W] on the activation device (the pipeline's; takes precedence over <see cref="Latent"/>); not owned by the pass.</summary>
    public OrtValue? LatentValue { get; init; }

    /// <summary>Model timestep (σ · timestep scale).</summary>
    public required float Timestep { get; init; }

    /// <summary>Raw text context [Batch, text_len, text_dim] on the activation device: rows (cond, uncond) or (cond).</summary>
    public required OrtValue Context { get; init; }

    /// <summary>2 = conditional and unconditional branches, 1 = conditional only.</summary>
    public required int Batch { get; init; }

    /// <summary>Block cache: skip blocks 0..i and start from <see cref="ResumeHidden"/> (the output of block i).</summary>
    public int? ResumeAfterBlock { get; init; }

    /// <summary>Hidden state [Batch, tokens, dim] to inject after <see cref="ResumeAfterBlock"/>; not owned by the pass.</summary>
    public OrtValue? ResumeHidden { get; init; }

    /// <summary>Blocks whose outputs the pass returns (owned by the caller).</summary>
    public IReadOnlySet<int> Capture { get; init; } = new HashSet<int>();

    /// <summary>Residual cache: run no block; the hidden state entering <c>post</c> is <c>pre</c>'s hidden + this [Batch, tokens, dim]; not owned by the pass.</summary>
    public OrtValue? SkipBlocksResidual { get; init; }

    /// <summary>Called before every block and before <c>post</c>; may skip ahead with its own hidden state (<see cref="Caching.IBlockHook"/>). Not owned by the pass.</summary>
    public Caching.IBlockHook? Hook { get; init; }

    /// <summary>Return what the blocks added to the hidden state (last block output − <c>pre</c>'s hidden) as <see cref="DenoiserOutput.Residual"/>.</summary>
    public bool CaptureResidual { get; init; }
}

/// <summary>Time spent in the three stages of a pass.</summary>
public readonly record struct PassTimings(TimeSpan Pre, TimeSpan Blocks, TimeSpan Post)
{
    public TimeSpan Total => this.Pre + this.Blocks + this.Post;
}

/// <summary>Result of a pass: the velocity of every batch row and captured block outputs on the activation device (disposed with this object).</summary>
public sealed class DenoiserOutput : IDisposable
{
    private readonly int rowSize;
    private readonly DeviceTensorOps ops;
    private float[]? host;

    internal DenoiserOutput(OrtValue velocity, int batch, int rowSize, DeviceTensorOps ops, Dictionary<int, OrtValue> captured, PassTimings timings, int blocksRun)
    {
        this.Velocity = velocity;
        this.Batch = batch;
        this.rowSize = rowSize;
        this.ops = ops;
        this.Captured = captured;
        this.Timings = timings;
        this.BlocksRun = blocksRun;
    }

    /// <summary>The model output of every batch row, [Batch, C, F, H, W], on the activation device (owned by this object until <see cref="TakeVelocity"/>).</summary>
    public OrtValue Velocity { get; }

    private bool velocityTaken;

    /// <summary>Takes ownership of <see cref="Velocity"/> (it stays readable through this object).</summary>
    public OrtValue TakeVelocity()
    {
        this.velocityTaken = true;
        return this.Velocity;
    }

    public int Batch { get; }

    public PassTimings Timings { get; }

    /// <summary>Transformer blocks this pass executed (for the compute accounting of caching).</summary>
    public int BlocksRun { get; }

    /// <summary>What the blocks added to the hidden state, when requested ([Batch, tokens, dim]; take ownership with <see cref="TakeResidual"/>).</summary>
    public OrtValue? Residual { get; internal set; }

    /// <summary>Takes ownership of <see cref="Residual"/>.</summary>
    public OrtValue TakeResidual()
    {
        OrtValue v = this.Residual ?? throw new InvalidOperationException("the pass did not capture its residual");
        this.Residual = null;
        return v;
    }

    /// <summary>Captured block outputs by block index ([Batch, tokens, dim], on the activation device).</summary>
    public Dictionary<int, OrtValue> Captured { get; }

    /// <summary>Velocity of the conditional branch (row 0), copied to the host at first read (counted; tools and tests).</summary>
    public ReadOnlySpan<float> Conditional => this.Host().AsSpan(0, this.rowSize);

    /// <summary>Velocity of the unconditional branch (row 1), copied to the host at first read; only for batch-2 passes.</summary>
    public ReadOnlySpan<float> Unconditional => this.Batch == 2
        ? this.Host().AsSpan(this.rowSize, this.rowSize)
        : throw new InvalidOperationException("this pass ran the conditional branch only");

    private float[] Host() => this.host ??= this.ops.ToHost(this.Velocity);

    /// <summary>Takes ownership of captured block <paramref name="index"/>'s output.</summary>
    public OrtValue TakeCaptured(int index)
    {
        OrtValue v = this.Captured[index];
        this.Captured.Remove(index);
        return v;
    }

    public void Dispose()
    {
        foreach (OrtValue v in this.Captured.Values)
        {
            v.Dispose();
        }

        this.Captured.Clear();
        this.Residual?.Dispose();
        this.Residual = null;
        if (!this.velocityTaken)
        {
            this.Velocity.Dispose();
        }
    }
}
