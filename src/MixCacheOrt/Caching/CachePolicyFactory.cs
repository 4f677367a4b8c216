using MixCacheOrt.Caching.Baselines;
using MixCacheOrt.Caching.MixCache;
using MixCacheOrt.Models;

namespace MixCacheOrt.Caching;

/// <summary>The cache policies selectable by name (<c>mixcache generate --cache NAME</c>).</summary>
public static class CachePolicyFactory
{
    private static readonly Dictionary<string, Func<CachePolicyContext, ICachePolicy>> Policies = new(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = _ => new NoCachePolicy(),
        ["trace"] = c => new RedundancyTracePolicy(c.DefaultCandidates),
        ["mixcache-acc"] = c => MixCache("mixcache-acc", c, MixCacheOptions.Accuracy),
        ["mixcache-eff"] = c => MixCache("mixcache-eff", c, MixCacheOptions.Efficiency),

        // Table 2 ablations of the paper, applied to our efficiency preset ("no penalty" = neither the penalty rule nor age scaling).
        ["mixcache-n4"] = c => MixCache("mixcache-n4", c, MixCacheOptions.Efficiency with { FixedInterval = 4 }),
        ["mixcache-step-only"] = c => MixCache("mixcache-step-only", c, MixCacheOptions.Efficiency with { Granularities = CacheGranularities.Step }),
        ["mixcache-cfg-only"] = c => MixCache("mixcache-cfg-only", c, MixCacheOptions.Efficiency with { Granularities = CacheGranularities.Cfg }),
        ["mixcache-block-only"] = c => MixCache("mixcache-block-only", c, MixCacheOptions.Efficiency with { Granularities = CacheGranularities.Block }),
        ["mixcache-no-penalty"] = c => MixCache("mixcache-no-penalty", c, MixCacheOptions.Efficiency with { Penalty = false, AgeScaled = false }),

        // Algorithm 1 exactly as the paper writes it (for comparison with our refinements).
        ["mixcache-paper-acc"] = c => MixCache("mixcache-paper-acc", c, MixCacheOptions.PaperAccuracy),
        ["mixcache-paper-eff"] = c => MixCache("mixcache-paper-eff", c, MixCacheOptions.PaperEfficiency),

        // Baselines (issue #6; facts in docs/caching-baselines.md, deviations in each policy's remarks).
        ["teacache-0.1"] = c => TeaCache("teacache-0.1", c, 0.1),
        ["teacache-0.14"] = c => TeaCache("teacache-0.14", c, 0.14),
        ["fastercache"] = c => new FasterCachePolicy("fastercache", new FasterCacheOptions(), c.ResolveLatentShape()),
        ["magcache"] = c => new MagCachePolicy("magcache", new MagCacheOptions
        {
            Ratios = MagCacheCalibration.Load(Path.Combine(c.ModelDirectory, MagCacheCalibration.FileName)).Ratios,
        }),
        ["pab"] = _ => new PabPolicy("pab", new PabOptions()),
        ["blockdance"] = c => new BlockDancePolicy("blockdance", new BlockDanceOptions(), c.BlockCount),
        ["blockdance-n4"] = c => new BlockDancePolicy("blockdance-n4", new BlockDanceOptions { GroupSize = 4 }, c.BlockCount),
    };

    public static IReadOnlyCollection<string> Names => Policies.Keys;

    /// <summary>Creates the policy <paramref name="name"/>; unknown names throw with the list of known ones.</summary>
    public static ICachePolicy Create(string name, CachePolicyContext context) =>
        Policies.TryGetValue(name, out Func<CachePolicyContext, ICachePolicy>? create)
            ? create(context)
            : throw new ArgumentException($"unknown cache policy '{name}'; choose one of: {string.Join(", ", Policies.Keys)}");

    private static TeaCachePolicy TeaCache(string name, CachePolicyContext c, double threshold)
    {
        TeaCacheCalibration calibration = TeaCacheCalibration.Load(Path.Combine(c.ModelDirectory, TeaCacheCalibration.FileName));
        return new TeaCachePolicy(name, new TeaCacheOptions
        {
            Threshold = threshold,
            Coefficients = calibration.Coefficients,
            UseRetentionSteps = calibration.Input == "e0",
        });
    }

    private static MixCachePolicy MixCache(string name, CachePolicyContext c, MixCacheOptions options) =>
        new(name, MixCacheProfile.Load(Path.Combine(c.ModelDirectory, MixCacheProfile.FileName)), options, c.DefaultCandidates);
}

/// <summary>What a policy may need to be built: the model's block count, default block candidates, package folder (profiles) and latent shape.</summary>
public sealed record CachePolicyContext(int BlockCount, IReadOnlyList<int> DefaultCandidates, string ModelDirectory, IReadOnlyList<long>? LatentShape = null)
{
    /// <summary>The context of a loaded package.</summary>
    public static CachePolicyContext For(ModelPackage package) =>
        new(package.Manifest.Blocks.Count, package.Manifest.Blocks.Candidates, package.Directory, package.Manifest.Geometry.LatentShape);

    /// <summary>[C, F, H, W] of the latent: given, or read from the package's manifest.</summary>
    public IReadOnlyList<long> ResolveLatentShape() => this.LatentShape ?? ModelPackage.ReadManifest(this.ModelDirectory).Geometry.LatentShape;
}
