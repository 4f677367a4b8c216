namespace MixCacheOrt.Evaluation;

/// <summary>
/// Which cache policies an evaluation compares: the reference (<see cref="Reference"/>, full compute), the default
/// Table-1 set and the Table-2 ablation set, and the resolution of user-given names against the known ones.
/// </summary>
public static class EvaluationMethods
{
    /// <summary>The full-compute policy every other method is compared with.</summary>
    public const string Reference = "none";

    /// <summary>The MixCache presets always in the default set.</summary>
    public static IReadOnlyList<string> DefaultMixCache { get; } = [Reference, "mixcache-acc", "mixcache-eff"];

    /// <summary>Baselines added to the default set when the policy factory knows them.</summary>
    public static IReadOnlyList<string> DefaultBaselines { get; } = ["teacache-0.1", "teacache-0.14", "fastercache", "pab", "blockdance", "magcache"];

    /// <summary>The ablation set (the paper's Table 2): efficiency preset and its variants.</summary>
    public static IReadOnlyList<string> Ablation { get; } =
        [Reference, "mixcache-eff", "mixcache-n4", "mixcache-step-only", "mixcache-cfg-only", "mixcache-block-only", "mixcache-no-penalty"];

    /// <summary>
    /// The default set: <see cref="DefaultMixCache"/> plus those of <see cref="DefaultBaselines"/> that are in
    /// <paramref name="known"/>.
    /// </summary>
    public static IReadOnlyList<string> Defaults(IReadOnlyCollection<string> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        return Resolve([.. DefaultMixCache, .. DefaultBaselines.Where(b => known.Contains(b, StringComparer.OrdinalIgnoreCase))], known);
    }

    /// <summary>
    /// Resolves <paramref name="requested"/> names (case-insensitive) to the spelling of <paramref name="known"/>,
    /// without duplicates, with <see cref="Reference"/> first whether or not it was requested.
    /// </summary>
    /// <exception cref="UnknownMethodException">A name is not in <paramref name="known"/>; the first such name.</exception>
    /// <exception cref="ArgumentException">A name is empty.</exception>
    public static IReadOnlyList<string> Resolve(IEnumerable<string> requested, IReadOnlyCollection<string> known)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(known);
        var result = new List<string> { Reference };
        foreach (string raw in requested)
        {
            string name = raw.Trim();
            if (name.Length == 0)
            {
                throw new ArgumentException("empty method name", nameof(requested));
            }

            string canonical = known.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new UnknownMethodException(name, known);
            if (!result.Contains(canonical, StringComparer.OrdinalIgnoreCase))
            {
                result.Add(canonical);
            }
        }

        return result;
    }

    /// <summary>Splits a comma-separated list (<c>none,mixcache-eff</c>); empty entries are kept so they can be reported.</summary>
    public static IReadOnlyList<string> Split(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        return [.. list.Split(',', StringSplitOptions.TrimEntries)];
    }
}

/// <summary>A method name that no cache policy has.</summary>
public sealed class UnknownMethodException(string name, IReadOnlyCollection<string> known)
    : ArgumentException($"unknown method '{name}'; known methods: {string.Join(", ", known)}")
{
    /// <summary>The unknown name.</summary>
    public string Name { get; } = name;

    /// <summary>The names that exist.</summary>
    public IReadOnlyCollection<string> Known { get; } = known;
}
