namespace MixCacheOrt.Evaluation;

/// <summary>
/// The aggregate of one method over all its runs (one row of the results table).
/// </summary>
/// <remarks>
/// Conventions: means are arithmetic means over runs, except <see cref="GeometricMeanSpeedup"/>. Speedups are
/// per-run ratios against the reference run of the same prompt and seed, averaged afterwards. A run identical to its
/// reference has infinite PSNR; <see cref="MeanPsnr"/> counts it as <see cref="PsnrCapDb"/> dB and
/// <see cref="IdenticalRuns"/> says how many such runs there were. The reference method has no PSNR of its own
/// (<see cref="MeanPsnr"/> is null).
/// </remarks>
public sealed record MethodSummary
{
    /// <summary>PSNR (dB) that an infinite PSNR (identical frames) counts as in means.</summary>
    public const double PsnrCapDb = 100;

    public required string Method { get; init; }

    /// <summary>The method is the reference (full compute).</summary>
    public required bool IsReference { get; init; }

    public required int Runs { get; init; }

    /// <summary>Mean end-to-end latency (ms).</summary>
    public required double MeanTotalMs { get; init; }

    /// <summary>Mean denoising-loop latency (ms).</summary>
    public required double MeanDenoiseMs { get; init; }

    /// <summary>Arithmetic mean of the per-run end-to-end speedups.</summary>
    public required double MeanSpeedup { get; init; }

    /// <summary>Geometric mean of the per-run end-to-end speedups.</summary>
    public required double GeometricMeanSpeedup { get; init; }

    /// <summary>Arithmetic mean of the per-run denoising speedups.</summary>
    public required double MeanDenoiseSpeedup { get; init; }

    /// <summary>Mean PSNR (dB) with infinite values counted as <see cref="PsnrCapDb"/>; null for the reference.</summary>
    public required double? MeanPsnr { get; init; }

    /// <summary>Runs whose frames equal the reference frames (infinite PSNR).</summary>
    public required int IdenticalRuns { get; init; }

    public required double MeanSsim { get; init; }

    /// <summary>Runs that adhere to their prompt.</summary>
    public required int AdheringRuns { get; init; }

    /// <summary>Share of adhering runs, in percent.</summary>
    public double AdherencePercent => this.Runs == 0 ? 0 : 100.0 * this.AdheringRuns / this.Runs;

    /// <summary>Mean of decision overhead / total latency, in percent.</summary>
    public required double MeanOverheadPercent { get; init; }

    /// <summary>Mean steps per cache mode (<see cref="StepModes.Order"/>); modes a run did not use count as 0 for it.</summary>
    public required IReadOnlyDictionary<string, double> MeanStepsPerMode { get; init; }

    /// <summary>Mean ideal (block-count) speedup over the runs that have one; null when none has.</summary>
    public required double? MeanIdealSpeedup { get; init; }

    /// <summary>Largest cache footprint of any run (bytes).</summary>
    public required long PeakCacheBytes { get; init; }

    /// <summary>5th percentile of the per-run PSNR (identical runs at the cap); null for the reference.</summary>
    public double? PsnrP5 { get; init; }

    /// <summary>Share of runs (0–1) below <see cref="PoorPsnrDb"/>; null for the reference.</summary>
    public double? ShareBelowPoorPsnr { get; init; }

    /// <summary>The PSNR under which a run counts as poor in the reports (a visibly different video).</summary>
    public const double PoorPsnrDb = 30;

    /// <summary>Mean over runs of the bytes moved between host and ORT values per denoising step.</summary>
    public double MeanHostDeviceBytesPerStep { get; init; }

    /// <summary>Mean step wall time per mode, over the runs that had steps of that mode.</summary>
    public IReadOnlyDictionary<string, double> MeanStepMsPerMode { get; init; } = new Dictionary<string, double>();

    /// <summary>95% bootstrap interval of <see cref="MeanPsnr"/> over the runs (2,000 resamples); null for the reference.</summary>
    public (double Low, double High)? PsnrInterval { get; init; }

    /// <summary>95% bootstrap interval of <see cref="MeanSsim"/> over the runs; null for the reference.</summary>
    public (double Low, double High)? SsimInterval { get; init; }

    /// <summary><paramref name="psnr"/> with +∞ replaced by <see cref="PsnrCapDb"/>.</summary>
    public static double CapPsnr(double psnr) => double.IsPositiveInfinity(psnr) ? PsnrCapDb : psnr;

    /// <summary>One summary per method, in order of first appearance in <paramref name="records"/>.</summary>
    public static IReadOnlyList<MethodSummary> Aggregate(IEnumerable<EvaluationRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return [.. records.GroupBy(r => r.Method, StringComparer.Ordinal).Select(g => Summarize(g.Key, [.. g]))];
    }

    /// <summary>The summary of <paramref name="runs"/>, all of method <paramref name="method"/>.</summary>
    public static MethodSummary Summarize(string method, IReadOnlyList<EvaluationRecord> runs)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
        {
            throw new ArgumentException($"no runs of method '{method}'", nameof(runs));
        }

        bool reference = runs.All(r => r.IsReference);
        IReadOnlyList<string> modes = StepModes.Order(runs.SelectMany(r => r.StepsPerMode.Keys));
        double[] ideal = [.. runs.Where(r => r.IdealSpeedup is not null).Select(r => r.IdealSpeedup!.Value)];
        return new MethodSummary
        {
            Method = method,
            IsReference = reference,
            Runs = runs.Count,
            MeanTotalMs = runs.Average(r => r.TotalMs),
            MeanDenoiseMs = runs.Average(r => r.DenoiseMs),
            MeanSpeedup = runs.Average(r => r.Speedup),
            GeometricMeanSpeedup = Math.Exp(runs.Average(r => Math.Log(r.Speedup))),
            MeanDenoiseSpeedup = runs.Average(r => r.DenoiseSpeedup),
            MeanPsnr = reference ? null : runs.Average(r => CapPsnr(r.Psnr)),
            IdenticalRuns = runs.Count(r => r.IdenticalToReference),
            MeanSsim = runs.Average(r => r.Ssim),
            AdheringRuns = runs.Count(r => r.Adheres),
            MeanOverheadPercent = 100 * runs.Average(r => r.OverheadFraction),
            MeanStepsPerMode = modes.ToDictionary(m => m, m => runs.Average(r => (double)r.StepsPerMode.GetValueOrDefault(m))),
            MeanIdealSpeedup = ideal.Length == 0 ? null : ideal.Average(),
            PeakCacheBytes = runs.Max(r => r.CacheBytesPeak),
            PsnrP5 = reference ? null : Statistics.Percentile([.. runs.Select(r => CapPsnr(r.Psnr))], 5),
            ShareBelowPoorPsnr = reference ? null : (double)runs.Count(r => r.Psnr < PoorPsnrDb) / runs.Count,
            MeanHostDeviceBytesPerStep = runs.Average(r => r.Steps == 0 ? 0 : (double)r.HostDeviceBytes / r.Steps),
            MeanStepMsPerMode = StepModes.Order(runs.SelectMany(r => r.MeanStepMsPerMode.Keys))
                .ToDictionary(m => m, m => runs.Where(r => r.MeanStepMsPerMode.ContainsKey(m)).Average(r => r.MeanStepMsPerMode[m])),
            PsnrInterval = reference ? null : Interval([.. runs.Select(r => CapPsnr(r.Psnr))]),
            SsimInterval = reference ? null : Interval([.. runs.Select(r => r.Ssim)]),
        };
    }

    private static (double Low, double High) Interval(double[] values)
    {
        (double _, double low, double high) = Statistics.PairedBootstrap(values, resamples: 2000);
        return (low, high);
    }
}
