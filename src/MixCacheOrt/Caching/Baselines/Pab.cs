namespace MixCacheOrt.Caching.Baselines;

/// <summary>
/// Pyramid Attention Broadcast (Zhao et al. 2024; diffusers <c>PyramidAttentionBroadcastConfig</c>) approximated at
/// block granularity. PAB reuses each attention module's output for <see cref="SkipRange"/> − 1 calls out of
/// <see cref="SkipRange"/> while the timestep lies strictly inside <see cref="TimestepRange"/> (compute when
/// iteration = 0, outside the range, or iteration mod range = 0), with a pyramid of ranges (self-attention 2,
/// cross-attention 6) and the MLP always computed.
/// </summary>
/// <remarks>
/// Our packages split the model at block boundaries, so attention outputs are not separately addressable. What
/// this policy does instead: on broadcast steps the whole block stack is skipped and the residual it added at the
/// last computed step is reused for both CFG branches (<see cref="StepMode.ResidualReuse"/>), with the
/// self-attention range (2) and diffusers' default timestep range (100, 800). It therefore reuses more than PAB
/// (PAB recomputes the FFN every step and cross-attention every 6th) — it overstates PAB's savings and
/// understates its quality. Stated in README and RESULTS.
/// </remarks>
public sealed record PabOptions
{
    public int SkipRange { get; init; } = 2;

    /// <summary>Broadcast only while lo &lt; t &lt; hi (model timestep, 0–1000).</summary>
    public (double Low, double High) TimestepRange { get; init; } = (100, 800);
}

/// <summary>PAB's pure schedule.</summary>
public static class PabDecisions
{
    public static bool Broadcasts(int iteration, double timestep, PabOptions o) =>
        iteration > 0 && timestep > o.TimestepRange.Low && timestep < o.TimestepRange.High && iteration % o.SkipRange != 0;
}

public sealed class PabPolicy(string name, PabOptions options) : ICachePolicy
{
    private IReadOnlyList<float> timesteps = [];

    public string Name => name;

    public IReadOnlySet<int> BlockCandidates { get; } = new HashSet<int>();

    public CacheNeeds Needs => CacheNeeds.Residual;

    public void Reset(int steps, int blockCount)
    {
    }

    public void SetTimesteps(IReadOnlyList<float> timesteps) => this.timesteps = timesteps;

    public CacheDecision Decide(int step, CacheAvailability cache) =>
        step < this.timesteps.Count && PabDecisions.Broadcasts(step, this.timesteps[step], options) ? CacheDecision.ReuseResidual : CacheDecision.Full;

    public void Observe(StepObservation observation)
    {
    }
}
