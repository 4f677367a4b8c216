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
    /// <param name="requested">Names or cache specs as the user wrote them.</param>
    /// <param name="known">The preset names.</param>
    /// <param name="check">
    /// Checks a name that is not a preset (a cache spec such as <c>teacache:l1=0.05</c>): its canonical name, or an
    /// error; null to accept presets only.
    /// </param>
    /// <exception cref="UnknownMethodException">A name is not in <paramref name="known"/> nor a valid spec; the first such name.</exception>
    /// <exception cref="ArgumentException">A name is empty.</exception>
    public static IReadOnlyList<string> Resolve(IEnumerable<string> requested, IReadOnlyCollection<string> known,
        Func<string, (string? Name, string? Error)>? check = null)
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

            string? canonical = known.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
            if (canonical is null && check is not null && name.Contains(':', StringComparison.Ordinal))
            {
                (string? specName, string? error) = check(name);
                canonical = specName ?? throw new UnknownMethodException(name, known, error);
            }

            if (canonical is null)
            {
                throw new UnknownMethodException(name, known);
            }

            if (!result.Contains(canonical, StringComparer.OrdinalIgnoreCase))
            {
                result.Add(canonical);
            }
        }

        return result;
    }

    /// <summary>
    /// Splits a comma-separated list (<c>none,mixcache-eff,magcache:k=3,e=0.06</c>): a piece with <c>=</c> but no
    /// <c>:</c> is another setting of the spec before it. Empty entries are kept so they can be reported.
    /// </summary>
    public static IReadOnlyList<string> Split(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var items = new List<string>();
        foreach (string piece in list.Split(',', StringSplitOptions.TrimEntries))
        {
            bool setting = piece.Contains('=', StringComparison.Ordinal) && !piece.Contains(':', StringComparison.Ordinal);
            if (setting && items.Count > 0 && items[^1].Contains(':', StringComparison.Ordinal))
            {
                items[^1] += "," + piece;
            }
            else
            {
                items.Add(piece);
            }
        }

        return items;
    }
}

/// <summary>A method name that no cache policy has, or a cache spec that is wrong (<see cref="Detail"/> says how).</summary>
public sealed class UnknownMethodException(string name, IReadOnlyCollection<string> known, string? detail = null)
    : ArgumentException(detail ?? $"unknown method '{name}'; known methods: {string.Join(", ", known)}")
{
    /// <summary>What is wrong with a cache spec; null for a plain unknown name.</summary>
    public string? Detail { get; } = detail;

    /// <summary>The unknown name.</summary>
    public string Name { get; } = name;

    /// <summary>The names that exist.</summary>
    public IReadOnlyCollection<string> Known { get; } = known;
}
