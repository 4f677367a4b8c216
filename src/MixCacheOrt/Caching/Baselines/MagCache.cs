using System.Text.Json;
using MixCacheOrt.Caching.MixCache;

namespace MixCacheOrt.Caching.Baselines;

/// <summary>
/// MagCache (Ma et al. 2025; reference: Zehong-Ma/MagCache, MagCache4Wan2.1). The magnitude ratio of consecutive
/// residuals (what the block stack adds), calibrated once per model, is accumulated from the retention step on;
/// while the accumulated error Σ|1 − Πratio| stays under <see cref="Threshold"/> and at most
/// <see cref="MaxSkipSteps"/> steps were skipped in a row, the step reuses the last residual
/// (<see cref="StepMode.ResidualReuse"/>); otherwise it computes and the accumulators restart.
/// </summary>
/// <remarks>
/// The reference keeps one accumulator per CFG branch with per-branch ratios; our residual cache serves both branches
/// in one batch-2 pass, so one accumulator runs on the mean of the two branches' ratios (they differ by under 1% on
/// tiny-wan's calibration).
/// </remarks>
public sealed record MagCacheOptions
{
    /// <summary>Accumulated-error threshold E (reference README for T2V-1.3B: 0.12).</summary>
    public double Threshold { get; init; } = 0.12;

    /// <summary>Longest run of skipped steps K (T2V-1.3B: 4).</summary>
    public int MaxSkipSteps { get; init; } = 4;

    /// <summary>Fraction of the steps always computed first R (0.2).</summary>
    public double RetentionRatio { get; init; } = 0.2;

    /// <summary>Calibrated magnitude ratio per step (index 0 = 1).</summary>
    public required IReadOnlyList<double> Ratios { get; init; }
}

/// <summary>MagCache's accumulators and its pure update rule.</summary>
public readonly record struct MagCacheState(double Ratio, int Steps, double Error)
{
    public static MagCacheState Fresh => new(1, 0, 0);

    /// <summary>One step at or after the retention step: accumulate, then skip or compute (and restart).</summary>
    public (bool Skip, MagCacheState Next) Step(double ratio, MagCacheOptions o)
    {
        double accRatio = this.Ratio * ratio;
        int accSteps = this.Steps + 1;
        double accError = this.Error + Math.Abs(1 - accRatio);
        return accError < o.Threshold && accSteps <= o.MaxSkipSteps
            ? (true, new MagCacheState(accRatio, accSteps, accError))
            : (false, Fresh);
    }
}

public sealed class MagCachePolicy(string name, MagCacheOptions options) : ICachePolicy
{
    private MagCacheState state = MagCacheState.Fresh;
    private int steps;

    public string Name => name;

    public IReadOnlySet<int> BlockCandidates { get; } = new HashSet<int>();

    public CacheNeeds Needs => CacheNeeds.Residual;

    public void Reset(int steps, int blockCount)
    {
        this.steps = steps;
        this.state = MagCacheState.Fresh;
    }

    public CacheDecision Decide(int step, CacheAvailability cache)
    {
        int retention = (int)(this.steps * options.RetentionRatio);
        if (step < retention || !cache.HasResidual)
        {
            this.state = MagCacheState.Fresh;
            return CacheDecision.Full;
        }

        (bool skip, this.state) = this.state.Step(RatioAt(step), options);
        return skip ? CacheDecision.ReuseResidual : CacheDecision.Full;
    }

    public void Observe(StepObservation observation) => observation.Metrics["mag_error"] = this.state.Error;

    // The reference resamples its ratios to other step counts by nearest neighbour.
    private double RatioAt(int step)
    {
        IReadOnlyList<double> r = options.Ratios;
        int index = this.steps <= 1 ? 0 : (int)Math.Round(step * (r.Count - 1) / (double)(this.steps - 1));
        return r[Math.Clamp(index, 0, r.Count - 1)];
    }
}

/// <summary>MagCache's calibrated ratios for a model, <c>magcache.json</c> next to the manifest (written by <c>mixcache calibrate</c>).</summary>
public sealed record MagCacheCalibration
{
    public const string FileName = "magcache.json";

    /// <summary>Mean over tokens of ‖r_t‖ / ‖r_{t−1}‖ per step (norm over channels), averaged over branches and runs; index 0 = 1.</summary>
    public required double[] Ratios { get; init; }

    public string[]? Runs { get; init; }

    public void Save(string path) =>
        Media.AtomicFile.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, MixCacheProfile.JsonOptions)));

    public static MagCacheCalibration Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"MagCache calibration '{path}' is missing: run 'mixcache calibrate' for this model first", path);
        }

        try
        {
            MagCacheCalibration c = JsonSerializer.Deserialize<MagCacheCalibration>(File.ReadAllText(path), MixCacheProfile.JsonOptions)
                ?? throw new InvalidDataException($"'{path}' is empty");
            return c.Ratios is { Length: > 1 } ? c : throw new InvalidDataException($"'{path}' has no ratios; re-run 'mixcache calibrate'");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid MagCache calibration: {e.Message}; re-run 'mixcache calibrate'", e);
        }
    }

    /// <summary>Mean over tokens of the per-token L2-norm ratio of two residuals [rows, tokens, dim].</summary>
    public static double MagnitudeRatio(ReadOnlySpan<float> current, ReadOnlySpan<float> previous, int dim)
    {
        int tokens = current.Length / dim;
        double sum = 0;
        for (int t = 0; t < tokens; t++)
        {
            double now = System.Numerics.Tensors.TensorPrimitives.Norm(current.Slice(t * dim, dim));
            double before = System.Numerics.Tensors.TensorPrimitives.Norm(previous.Slice(t * dim, dim));
            sum += now / before;
        }

        return sum / tokens;
    }
}
