using MixCacheOrt.Caching.Baselines;
using MixCacheOrt.Caching.MixCache;
using MixCacheOrt.Models;

namespace MixCacheOrt.Caching;

/// <summary>
/// The cache policies selectable on the command line: a named preset (<see cref="Names"/>, e.g. <c>mixcache-eff</c>,
/// <c>teacache-0.1</c>), or a family with its knobs (<see cref="CacheSpec"/>, e.g. <c>teacache:l1=0.05</c>,
/// <c>magcache:k=3,e=0.06</c>; <see cref="Families"/> lists the keys).
/// </summary>
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
        ["fastercache"] = c => new FasterCachePolicy("fastercache", new FasterCacheOptions()),
        ["magcache"] = c => new MagCachePolicy("magcache", new MagCacheOptions
        {
            Ratios = MagCacheCalibration.Load(Path.Combine(c.ModelDirectory, MagCacheCalibration.FileName)).Ratios,
        }),
        ["pab"] = _ => new PabPolicy("pab", new PabOptions()),
        ["blockdance"] = c => new BlockDancePolicy("blockdance", new BlockDanceOptions(), c.BlockCount),
        ["blockdance-n4"] = c => new BlockDancePolicy("blockdance-n4", new BlockDanceOptions { GroupSize = 4 }, c.BlockCount),
        ["fbcache"] = c => new DBCachePolicy("fbcache", DBCacheOptions.FirstBlock, c.BlockCount),
        ["dbcache"] = c => new DBCachePolicy("dbcache", new DBCacheOptions(), c.BlockCount),
        ["taylorseer"] = _ => new TaylorSeerPolicy("taylorseer", TaylorSeerOptions.Feature),
        ["taylorseer-lite"] = _ => new TaylorSeerPolicy("taylorseer-lite", TaylorSeerOptions.Lite),
    };

    /// <summary>Families with knobs: each key with its meaning, default and allowed values, and how the policy is built.</summary>
    private static readonly Dictionary<string, (SpecKey[] Keys, Func<CachePolicyContext, SpecValues, string, ICachePolicy> Create)> FamilyTable =
        new(StringComparer.Ordinal)
        {
            ["step"] = (
                [
                    SpecKey.Whole("n", "one full step every N steps", "3", 1, 50),
                    SpecKey.Whole("warmup", "full steps before any reuse", "10", 0, 1000),
                ],
                (_, v, name) => new FixedStepCachePolicy(name, new FixedStepCacheOptions { Interval = v.Whole("n", 3), Warmup = v.Whole("warmup", 10) })),
            ["teacache"] = (
                [SpecKey.Number("l1", "accumulated rescaled relative L1 threshold", 0.1, 0, 1, minExclusive: true)],
                (c, v, name) => TeaCache(name, c, v.Number("l1", 0.1))),
            ["magcache"] = (
                [
                    SpecKey.Number("e", "error threshold", 0.12, 0, 1, minExclusive: true),
                    SpecKey.Whole("k", "most steps skipped in a row", "4", 1, 50),
                    SpecKey.Number("r", "share of the first steps always computed", 0.2, 0, 0.99),
                ],
                (c, v, name) => new MagCachePolicy(name, MagCacheOptionsFrom(v, MagCacheCalibration.Load(Path.Combine(c.ModelDirectory, MagCacheCalibration.FileName)).Ratios))),
            ["mixcache"] = (
                [
                    new SpecKey("n", "intervals: acc (4/3/2), eff (5/4/3) or one fixed interval", "eff",
                        x => x is "acc" or "eff" || (int.TryParse(x, out int n) && n is >= 2 and <= 20) ? null : "acc, eff or a whole number from 2 to 20"),
                    SpecKey.Choice("only", "cache one granularity only", "all", "all", "step", "cfg", "block"),
                    SpecKey.Choice("penalty", "the anti-reuse penalty and age scaling", "on", "on", "off"),
                    SpecKey.Choice("rules", "our refined rules or Algorithm 1 as written", "refined", "refined", "paper"),
                    SpecKey.Number("scale", "multiplies the profile's thresholds: above 1 caches more", 1, 0, 10, minExclusive: true),
                    SpecKey.Choice("forecast", "extrapolate what is cached from its last two values instead of reusing it", "off", "off", "on"),
                    SpecKey.Choice("step", "what a step-level cache step reuses: the model output, or the block stack's residual (pre and post run)", "output", "output", "residual"),
                    SpecKey.Choice("guard", "full steps while the step distance exceeds 2·θ after the warm-up (late layout changes)", "off", "off", "on"),
                    SpecKey.Choice("costs", "the share of a full step a mode saves: from block counts, or from this run's measured step times (not reproducible)", "blocks", "blocks", "measured"),
                    new SpecKey("target", "speedup to meet, e.g. 2.5x (budget mode: the intervals follow the budget)", "none",
                        x => ParseSpeedup(x) is null ? "a speedup above 1 and at most 20, e.g. 2.5x" : null),
                ],
                (c, v, name) => MixCache(name, c, MixCacheOptionsFrom(v))),
            ["fastercache"] = (
                [
                    SpecKey.Whole("skip", "compute the unconditional pass every N-th step", "5", 2, 50),
                    SpecKey.Number("t", "skip the unconditional pass below this timestep", 641, 0, 1000),
                    SpecKey.Number("alpha", "weight of the frequency bands", 1.1, 0, 10, minExclusive: true),
                ],
                (c, v, name) => new FasterCachePolicy(name, FasterCacheOptionsFrom(v))),
            ["pab"] = (
                [SpecKey.Whole("skip", "broadcast range: compute every N-th step", "2", 2, 50)],
                (_, v, name) => new PabPolicy(name, new PabOptions { SkipRange = v.Whole("skip", 2) })),
            ["blockdance"] = (
                [
                    SpecKey.Whole("n", "group size (one computed step per group)", "2", 2, 50),
                    SpecKey.Number("start", "window start, share of the steps", 0.40, 0, 1),
                    SpecKey.Number("end", "window end, share of the steps", 0.95, 0, 1),
                ],
                (c, v, name) => new BlockDancePolicy(name, new BlockDanceOptions
                {
                    GroupSize = v.Whole("n", 2),
                    WindowStart = v.Number("start", 0.40),
                    WindowEnd = v.Number("end", 0.95),
                }, c.BlockCount)),
            ["fbcache"] = (
                [
                    SpecKey.Number("r", "skip blocks 1.. while the first block's residual changes less than this (relative L1)", 0.05, 0, 10, minExclusive: true),
                    SpecKey.Whole("warmup", "steps always computed first", "0", 0, 1000),
                ],
                (c, v, name) => new DBCachePolicy(name, DBCacheOptions.FirstBlock with { Threshold = v.Number("r", 0.05), Warmup = v.Whole("warmup", 0) }, c.BlockCount)),
            ["dbcache"] = (
                [
                    SpecKey.Whole("f", "Fn: first blocks always computed (their residual change decides)", "2", 1, 1000),
                    SpecKey.Whole("b", "Bn: last blocks always computed", "1", 0, 1000),
                    SpecKey.Number("r", "skip the middle while the Fn residual changes less than this (relative L1)", 0.08, 0, 10, minExclusive: true),
                    SpecKey.Whole("warmup", "steps always computed first", "0", 0, 1000),
                    SpecKey.Whole("max", "most skipped steps in a row (0 = no limit)", "0", 0, 1000),
                ],
                (c, v, name) => new DBCachePolicy(name, new DBCacheOptions
                {
                    FirstBlocks = v.Whole("f", 2),
                    LastBlocks = v.Whole("b", 1),
                    Threshold = v.Number("r", 0.08),
                    Warmup = v.Whole("warmup", 0),
                    MaxConsecutive = v.Whole("max", 0),
                }, c.BlockCount)),
            ["taylorseer"] = (
                [
                    SpecKey.Whole("n", "one computed step every N steps (the others forecast)", "5", 2, 50),
                    SpecKey.Whole("warmup", "steps computed before any forecast", "3", 0, 1000),
                    SpecKey.Whole("order", "Taylor order: 1 forecasts, 0 reuses", "1", 0, 1),
                ],
                (_, v, name) => new TaylorSeerPolicy(name, TaylorSeerOptionsFrom(v, TaylorSeerOptions.Feature))),
            ["taylorseer-lite"] = (
                [
                    SpecKey.Whole("n", "one computed step every N steps (the others forecast)", "3", 2, 50),
                    SpecKey.Whole("warmup", "steps computed before any forecast", "6", 0, 1000),
                    SpecKey.Whole("tail", "last steps always computed", "2", 0, 1000),
                    SpecKey.Whole("order", "Taylor order: 1 forecasts, 0 reuses", "1", 0, 1),
                ],
                (_, v, name) => new TaylorSeerPolicy(name, TaylorSeerOptionsFrom(v, TaylorSeerOptions.Lite))),
        };

    /// <summary>The named presets.</summary>
    public static IReadOnlyCollection<string> Names => Policies.Keys;

    /// <summary>The families that take knobs, with their keys.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<SpecKey>> Families =>
        FamilyTable.ToDictionary(f => f.Key, f => (IReadOnlyList<SpecKey>)f.Value.Keys, StringComparer.Ordinal);

    /// <summary>What <c>--cache</c> accepts, for help texts.</summary>
    public static string Help =>
        $"a preset ({string.Join(", ", Policies.Keys)}), replay:RUN.json (play back a run's decisions) or FAMILY:key=value,... with " +
        string.Join("; ", FamilyTable.Select(f => $"{f.Key}: {string.Join(", ", f.Value.Keys.Select(k => k.Name))}"));

    /// <summary>
    /// The canonical name of a preset or spec (<see cref="CacheSpec.Canonical"/>), or a one-line error naming what is
    /// wrong and what is allowed. Reads no files.
    /// </summary>
    public static (string? Name, string? Error) Check(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string? preset = Policies.Keys.FirstOrDefault(k => string.Equals(k, spec.Trim(), StringComparison.OrdinalIgnoreCase));
        if (preset is not null)
        {
            return (preset, null);
        }

        if (IsReplay(spec, out string path))
        {
            return File.Exists(path) ? ($"replay:{path}", null) : (null, $"replay: '{path}' does not exist; give the run.json of a generate run");
        }

        try
        {
            return (Validate(CacheSpec.Parse(spec)).Canonical, null);
        }
        catch (CacheSpecException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Creates the policy for a preset name or a spec; bad specs throw <see cref="CacheSpecException"/> (one line).</summary>
    public static ICachePolicy Create(string name, CachePolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Policies.TryGetValue(name.Trim(), out Func<CachePolicyContext, ICachePolicy>? create))
        {
            return create(context);
        }

        if (IsReplay(name, out string path))
        {
            return ReplayPolicy.Load(path);
        }

        CacheSpec spec = Validate(CacheSpec.Parse(name));
        return FamilyTable[spec.Family].Create(context, new SpecValues(spec), spec.Canonical);
    }

    /// <summary><c>replay:PATH</c> (a run.json to play back, <see cref="ReplayPolicy"/>).</summary>
    private static bool IsReplay(string spec, out string path)
    {
        string s = spec.Trim();
        path = s.StartsWith("replay:", StringComparison.OrdinalIgnoreCase) ? s["replay:".Length..] : string.Empty;
        return path.Length > 0;
    }

    private static CacheSpec Validate(CacheSpec spec)
    {
        if (!FamilyTable.TryGetValue(spec.Family, out var family))
        {
            throw new CacheSpecException(
                $"unknown cache method '{spec.Family}'; use a preset ({string.Join(", ", Policies.Keys)}) or one of {string.Join(", ", FamilyTable.Keys)} with key=value settings");
        }

        foreach ((string key, string value) in spec.Settings)
        {
            SpecKey? known = family.Keys.FirstOrDefault(k => k.Name == key);
            if (known is null)
            {
                throw new CacheSpecException(
                    $"{spec.Family} has no key '{key}'; allowed keys: {string.Join("; ", family.Keys.Select(k => k.Describe()))}");
            }

            if (known.Check(value) is string expected)
            {
                throw new CacheSpecException($"{spec.Family}:{key} must be {expected} (got '{value}')");
            }
        }

        return spec;
    }

    internal static MixCacheOptions MixCacheOptionsFrom(SpecValues v)
    {
        string n = v.Text("n", "eff");
        IntervalPreset intervals = n == "acc" ? IntervalPreset.Accuracy : IntervalPreset.Efficiency;
        MixCacheOptions options = v.Text("rules", "refined") == "paper"
            ? new MixCacheOptions { Intervals = intervals }
            : MixCacheOptions.Refined(intervals);
        if (n is not ("acc" or "eff"))
        {
            options = options with { FixedInterval = v.Whole("n", 0) };
        }

        options = v.Text("only", "all") switch
        {
            "step" => options with { Granularities = CacheGranularities.Step },
            "cfg" => options with { Granularities = CacheGranularities.Cfg },
            "block" => options with { Granularities = CacheGranularities.Block },
            _ => options,
        };
        options = v.Has("scale") ? options with { ThresholdScale = v.Number("scale", 1) } : options;
        options = v.Text("forecast", "off") == "on" ? options with { Forecast = true } : options;
        options = v.Text("guard", "off") == "on" ? options with { LayoutGuard = true } : options;
        options = v.Text("costs", "blocks") == "measured" ? options with { CostAware = true, MeasuredCosts = true } : options;
        options = v.Text("step", "output") == "residual" ? options with { ResidualSteps = true } : options;
        options = v.Has("target") ? options with { TargetSpeedup = ParseSpeedup(v.Text("target", "")) } : options;
        return v.Text("penalty", "on") == "off" ? options with { Penalty = false, AgeScaled = false } : options;
    }

    /// <summary>A speedup written as <c>2.5</c> or <c>2.5x</c>, above 1 and at most 20; null otherwise.</summary>
    internal static double? ParseSpeedup(string text)
    {
        string number = text.EndsWith('x') || text.EndsWith('X') ? text[..^1] : text;
        return double.TryParse(number, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double x)
               && x > 1 && x <= 20 ? x : null;
    }

    internal static TaylorSeerOptions TaylorSeerOptionsFrom(SpecValues v, TaylorSeerOptions defaults) => defaults with
    {
        Interval = v.Whole("n", defaults.Interval),
        Warmup = v.Whole("warmup", defaults.Warmup),
        Tail = v.Whole("tail", defaults.Tail),
        Order = v.Whole("order", defaults.Order),
    };

    internal static MagCacheOptions MagCacheOptionsFrom(SpecValues v, IReadOnlyList<double> ratios) => new()
    {
        Threshold = v.Number("e", 0.12),
        MaxSkipSteps = v.Whole("k", 4),
        RetentionRatio = v.Number("r", 0.2),
        Ratios = ratios,
    };

    internal static FasterCacheOptions FasterCacheOptionsFrom(SpecValues v)
    {
        var defaults = new FasterCacheOptions();
        double alpha = v.Number("alpha", defaults.AlphaLowFrequency);
        return defaults with
        {
            UnconditionalSkipRange = v.Whole("skip", defaults.UnconditionalSkipRange),
            UnconditionalTimestepRange = (defaults.UnconditionalTimestepRange.Low, v.Number("t", defaults.UnconditionalTimestepRange.High)),
            AlphaLowFrequency = (float)alpha,
            AlphaHighFrequency = (float)alpha,
        };
    }

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
