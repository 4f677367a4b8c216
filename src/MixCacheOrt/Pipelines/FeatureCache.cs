using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Pipelines;

/// <summary>
/// What a generation keeps for caching, all as ORT values on the activation device: the last guided output and the
/// last full steps' outputs, Δcfg = uncond − cond of the last full step (and its low band for FasterCache), residuals
/// and the conditional outputs of candidate blocks. Buffers are allocated at first use and reused every step. One per generation; disposed at
/// its end, so a batch of generations does not accumulate memory.
/// </summary>
/// <remarks>
/// With <c>history</c> (policies that forecast, <see cref="CacheNeeds.Forecast"/>) every cached quantity also keeps
/// the value it replaced and both steps, so a decision with <see cref="CacheDecision.Forecast"/> gets a first-order
/// extrapolation (<see cref="Numerics.Forecast"/>) instead of the last value.
/// </remarks>
internal sealed class FeatureCache : IDisposable, IBlockOutputReader
{
    private readonly DeviceTensorOps ops;
    private readonly bool history;
    private readonly bool fullOutputs;
    private readonly Dictionary<int, int> blockSteps = [];
    private readonly Dictionary<int, (OrtValue Value, int Step)> previousBlocks = []; // the value each store replaced, in the buffer the next store reuses
    private readonly HashSet<int> pending = []; // blocks whose previous value is readable this step
    private OrtValue? residual;
    private OrtValue? olderResidual;
    private int olderResidualStep = -1;
    private int residualStep = -1;
    private OrtValue? forecastResidual; // scratch
    private OrtValue? forecastBlock; // scratch
    private readonly OrtValue? lowBandBasis;
    private readonly float lowBandScale;
    private OrtValue? fullOutput;
    private OrtValue? olderFullOutput;
    private int fullOutputStep = -1;
    private int olderFullOutputStep = -1;
    private OrtValue? cfgDelta;
    private OrtValue? olderCfgDelta;
    private OrtValue? lowBand;
    private OrtValue? deltaEstimate; // scratch: the Δcfg a cfg/block step uses when it is not the cached one
    private int cfgDeltaStep = -1;
    private int olderCfgDeltaStep = -1;
    private int storeStep = -1;
    private readonly Dictionary<int, OrtValue> blocks = [];
    private readonly Dictionary<int, OrtValue?> branchBlocks = []; // both CFG branches (batch 2), for BranchBlockReuse
    private readonly HashSet<int> cachedBlocks = []; // the keys of blocks, kept so availability checks do not allocate
    private readonly Dictionary<int, HostMirror> mirrors = []; // host copies for distance observers, reused every step
    private readonly List<int> computed = []; // a list: policies index it, no enumerator per step
    private float[]? residualHost;
    private bool residualHostValid;

    /// <param name="ops">Device operations on the activation device.</param>
    /// <param name="history">Keep the two last values of everything cached (forecasts).</param>
    /// <param name="lowBandBasis">FasterCache's low-band frequencies ([1, 2K, H·W], <see cref="Numerics.FrequencySplit.LowBandBasis"/>; not owned): full steps also keep Δcfg's low band.</param>
    /// <param name="lowBandScale">1 / (H·W) for <paramref name="lowBandBasis"/>.</param>
    /// <param name="fullOutputs">Keep device copies of the last two full steps' guided outputs (<see cref="CacheNeeds.LastFullOutput"/>; always with history).</param>
    public FeatureCache(DeviceTensorOps ops, bool history = false, OrtValue? lowBandBasis = null, float lowBandScale = 0f, bool fullOutputs = false)
    {
        this.ops = ops;
        this.fullOutputs = fullOutputs || history;
        this.history = history;
        this.lowBandBasis = lowBandBasis;
        this.lowBandScale = lowBandScale;
    }

    /// <summary>The guided output of the previous step, on the activation device (not owned: the pipeline's buffer).</summary>
    public OrtValue? LastOutput { get; set; }

    /// <summary>Δcfg = uncond − cond of the last full step [1, C, F, H, W], on the activation device.</summary>
    public OrtValue? CfgDelta => this.cfgDelta;

    public IReadOnlySet<int> CachedBlocks => this.cachedBlocks;

    /// <summary>What the block stack added at the last full step, both branches [2, tokens, dim].</summary>
    public OrtValue? Residual => this.residual;

    public IReadOnlyList<int> Computed => this.computed;

    /// <summary>
    /// Bytes held by cached tensors (block outputs, residuals, Δcfg and its low band, the last output and the last full
    /// outputs, forecast scratch): the extra memory caching costs.
    /// </summary>
    public long BytesHeld
    {
        get
        {
            long bytes = 0;
            foreach (OrtValue v in this.blocks.Values)
            {
                bytes += this.Size(v);
            }

            foreach (OrtValue? v in this.branchBlocks.Values)
            {
                bytes += this.Size(v);
            }

            foreach ((OrtValue v, int _) in this.previousBlocks.Values)
            {
                bytes += this.Size(v);
            }

            return bytes + this.Size(this.residual) + this.Size(this.olderResidual) + this.Size(this.forecastResidual) + this.Size(this.forecastBlock)
                + this.Size(this.cfgDelta) + this.Size(this.olderCfgDelta) + this.Size(this.lowBand) + this.Size(this.deltaEstimate) + this.Size(this.LastOutput)
                + this.Size(this.fullOutput) + this.Size(this.olderFullOutput);
        }
    }

    public CacheAvailability Availability => new(this.LastOutput is not null, this.cfgDelta is not null, this.CachedBlocks, this.Residual is not null);

    public OrtValue Block(int index) => this.blocks[index];

    public OrtValue? BranchBlock(int index) => this.branchBlocks.GetValueOrDefault(index);

    /// <summary>
    /// Host copy of <see cref="Residual"/>, made once per residual into a buffer reused for the whole generation (valid
    /// until the next <see cref="SetResidual"/>).
    /// </summary>
    public float[]? ResidualHost()
    {
        if (this.Residual is null)
        {
            return null;
        }

        if (!this.residualHostValid)
        {
            this.residualHost = CopyInto(this.residualHost, this.Residual);
            this.residualHostValid = true;
        }

        return this.residualHost;
    }

    /// <summary>Keeps a copy of the residual computed at <paramref name="step"/> (with history, the previous one becomes the older value).</summary>
    public void SetResidual(OrtValue value, int step)
    {
        this.residualHostValid = false;
        if (this.history && this.residual is not null)
        {
            (this.residual, this.olderResidual) = (this.olderResidual, this.residual);
            this.olderResidualStep = this.residualStep;
        }

        this.ops.Copy(value, ref this.residual);
        this.residualStep = step;
    }

    /// <summary>
    /// The residual to inject at <paramref name="step"/>: forecast from the last two (a scratch buffer valid until the
    /// next call), or null when only one exists (then <see cref="Residual"/> is reused).
    /// </summary>
    public OrtValue? ForecastResidual(int step)
    {
        if (this.olderResidual is not { } older || Numerics.Forecast.Scale(step, this.residualStep, this.olderResidualStep) is not (float scale and not 0f))
        {
            return null;
        }

        this.ops.Extrapolate(this.residual!, older, scale, ref this.forecastResidual);
        return this.forecastResidual;
    }

    /// <summary>
    /// The conditional output of <paramref name="block"/> to resume from at <paramref name="step"/>: with history, forecast
    /// from its last two computations (a scratch buffer valid until the next call), or null (then <see cref="Block"/>).
    /// </summary>
    public OrtValue? ForecastBlock(int block, int step)
    {
        if (!this.history || !this.previousBlocks.TryGetValue(block, out var older)
            || Numerics.Forecast.Scale(step, this.blockSteps[block], older.Step) is not (float scale and not 0f))
        {
            return null;
        }

        this.ops.Extrapolate(this.blocks[block], older.Value, scale, ref this.forecastBlock);
        return this.forecastBlock;
    }

    /// <summary>Keeps a device copy of the guided output of full step <paramref name="step"/> (and the one before it).</summary>
    public void RecordFullOutput(int step, OrtValue output)
    {
        if (!this.fullOutputs)
        {
            return;
        }

        (this.fullOutput, this.olderFullOutput) = (this.olderFullOutput, this.fullOutput);
        (this.fullOutputStep, this.olderFullOutputStep) = (step, this.fullOutputStep);
        this.ops.Copy(output, ref this.fullOutput);
    }

    /// <summary>The guided output of the last full step before <paramref name="step"/>, or null.</summary>
    public OrtValue? FullOutputBefore(int step) =>
        this.fullOutputStep >= 0 && this.fullOutputStep < step ? this.fullOutput
        : this.olderFullOutputStep >= 0 && this.olderFullOutputStep < step ? this.olderFullOutput
        : null;

    /// <summary>
    /// The step output at <paramref name="step"/> into <paramref name="destination"/>: with history, forecast from the
    /// last two full outputs; else the last output.
    /// </summary>
    public void ForecastOutput(int step, ref OrtValue? destination)
    {
        if (!this.history || this.fullOutput is null)
        {
            this.ops.Copy(this.LastOutput!, ref destination);
            return;
        }

        float scale = Numerics.Forecast.Scale(step, this.fullOutputStep, this.olderFullOutputStep);
        if (scale == 0f || this.olderFullOutput is null)
        {
            this.ops.Copy(this.fullOutput, ref destination);
            return;
        }

        // latest · (1 + s) − older · s, in Numerics.Forecast.Extrapolate's order.
        this.ops.Combine([(this.olderFullOutput, -scale), (this.fullOutput, 1f + scale)], ref destination);
    }

    /// <summary>
    /// Where full step <paramref name="step"/> writes its Δcfg (the previous one becomes the older value with history);
    /// call <see cref="CfgDeltaWritten"/> after writing.
    /// </summary>
    public ref OrtValue? CfgDeltaSlot(int step)
    {
        if (this.history && this.cfgDelta is not null)
        {
            (this.cfgDelta, this.olderCfgDelta) = (this.olderCfgDelta, this.cfgDelta);
            this.olderCfgDeltaStep = this.cfgDeltaStep;
        }

        this.cfgDeltaStep = step;
        return ref this.cfgDelta;
    }

    /// <summary>Derives what is kept from a new Δcfg (its low band, when the policy splits it).</summary>
    public void CfgDeltaWritten()
    {
        if (this.lowBandBasis is not null)
        {
            this.ops.LowPass(this.cfgDelta!, this.lowBandBasis, this.lowBandScale, ref this.lowBand);
        }
    }

    /// <summary>
    /// The Δcfg a cfg or block step at <paramref name="step"/> rebuilds the unconditional output with: forecast from
    /// the last two full steps (<paramref name="forecast"/>, with history), the policy's weighting of Δcfg and its low
    /// band (<paramref name="weights"/>), or the last Δcfg itself. Valid until the next call.
    /// </summary>
    public OrtValue CfgDeltaFor(int step, bool forecast, CfgDeltaWeights? weights)
    {
        OrtValue delta = this.cfgDelta ?? throw new InvalidOperationException("no full step has kept a Δcfg yet");
        if (forecast)
        {
            float scale = Numerics.Forecast.Scale(step, this.cfgDeltaStep, this.olderCfgDeltaStep);
            if (scale == 0f || this.olderCfgDelta is null)
            {
                return delta;
            }

            this.ops.Combine([(this.olderCfgDelta, -scale), (delta, 1f + scale)], ref this.deltaEstimate);
            return this.deltaEstimate!;
        }

        if (weights is { } w)
        {
            OrtValue low = this.lowBand ?? throw new InvalidOperationException("the policy weighs Δcfg's low band but did not declare CacheNeeds.LowBandCfgDelta");
            this.ops.Combine([(delta, w.Full), (low, w.LowBand)], ref this.deltaEstimate);
            return this.deltaEstimate!;
        }

        return delta;
    }

    /// <summary>Keeps a copy of both branches of a batch-2 block output, replacing the previous one.</summary>
    public void SetBranchBlock(int index, OrtValue value)
    {
        ref OrtValue? kept = ref CollectionsMarshal.GetValueRefOrAddDefault(this.branchBlocks, index, out _);
        this.ops.Copy(value, ref kept);
    }

    /// <summary>Starts step <paramref name="step"/>: block outputs of the previous step become "previous".</summary>
    public void BeginStep(int step)
    {
        this.storeStep = step;
        this.computed.Clear();
        foreach (HostMirror mirror in this.mirrors.Values)
        {
            mirror.PreviousValid = false; // the previous values were released at the last EndStep
        }
    }

    /// <summary>
    /// Keeps copies of the conditional rows (batch row 0) of a pass's captured block outputs. The value each replaces
    /// stays readable as <see cref="Previous"/> until <see cref="BeginStep"/> (with history, as the older value of
    /// forecasts until the next store); its buffer takes the store after that, so a block keeps two buffers.
    /// </summary>
    public void StoreBlocks(Dictionary<int, OrtValue> captured, int batch)
    {
        foreach ((int index, OrtValue value) in captured)
        {
            bool had = this.blocks.TryGetValue(index, out OrtValue? current);
            OrtValue? target = this.previousBlocks.TryGetValue(index, out var previous) ? previous.Value : null;
            if (batch == 2)
            {
                this.ops.SliceBatch(value, 0, 1, ref target);
            }
            else
            {
                this.ops.Copy(value, ref target);
            }

            if (had)
            {
                this.previousBlocks[index] = (current!, this.blockSteps[index]);
                this.pending.Add(index);
            }

            if (this.mirrors.TryGetValue(index, out HostMirror? mirror))
            {
                mirror.Replace(); // a host copy of the old value, if one was made, is now the copy of "previous"
            }

            this.blocks[index] = target!;
            this.blockSteps[index] = this.storeStep;
            this.cachedBlocks.Add(index);
            if (!this.computed.Contains(index))
            {
                this.computed.Add(index);
            }
        }
    }

    public ReadOnlySpan<float> Current(int block)
    {
        HostMirror mirror = this.Mirror(block);
        if (!mirror.CurrentValid)
        {
            mirror.Current = CopyInto(mirror.Current, this.blocks[block]);
            mirror.CurrentValid = true;
        }

        return mirror.Current;
    }

    public ReadOnlySpan<float> Previous(int block)
    {
        if (!this.pending.Contains(block))
        {
            return [];
        }

        HostMirror mirror = this.Mirror(block);
        if (!mirror.PreviousValid)
        {
            mirror.Previous = CopyInto(mirror.Previous, this.previousBlocks[block].Value);
            mirror.PreviousValid = true;
        }

        return mirror.Previous;
    }

    public double Distance(int block) =>
        this.pending.Contains(block) ? this.ops.RelativeL1(this.blocks[block], this.previousBlocks[block].Value) : double.NaN;

    /// <summary>Ends the step: previous block outputs are no longer readable as <see cref="Previous"/> (their buffers take the next stores).</summary>
    public void EndStep() => this.pending.Clear();

    public void Dispose()
    {
        this.EndStep();
        foreach (OrtValue v in this.blocks.Values)
        {
            v.Dispose();
        }

        this.blocks.Clear();
        this.cachedBlocks.Clear();
        foreach (OrtValue? v in this.branchBlocks.Values)
        {
            v?.Dispose();
        }

        this.branchBlocks.Clear();
        foreach ((OrtValue v, int _) in this.previousBlocks.Values)
        {
            v.Dispose();
        }

        this.previousBlocks.Clear();
        this.blockSteps.Clear();
        this.mirrors.Clear();
        this.residualHostValid = false;
        foreach (OrtValue? v in (OrtValue?[])[this.cfgDelta, this.olderCfgDelta, this.lowBand, this.deltaEstimate, this.fullOutput, this.olderFullOutput,
                     this.residual, this.olderResidual, this.forecastResidual, this.forecastBlock])
        {
            v?.Dispose();
        }

        (this.cfgDelta, this.olderCfgDelta, this.lowBand, this.deltaEstimate, this.fullOutput, this.olderFullOutput) = (null, null, null, null, null, null);
        (this.residual, this.olderResidual, this.forecastResidual, this.forecastBlock) = (null, null, null, null);
        this.LastOutput = null;
    }

    private long Size(OrtValue? value) => value is null ? 0 : this.ops.BytesOf(value);

    private HostMirror Mirror(int block)
    {
        if (!this.mirrors.TryGetValue(block, out HostMirror? mirror))
        {
            mirror = new HostMirror();
            this.mirrors[block] = mirror;
        }

        return mirror;
    }

    private float[] CopyInto(float[]? buffer, OrtValue value)
    {
        if (buffer is null || buffer.LongLength != value.ElementCount())
        {
            buffer = new float[value.ElementCount()];
        }

        this.ops.CopyToHost(value, buffer);
        return buffer;
    }

    /// <summary>
    /// Host copies of one cached block output and of the value it replaced this step. The two buffers swap roles when
    /// the block is stored again, so a copy made for "current" at one step serves as "previous" at the next without a
    /// second device read, and a generation allocates them once instead of every step.
    /// </summary>
    private sealed class HostMirror
    {
        public float[]? Current;
        public float[]? Previous;
        public bool CurrentValid;
        public bool PreviousValid;

        public void Replace()
        {
            (this.Current, this.Previous) = (this.Previous, this.Current);
            this.PreviousValid = this.CurrentValid;
            this.CurrentValid = false;
        }
    }
}
