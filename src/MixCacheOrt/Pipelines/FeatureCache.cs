using System.Numerics.Tensors;
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
    private readonly Dictionary<int, float[]> previousHost = [];
    private readonly Dictionary<int, float[]> currentHost = [];
    private readonly HashSet<int> computed = [];
    private Dictionary<int, OrtValue> pending = [];
    private float[]? residualHost;

    public FeatureCache(DeviceTensorOps ops) => this.ops = ops;

    public float[]? LastOutput { get; set; }

    public float[]? CfgDelta { get; private set; }

    public IReadOnlySet<int> CachedBlocks => this.cachedBlocks;

    /// <summary>What the block stack added at the last full step, both branches [2, tokens, dim].</summary>
    public OrtValue? Residual { get; private set; }

    public IReadOnlyCollection<int> Computed => this.computed;

    /// <summary>Bytes held by cached tensors (block outputs, Δcfg, last output): the extra memory caching costs.</summary>
    public long BytesHeld =>
        this.blocks.Values.Sum(v => v.SizeInBytes) + this.branchBlocks.Values.Sum(v => v.SizeInBytes) + (this.Residual?.SizeInBytes ?? 0) + (sizeof(float) * ((this.CfgDelta?.LongLength ?? 0) + (this.LastOutput?.LongLength ?? 0)));

    public CacheAvailability Availability => new(this.LastOutput is not null, this.CfgDelta is not null, this.CachedBlocks, this.Residual is not null);

    public OrtValue Block(int index) => this.blocks[index];

    public OrtValue? BranchBlock(int index) => this.branchBlocks.GetValueOrDefault(index);

    /// <summary>Host copy of <see cref="Residual"/> (made once per residual).</summary>
    public float[]? ResidualHost() => this.Residual is null ? null : this.residualHost ??= this.ops.ToHost(this.Residual);

    /// <summary>Replaces the cached residual (takes ownership).</summary>
    public void SetResidual(OrtValue residual)
    {
        this.residualHost = null;
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
        this.currentHost.Clear();
        this.previousHost.Clear();
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

            this.blocks[index] = cond;
            this.cachedBlocks.Add(index);
            this.computed.Add(index);
        }

        captured.Clear(); // ownership moved here
    }

    public ReadOnlySpan<float> Current(int block)
    {
        if (!this.currentHost.TryGetValue(block, out float[]? host))
        {
            host = this.ops.ToHost(this.blocks[block]);
            this.currentHost[block] = host;
        }

        return host;
    }

    public ReadOnlySpan<float> Previous(int block)
    {
        if (this.previousHost.TryGetValue(block, out float[]? host))
        {
            return host;
        }

        if (!this.pending.TryGetValue(block, out OrtValue? old))
        {
            return [];
        }

        host = this.ops.ToHost(old);
        this.previousHost[block] = host;
        return host;
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
        this.Residual?.Dispose();
        this.Residual = null;
    }
}
