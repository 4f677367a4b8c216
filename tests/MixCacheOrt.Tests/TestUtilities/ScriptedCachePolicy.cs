using MixCacheOrt.Caching;

namespace MixCacheOrt.Tests.TestUtilities;

/// <summary>A cache policy that plays back fixed decisions and records what it observed (host copies; none with <c>record: false</c>).</summary>
internal sealed class ScriptedCachePolicy(IReadOnlyList<CacheDecision> script, IReadOnlySet<int> candidates, CacheNeeds needs = CacheNeeds.None, bool record = true) : ICachePolicy
{
    public string Name => "scripted";

    public CacheNeeds Needs => needs;

    public IReadOnlySet<int> BlockCandidates => candidates;

    public List<Observed> Observations { get; } = [];

    public int Resets { get; private set; }

    public void Reset(int steps, int blockCount) => this.Resets++;

    public CacheDecision Decide(int step, CacheAvailability cache) => script[step % script.Count];

    public void Observe(StepObservation o)
    {
        if (!record)
        {
            return;
        }

        var blocks = new Dictionary<int, (float[] Current, float[] Previous)>();
        foreach (int b in o.BlockOutputs.Computed)
        {
            blocks[b] = (o.BlockOutputs.Current(b).ToArray(), o.BlockOutputs.Previous(b).ToArray());
        }

        this.Observations.Add(new Observed(o.Step, o.Decision, o.Output.ToArray(), o.PreviousOutput.ToArray(), o.Conditional.ToArray(),
            o.Unconditional.ToArray(), blocks));
    }

    public sealed record Observed(int Step, CacheDecision Decision, float[] Output, float[] PreviousOutput, float[] Cond, float[] Uncond,
        Dictionary<int, (float[] Current, float[] Previous)> Blocks);
}
