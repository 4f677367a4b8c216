namespace MixCacheOrt.Profiling;

/// <summary>Measurements of one profiled (prompt, seed): per-step curves (index k − 1 = step k) and impacts by step.</summary>
public sealed class RunProfile
{
    public required string Prompt { get; init; }

    public required ulong Seed { get; init; }

    public required int Steps { get; init; }

    public List<double> StepDistance { get; } = [];

    public List<double> CfgDistance { get; } = [];

    public Dictionary<int, List<double>> BlockDistance { get; } = [];

    /// <summary>(μ, σ) of cached − real for the step cache (previous guided output vs current).</summary>
    public List<(double Mu, double Sigma)> StepError { get; } = [];

    /// <summary>(μ, σ) of cached − real unconditional output (cond + Δcfg of the previous step vs the real one).</summary>
    public List<(double Mu, double Sigma)> CfgError { get; } = [];

    public Dictionary<int, List<(double Mu, double Sigma)>> BlockError { get; } = [];

    public SortedDictionary<int, double> StepImpact { get; } = [];

    public SortedDictionary<int, double> CfgImpact { get; } = [];

    public Dictionary<int, SortedDictionary<int, double>> BlockImpact { get; } = [];
}

/// <summary>μ̂ and σ̂ of a granularity's perturbation.</summary>
public sealed record NoiseStatistics(double Mu, double Sigma);

internal static class DictionaryExtensions
{
    public static TValue GetOrAdd<TKey, TValue>(this Dictionary<TKey, TValue> dictionary, TKey key)
        where TKey : notnull
        where TValue : new()
    {
        if (!dictionary.TryGetValue(key, out TValue? value))
        {
            value = new TValue();
            dictionary[key] = value;
        }

        return value;
    }
}
