using System.Globalization;
using System.Text.Json;

namespace MixCacheOrt.Caching;

/// <summary>
/// Schedule replay (<c>--cache replay:RUN.json</c>): plays back the per-step decisions a run recorded in its
/// <c>run.json</c> (<c>per_step[].mode</c>: <c>full</c>, <c>step</c>, <c>cfg</c>, <c>block_6</c>, <c>residual</c>,
/// <c>branch_block_6</c>, <c>forecast_…</c>), so a schedule found on one package (e.g. MixCache on tiny-wan) can be
/// timed on any package with the same step count and at least as many blocks: realised vs ideal speedup, per-mode
/// step time and host↔device bytes at every model size. Decisions taken inside a pass by a block hook (First-Block/DB
/// cache's <c>middle_N</c>) cannot be replayed from the outside and are refused.
/// </summary>
public sealed class ReplayPolicy : ICachePolicy
{
    private readonly CacheDecision[] decisions;

    public ReplayPolicy(string name, IReadOnlyList<CacheDecision> decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        this.Name = name;
        this.decisions = [.. decisions];
        this.BlockCandidates = this.decisions.Where(d => d.Mode == StepMode.BlockReuse).Select(d => d.Block).ToHashSet();
        this.Needs = this.decisions.Aggregate(CacheNeeds.None, (n, d) => n | d.Mode switch
        {
            StepMode.ResidualReuse => CacheNeeds.Residual,
            StepMode.BranchBlockReuse => CacheNeeds.BranchBlocks,
            _ => CacheNeeds.None,
        } | (d.Forecast ? CacheNeeds.Forecast : CacheNeeds.None));
    }

    public string Name { get; }

    public IReadOnlySet<int> BlockCandidates { get; }

    public CacheNeeds Needs { get; }

    /// <summary>The recorded decisions, step by step.</summary>
    public IReadOnlyList<CacheDecision> Decisions => this.decisions;

    /// <summary>Reads <c>per_step[].mode</c> of a run.json; one-line errors name the file and the step.</summary>
    /// <exception cref="CacheSpecException">Missing or unreadable file, or a mode that cannot be replayed.</exception>
    public static ReplayPolicy Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new CacheSpecException($"replay: '{path}' does not exist; give the run.json of a generate run (--cache replay:DIR/run.json)");
        }

        var decisions = new List<CacheDecision>();
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement[0] : doc.RootElement;
            if (!root.TryGetProperty("per_step", out JsonElement steps))
            {
                throw new CacheSpecException($"replay: '{path}' has no per_step list; give the run.json of a generate run");
            }

            foreach (JsonElement step in steps.EnumerateArray())
            {
                string label = step.GetProperty("mode").GetString() ?? string.Empty;
                decisions.Add(Parse(label) ?? throw new CacheSpecException(
                    $"replay: '{path}' step {decisions.Count} is '{label}', which cannot be replayed (modes: full, step, cfg, block_N, residual, branch_block_N, forecast_…)"));
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CacheSpecException($"replay: '{path}' is not a run.json: {e.Message.Split('\n')[0]}");
        }

        return new ReplayPolicy($"replay:{Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)))}", decisions);
    }

    /// <summary>The decision a trace label stands for (<see cref="CacheDecision.ToString"/>'s inverse); null for labels a replay cannot serve.</summary>
    public static CacheDecision? Parse(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        bool forecast = label.StartsWith("forecast_", StringComparison.Ordinal);
        string mode = forecast ? label["forecast_".Length..] : label;
        int Block(string prefix) => int.TryParse(mode.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int b) ? b : -1;
        CacheDecision? d = mode switch
        {
            "full" when !forecast => CacheDecision.Full,
            "step" => CacheDecision.ReuseStep,
            "cfg" => CacheDecision.ReuseCfg,
            "residual" => CacheDecision.ReuseResidual,
            _ when mode.StartsWith("branch_block_", StringComparison.Ordinal) && !forecast && Block("branch_block_") >= 0 => CacheDecision.ReuseBranchBlock(Block("branch_block_")),
            _ when mode.StartsWith("block_", StringComparison.Ordinal) && Block("block_") >= 0 => CacheDecision.ReuseBlock(Block("block_")),
            _ => null,
        };
        return d is { } value && forecast ? value.Forecasting() : d;
    }

    public void Reset(int steps, int blockCount)
    {
        if (steps != this.decisions.Length)
        {
            throw new CacheSpecException($"{this.Name} recorded {this.decisions.Length} steps; run it with --steps {this.decisions.Length}");
        }

        if (this.BlockCandidates.Any(b => b >= blockCount - 1))
        {
            throw new CacheSpecException($"{this.Name} resumes after block {this.BlockCandidates.Max()}; this model has {blockCount} blocks");
        }
    }

    public CacheDecision Decide(int step, CacheAvailability cache) => this.decisions[step];

    public void Observe(StepObservation observation)
    {
    }
}
