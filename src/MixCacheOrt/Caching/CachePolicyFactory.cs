namespace MixCacheOrt.Caching;

/// <summary>The cache policies selectable by name (<c>mixcache generate --cache NAME</c>).</summary>
public static class CachePolicyFactory
{
    private static readonly Dictionary<string, Func<CachePolicyContext, ICachePolicy>> Policies = new(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = _ => new NoCachePolicy(),
    };

    public static IReadOnlyCollection<string> Names => Policies.Keys;

    /// <summary>Creates the policy <paramref name="name"/>; unknown names throw with the list of known ones.</summary>
    public static ICachePolicy Create(string name, CachePolicyContext context) =>
        Policies.TryGetValue(name, out Func<CachePolicyContext, ICachePolicy>? create)
            ? create(context)
            : throw new ArgumentException($"unknown cache policy '{name}'; choose one of: {string.Join(", ", Policies.Keys)}");
}

/// <summary>What a policy may need to be built: the model's block count, default block candidates and package folder (profiles).</summary>
public sealed record CachePolicyContext(int BlockCount, IReadOnlyList<int> DefaultCandidates, string ModelDirectory);
