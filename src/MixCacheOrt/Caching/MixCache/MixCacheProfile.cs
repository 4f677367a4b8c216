using System.Text.Json;
using System.Text.Json.Serialization;

namespace MixCacheOrt.Caching.MixCache;

/// <summary>
/// Offline profile of a model for MixCache (§3.3–3.5): the warm-up threshold θ, the interval thresholds δ1 &lt; δ2,
/// and the accuracy impact I of each cache granularity (constants for step and cfg, per step for each block
/// candidate), as measured by the Gaussian-perturbation experiment. Stored as <c>profile.json</c> next to the
/// model's manifest; <c>mixcache profile</c> writes it.
/// </summary>
public sealed record MixCacheProfile
{
    public const string FileName = "profile.json";

    public required double Theta { get; init; }

    public required double Delta1 { get; init; }

    public required double Delta2 { get; init; }

    /// <summary>Number of sampling steps the per-step impacts were profiled at.</summary>
    public required int Steps { get; init; }

    public required ImpactTable Impact { get; init; }

    /// <summary>μ̂ and σ̂ of the Gaussian perturbation per granularity (<c>step</c>, <c>cfg</c>, <c>block_i</c>).</summary>
    public Dictionary<string, Profiling.NoiseStatistics>? Perturbation { get; init; }

    /// <summary>Averaged raw curves: D_step, D_cfg, D_block_i, μ/σ per step and the impact curves (Figures 2, 5a, 6).</summary>
    public Dictionary<string, double[]>? Curves { get; init; }

    /// <summary>The profiled (prompt, seed) pairs.</summary>
    public string[]? Runs { get; init; }

    /// <summary>Writes the profile as JSON (atomically).</summary>
    public void Save(string path) =>
        Media.AtomicFile.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, JsonOptions)));

    /// <summary>Impact of block candidate <paramref name="block"/> at step <paramref name="step"/> of a <paramref name="steps"/>-step run (nearest profiled step by relative position).</summary>
    public double BlockImpact(int block, int step, int steps)
    {
        if (!this.Impact.Blocks.TryGetValue(block.ToString(System.Globalization.CultureInfo.InvariantCulture), out double[]? curve) || curve.Length == 0)
        {
            return double.NaN;
        }

        int index = steps <= 1 ? 0 : (int)Math.Round(step * (curve.Length - 1) / (double)(steps - 1));
        return curve[Math.Clamp(index, 0, curve.Length - 1)];
    }

    /// <summary>
    /// The first step whose D_step is measured after the peak of the profiled mean D_step curve (0 without curves),
    /// at the profiled step count: the warm-up floor of <see cref="MixCacheOptions.ProfiledWarmupFloor"/>.
    /// </summary>
    public int WarmupFloor()
    {
        if (this.Curves is null || !this.Curves.TryGetValue("D_step", out double[]? d) || d.Length == 0)
        {
            return 0;
        }

        // d[i] is the distance between steps i and i + 1, measured at step i + 1
        return Array.IndexOf(d, d.Max()) + 2;
    }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Reads a profile; errors name the file and say how to make one.</summary>
    public static MixCacheProfile Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"MixCache profile '{path}' is missing: MixCache needs the model's offline profile (profile.json next to manifest.json); use --cache none until the model has one", path);
        }

        try
        {
            MixCacheProfile p = JsonSerializer.Deserialize<MixCacheProfile>(File.ReadAllText(path), JsonOptions)
                ?? throw new InvalidDataException($"'{path}' is empty");
            if (!(p.Delta1 <= p.Delta2) || p.Theta <= 0 || p.Steps < 1)
            {
                throw new InvalidDataException($"'{path}': need theta > 0, delta1 <= delta2 and steps >= 1; re-run 'mixcache profile'");
            }

            return p;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid MixCache profile: {e.Message}; re-run 'mixcache profile'", e);
        }
    }
}

/// <summary>Accuracy impacts I: constants for step and cfg caching, a per-step curve per block candidate (keyed by index).</summary>
public sealed record ImpactTable
{
    public required double Step { get; init; }

    public required double Cfg { get; init; }

    public required Dictionary<string, double[]> Blocks { get; init; }
}
