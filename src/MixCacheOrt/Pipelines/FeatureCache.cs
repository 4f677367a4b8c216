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
internal sealed class FeatureCache : IDisposable, IBlockOutputReader
{
    private readonly DeviceTensorOps ops;
    private readonly Dictionary<int, OrtValue> blocks = [];
    private readonly Dictionary<int, OrtValue> branchBlocks = []; // both CFG branches (batch 2), for BranchBlockReuse
    private readonly HashSet<int> cachedBlocks = []; // the keys of blocks, kept so availability checks do not allocate
    private readonly Dictionary<int, HostMirror> mirrors = []; // host copies for distance observers, reused every step
    private readonly HashSet<int> computed = [];
    private Dictionary<int, OrtValue> pending = [];
    private float[]? residualHost;
    private bool residualHostValid;

    public FeatureCache(DeviceTensorOps ops) => this.ops = ops;

    public float[]? LastOutput { get; set; }

    public float[]? CfgDelta { get; private set; }

    public IReadOnlySet<int> CachedBlocks => this.cachedBlocks;

    /// <summary>What the block stack added at the last full step, both branches [2, tokens, dim].</summary>
    public OrtValue? Residual { get; private set; }

    public IReadOnlyCollection<int> Computed => this.computed;

    /// <summary>Bytes held by cached tensors (block outputs, Δcfg, last output): the extra memory caching costs.</summary>
    public long BytesHeld =>
        this.blocks.Values.Sum(v => v.GetTensorSizeInBytes()) + this.branchBlocks.Values.Sum(v => v.GetTensorSizeInBytes()) + (this.Residual?.GetTensorSizeInBytes() ?? 0) + (sizeof(float) * ((this.CfgDelta?.LongLength ?? 0) + (this.LastOutput?.LongLength ?? 0)));

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

    /// <summary>Replaces the cached residual (takes ownership).</summary>
    public void SetResidual(OrtValue residual)
    {
        this.residualHostValid = false;
        this.Residual?.Dispose();
        this.Residual = residual;
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

    public void SetCfgDelta(ReadOnlySpan<float> cond, ReadOnlySpan<float> uncond)
    {
        this.CfgDelta ??= new float[cond.Length];
        TensorPrimitives.Subtract(uncond, cond, this.CfgDelta);
    }

    /// <summary>Starts a step: block outputs of the previous step become "previous".</summary>
    public void BeginStep()
    {
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

    /// <summary>Releases the previous block outputs once the step's observers are done with them.</summary>
    public void EndStep()
    {
        foreach (OrtValue v in this.pending.Values)
        {
            v.Dispose();
        }

        this.pending = [];
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
        this.mirrors.Clear();
        this.Residual?.Dispose();
        this.Residual = null;
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
