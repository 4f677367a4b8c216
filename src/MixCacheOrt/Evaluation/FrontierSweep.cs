using MixCacheOrt.Caching;

namespace MixCacheOrt.Evaluation;

/// <summary>
/// <c>mixcache eval --sweep</c>: for each cache family, settings chosen to span about 1.3× to 4× on tiny-wan (fewer
/// where a family cannot go faster: a cfg-only cache saves at most the unconditional half), so that each family traces
/// a quality/speed frontier rather than one point placed wherever its paper's default lands.
/// </summary>
public static class FrontierSweep
{
    /// <summary>
    /// The settings of each frontier line, slowest first: one line per family, plus the MixCache variants that are
    /// their own frontier (forecasting, and the budget dial).
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Points { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["step"] = ["step:n=2,warmup=20", "step:n=2,warmup=10", "step:n=3,warmup=10", "step:n=4,warmup=5", "step:n=6,warmup=5"],
        ["teacache"] = ["teacache:l1=0.02", "teacache:l1=0.04", "teacache:l1=0.07", "teacache:l1=0.1", "teacache:l1=0.14", "teacache:l1=0.2"],
        ["magcache"] = ["magcache:e=0.03,k=2", "magcache:e=0.06,k=3", "magcache:e=0.12,k=4", "magcache:e=0.24,k=6", "magcache:e=0.4,k=8"],
        ["mixcache"] = ["mixcache:scale=0.5", "mixcache:scale=0.75", "mixcache:scale=1", "mixcache:scale=1.5", "mixcache:scale=2"],
        ["fastercache"] = ["fastercache:skip=2", "fastercache:skip=3", "fastercache:skip=5", "fastercache:skip=8", "fastercache:skip=8,t=900"],
        ["pab"] = ["pab:skip=2", "pab:skip=3", "pab:skip=4", "pab:skip=6", "pab:skip=8"],
        ["blockdance"] = ["blockdance:n=2", "blockdance:n=3", "blockdance:n=4", "blockdance:n=6", "blockdance:n=4,start=0.2"],
        ["fbcache"] = ["fbcache:r=0.05", "fbcache:r=0.08", "fbcache:r=0.12", "fbcache:r=0.2", "fbcache:r=0.35"],
        ["dbcache"] = ["dbcache:r=0.06", "dbcache:r=0.1", "dbcache:r=0.15", "dbcache:r=0.3", "dbcache:r=0.6"],
        ["taylorseer"] = ["taylorseer:n=2,warmup=20", "taylorseer:n=2", "taylorseer:n=3", "taylorseer:n=4", "taylorseer:n=6"],
        ["taylorseer-lite"] = ["taylorseer-lite:n=2,warmup=20", "taylorseer-lite:n=2", "taylorseer-lite:n=3", "taylorseer-lite:n=4", "taylorseer-lite:n=6"],
        ["mixcache-forecast"] = ["mixcache:forecast=on,scale=0.5", "mixcache:forecast=on,scale=0.75", "mixcache:forecast=on", "mixcache:forecast=on,scale=1.5", "mixcache:forecast=on,scale=2"],
        ["mixcache-budget"] = ["mixcache:target=1.5x", "mixcache:target=2x", "mixcache:target=2.5x", "mixcache:target=3x", "mixcache:target=4x"],
    };

    private static readonly Dictionary<string, string> LineOfPoint =
        Points.SelectMany(p => p.Value.Select(point => (point, line: p.Key))).ToDictionary(x => x.point, x => x.line, StringComparer.Ordinal);

    /// <summary>
    /// The reference followed by every point of <paramref name="families"/> (all when empty), as canonical spec names.
    /// </summary>
    /// <exception cref="UnknownMethodException">A family without sweep points.</exception>
    public static IReadOnlyList<string> Expand(IReadOnlyList<string> families)
    {
        ArgumentNullException.ThrowIfNull(families);
        IEnumerable<string> chosen = families.Count == 0 ? Points.Keys : families.Select(f => f.Trim().ToLowerInvariant());
        var specs = new List<string>();
        foreach (string family in chosen)
        {
            if (!Points.TryGetValue(family, out IReadOnlyList<string>? points))
            {
                throw new UnknownMethodException(family, [.. Points.Keys],
                    $"--sweep takes family names ({string.Join(", ", Points.Keys)}), not '{family}'");
            }

            specs.AddRange(points);
        }

        return EvaluationMethods.Resolve(specs, CachePolicyFactory.Names, CachePolicyFactory.Check);
    }

    /// <summary>
    /// The frontier line of a method name: the line of <see cref="Points"/> that holds it, else the part before ':' of a
    /// spec; presets are their own line.
    /// </summary>
    public static string FamilyOf(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (LineOfPoint.TryGetValue(method, out string? line))
        {
            return line;
        }

        int colon = method.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? method : method[..colon];
    }
}
