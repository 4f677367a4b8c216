namespace MixCacheOrt.Caching.Baselines;

/// <summary>
/// BlockDance (Zhang et al., CVPR 2025). No official code exists; this follows the chitu_diffusion port
/// (<c>BlockDanceStrategy</c>): full compute before <see cref="WindowStart"/>·T (warm-up) and from
/// <see cref="WindowEnd"/>·T on; inside the window, steps form groups of <see cref="GroupSize"/>: the first step of a
/// group computes everything and stores the output of <see cref="Block"/>, the others start from it and run only the
/// deeper blocks — for each CFG branch from its own cached output (<see cref="StepMode.BranchBlockReuse"/>).
/// </summary>
public sealed record BlockDanceOptions
{
    /// <summary>Cached block; null = half depth (L/2, the model's middle block candidate).</summary>
    public int? Block { get; init; }

    /// <summary>Steps per group (one cache step + GroupSize − 1 reuse steps).</summary>
    public int GroupSize { get; init; } = 2;

    /// <summary>Fraction of the steps that always compute first (the structure is still forming).</summary>
    public double WindowStart { get; init; } = 0.40;

    /// <summary>Fraction of the steps after which every step computes again.</summary>
    public double WindowEnd { get; init; } = 0.95;
}

/// <summary>BlockDance's pure schedule.</summary>
public static class BlockDanceDecisions
{
    /// <summary>True when step <paramref name="step"/> of <paramref name="steps"/> reuses the cached block output.</summary>
    public static bool Reuses(int step, int steps, BlockDanceOptions o)
    {
        int start = (int)Math.Round(o.WindowStart * steps, MidpointRounding.AwayFromZero);
        int end = (int)Math.Round(o.WindowEnd * steps, MidpointRounding.AwayFromZero);
        return step >= start && step < end && (step - start) % o.GroupSize != 0;
    }
}

public sealed class BlockDancePolicy : ICachePolicy
{
    private readonly BlockDanceOptions options;
    private int steps;
    private readonly int block;

    public BlockDancePolicy(string name, BlockDanceOptions options, int blockCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GroupSize, 2);
        this.Name = name;
        this.options = options;
        this.block = options.Block ?? (blockCount / 2);
        if (this.block < 0 || this.block >= blockCount - 1)
        {
            throw new ArgumentException($"BlockDance block {this.block} must be in [0, {blockCount - 2}]");
        }

        this.BlockCandidates = new HashSet<int> { this.block };
    }

    public string Name { get; }

    public IReadOnlySet<int> BlockCandidates { get; }

    public CacheNeeds Needs => CacheNeeds.BranchBlocks;

    public void Reset(int steps, int blockCount) => this.steps = steps;

    public CacheDecision Decide(int step, CacheAvailability cache) =>
        BlockDanceDecisions.Reuses(step, this.steps, this.options) ? CacheDecision.ReuseBranchBlock(this.block) : CacheDecision.Full;

    public void Observe(StepObservation observation)
    {
    }
}
