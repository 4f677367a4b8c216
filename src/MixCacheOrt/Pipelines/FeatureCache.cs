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
    private readonly Dictionary<int, (OrtValue Value, int Step)> olderBlocks = [];
    private (OrtValue? Value, int Step) olderResidual = (null, -1);
    private int residualStep = -1;
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
    private readonly Dictionary<int, OrtValue> branchBlocks = []; // both CFG branches (batch 2), for BranchBlockReuse
    private readonly HashSet<int> cachedBlocks = []; // the keys of blocks, kept so availability checks do not allocate
    private readonly Dictionary<int, HostMirror> mirrors = []; // host copies for distance observers, reused every step
    private readonly HashSet<int> computed = [];
    private Dictionary<int, OrtValue> pending = [];
    private readonly Dictionary<int, int> pendingSteps = [];
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
    public OrtValue? Residual { get; private set; }

    public IReadOnlyCollection<int> Computed => this.computed;

    /// <summary>
    /// Bytes held by cached tensors (block outputs, residuals, Δcfg and its low band, the last output and the last full
    /// outputs, forecast scratch): the extra memory caching costs.
    /// </summary>
    public long BytesHeld =>
        this.blocks.Values.Sum(v => v.GetTensorSizeInBytes()) + this.branchBlocks.Values.Sum(v => v.GetTensorSizeInBytes()) + Size(this.Residual)
        + this.olderBlocks.Values.Sum(v => v.Value.GetTensorSizeInBytes()) + Size(this.olderResidual.Value)
        + Size(this.cfgDelta) + Size(this.olderCfgDelta) + Size(this.lowBand) + Size(this.deltaEstimate) + Size(this.LastOutput)
        + Size(this.fullOutput) + Size(this.olderFullOutput);

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

    /// <summary>Replaces the cached residual computed at <paramref name="step"/> (takes ownership).</summary>
    public void SetResidual(OrtValue residual, int step)
    {
        this.residualHostValid = false;
        if (this.history && this.Residual is not null)
        {
            this.olderResidual.Value?.Dispose();
            this.olderResidual = (this.Residual, this.residualStep);
        }
        else
        {
            this.Residual?.Dispose();
        }

        this.Residual = residual;
        this.residualStep = step;
    }

    /// <summary>
    /// The residual to inject at <paramref name="step"/>: forecast from the last two (a new value the caller owns), or
    /// null when only one exists (then <see cref="Residual"/> is reused).
    /// </summary>
    public OrtValue? ForecastResidual(int step) =>
        this.olderResidual.Value is { } older && Numerics.Forecast.Scale(step, this.residualStep, this.olderResidual.Step) is float scale and not 0f
            ? this.ops.Extrapolate(this.Residual!, older, scale)
            : null;

    /// <summary>
    /// The conditional output of <paramref name="block"/> to resume from at <paramref name="step"/>: forecast from its
    /// last two computations (a new value the caller owns), or null when only one exists (then <see cref="Block"/>).
    /// </summary>
    public OrtValue? ForecastBlock(int block, int step) =>
        this.olderBlocks.TryGetValue(block, out var older) && Numerics.Forecast.Scale(step, this.blockSteps[block], older.Step) is float scale and not 0f
            ? this.ops.Extrapolate(this.blocks[block], older.Value, scale)
            : null;

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

    /// <summary>Keeps both branches of a batch-2 block output (takes ownership), replacing the previous one.</summary>
    public void SetBranchBlock(int index, OrtValue value)
    {
        if (this.branchBlocks.Remove(index, out OrtValue? old))
        {
            old.Dispose();
        }

        this.branchBlocks[index] = value;
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
    /// Takes the captured block outputs of a pass and keeps their conditional rows (batch row 0); the old values stay readable as
    /// <see cref="Previous"/> until <see cref="BeginStep"/>.
    /// </summary>
    public void StoreBlocks(Dictionary<int, OrtValue> captured, int batch)
    {
        foreach ((int index, OrtValue value) in captured)
        {
            OrtValue cond = value;
            if (batch == 2)
            {
                cond = this.ops.SliceBatch(value, 0, 1);
                value.Dispose();
            }

            if (this.blocks.Remove(index, out OrtValue? old))
            {
                this.pending[index] = old;
            }

            if (this.mirrors.TryGetValue(index, out HostMirror? mirror))
            {
                mirror.Replace(); // a host copy of the old value, if one was made, is now the copy of "previous"
            }

            this.blocks[index] = cond;
            if (this.blockSteps.TryGetValue(index, out int oldStep) && this.history && old is not null)
            {
                this.pendingSteps[index] = oldStep;
            }

            this.blockSteps[index] = this.storeStep;
            this.cachedBlocks.Add(index);
            this.computed.Add(index);
        }

        captured.Clear(); // ownership moved here
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
        if (!this.pending.TryGetValue(block, out OrtValue? old))
        {
            return [];
        }

        HostMirror mirror = this.Mirror(block);
        if (!mirror.PreviousValid)
        {
            mirror.Previous = CopyInto(mirror.Previous, old);
            mirror.PreviousValid = true;
        }

        return mirror.Previous;
    }

    public double Distance(int block) =>
        this.pending.TryGetValue(block, out OrtValue? old) && this.blocks.TryGetValue(block, out OrtValue? current)
            ? this.ops.RelativeL1(current, old)
            : double.NaN;

    /// <summary>
    /// Releases the previous block outputs once the step's observers are done with them (with history they become
    /// the older values of forecasts instead).
    /// </summary>
    public void EndStep()
    {
        foreach ((int index, OrtValue v) in this.pending)
        {
            if (this.pendingSteps.Remove(index, out int step))
            {
                if (this.olderBlocks.Remove(index, out var replaced))
                {
                    replaced.Value.Dispose();
                }

                this.olderBlocks[index] = (v, step);
            }
            else
            {
                v.Dispose();
            }
        }

        this.pending = [];
        this.pendingSteps.Clear();
    }

    public void Dispose()
    {
        this.EndStep();
        foreach (OrtValue v in this.blocks.Values)
        {
            v.Dispose();
        }

        this.blocks.Clear();
        this.cachedBlocks.Clear();
        foreach (OrtValue v in this.branchBlocks.Values)
        {
            v.Dispose();
        }

        this.branchBlocks.Clear();
        foreach ((OrtValue v, int _) in this.olderBlocks.Values)
        {
            v.Dispose();
        }

        this.olderBlocks.Clear();
        this.blockSteps.Clear();
        this.mirrors.Clear();
        this.Residual?.Dispose();
        this.Residual = null;
        this.olderResidual.Value?.Dispose();
        this.olderResidual = (null, -1);
        this.residualHostValid = false;
        foreach (OrtValue? v in (OrtValue?[])[this.cfgDelta, this.olderCfgDelta, this.lowBand, this.deltaEstimate, this.fullOutput, this.olderFullOutput])
        {
            v?.Dispose();
        }

        (this.cfgDelta, this.olderCfgDelta, this.lowBand, this.deltaEstimate, this.fullOutput, this.olderFullOutput) = (null, null, null, null, null, null);
        this.LastOutput = null;
    }

    private static long Size(OrtValue? value) => value?.GetTensorSizeInBytes() ?? 0;

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
