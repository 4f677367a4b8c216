using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Pipelines;

/// <summary>
/// What a generation keeps for caching: the last guided output, Δcfg = uncond − cond of the last full step, and the
/// conditional outputs of candidate blocks (ORT values on the activation device). One per generation; disposed at
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
    private readonly Dictionary<int, int> blockSteps = [];
    private readonly Dictionary<int, (OrtValue Value, int Step)> olderBlocks = [];
    private (OrtValue? Value, int Step) olderResidual = (null, -1);
    private int residualStep = -1;
    private float[]? fullOutput;
    private float[]? olderFullOutput;
    private int fullOutputStep = -1;
    private int olderFullOutputStep = -1;
    private float[]? olderCfgDelta;
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

    public FeatureCache(DeviceTensorOps ops, bool history = false)
    {
        this.ops = ops;
        this.history = history;
    }

    public float[]? LastOutput { get; set; }

    public float[]? CfgDelta { get; private set; }

    public IReadOnlySet<int> CachedBlocks => this.cachedBlocks;

    /// <summary>What the block stack added at the last full step, both branches [2, tokens, dim].</summary>
    public OrtValue? Residual { get; private set; }

    public IReadOnlyCollection<int> Computed => this.computed;

    /// <summary>Bytes held by cached tensors (block outputs, Δcfg, last output): the extra memory caching costs.</summary>
    public long BytesHeld =>
        this.blocks.Values.Sum(v => v.GetTensorSizeInBytes()) + this.branchBlocks.Values.Sum(v => v.GetTensorSizeInBytes()) + (this.Residual?.GetTensorSizeInBytes() ?? 0)
        + this.olderBlocks.Values.Sum(v => v.Value.GetTensorSizeInBytes()) + (this.olderResidual.Value?.GetTensorSizeInBytes() ?? 0)
        + (sizeof(float) * ((this.CfgDelta?.LongLength ?? 0) + (this.LastOutput?.LongLength ?? 0) + (this.olderCfgDelta?.LongLength ?? 0)
                            + (this.fullOutput?.LongLength ?? 0) + (this.olderFullOutput?.LongLength ?? 0)));

    public CacheAvailability Availability => new(this.LastOutput is not null, this.CfgDelta is not null, this.CachedBlocks, this.Residual is not null);

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

    /// <summary>Keeps the guided output of a full step (with history only: the base of step forecasts).</summary>
    public void RecordFullOutput(int step, ReadOnlySpan<float> output)
    {
        if (!this.history)
        {
            return;
        }

        (this.fullOutput, this.olderFullOutput) = (this.olderFullOutput, this.fullOutput);
        (this.fullOutputStep, this.olderFullOutputStep) = (step, this.fullOutputStep);
        this.fullOutput ??= new float[output.Length];
        output.CopyTo(this.fullOutput);
    }

    /// <summary>The step output at <paramref name="step"/> forecast from the last two full outputs (the last output without history).</summary>
    public void ForecastOutput(int step, Span<float> destination)
    {
        if (this.fullOutput is null)
        {
            this.LastOutput!.CopyTo(destination);
            return;
        }

        float scale = Numerics.Forecast.Scale(step, this.fullOutputStep, this.olderFullOutputStep);
        Numerics.Forecast.Extrapolate(this.fullOutput, this.olderFullOutput, scale, destination);
    }

    /// <summary>Δcfg at <paramref name="step"/> forecast from the last two full steps (the last Δcfg without history).</summary>
    public void ForecastCfgDelta(int step, Span<float> destination)
    {
        float scale = Numerics.Forecast.Scale(step, this.cfgDeltaStep, this.olderCfgDeltaStep);
        Numerics.Forecast.Extrapolate(this.CfgDelta, this.olderCfgDelta, scale, destination);
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

    /// <summary>Δcfg = uncond − cond of the full step <paramref name="step"/>.</summary>
    public void SetCfgDelta(ReadOnlySpan<float> cond, ReadOnlySpan<float> uncond, int step)
    {
        if (this.history && this.CfgDelta is not null)
        {
            (this.CfgDelta, this.olderCfgDelta) = (this.olderCfgDelta, this.CfgDelta);
            this.olderCfgDeltaStep = this.cfgDeltaStep;
        }

        this.CfgDelta ??= new float[cond.Length];
        TensorPrimitives.Subtract(uncond, cond, this.CfgDelta);
        this.cfgDeltaStep = step;
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
    }

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
