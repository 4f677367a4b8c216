using System.Globalization;
using System.Text;

namespace MixCacheOrt.Evaluation;

/// <summary>
/// <c>runs.csv</c>: one row per (prompt, seed, method) run, RFC 4180 (comma-separated, fields with commas, quotes or
/// line breaks quoted, header row, LF line ends), numbers culture-independent.
/// </summary>
/// <remarks>
/// Conventions: <c>psnr_db</c> is empty when <c>identical_to_reference</c> is true (infinite PSNR; also for the
/// reference row itself); <c>ideal_speedup</c> and detected attributes are empty when undefined. One
/// <c>steps_&lt;mode&gt;</c> column per cache mode that any run used (<see cref="StepModes"/>).
/// </remarks>
public static class RunsCsv
{
    /// <summary>The fixed columns; <c>steps_&lt;mode&gt;</c> columns follow.</summary>
    public static IReadOnlyList<string> FixedColumns { get; } =
    [
        "prompt", "seed", "method", "is_reference", "steps",
        "total_ms", "text_encoder_ms", "denoise_ms", "decode_ms", "speedup", "denoise_speedup",
        "psnr_db", "identical_to_reference", "ssim",
        "adheres", "color_ok", "direction_ok", "shape_ok", "detected_color", "detected_direction", "detected_shape",
        "decision_overhead_ms", "overhead_fraction", "cache_bytes_peak", "block_evaluations", "block_evaluations_full_compute", "ideal_speedup",
        "host_device_bytes",
    ];

    /// <summary>The whole file.</summary>
    public static string Create(IReadOnlyList<EvaluationRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        IReadOnlyList<string> modes = StepModes.Order(records.SelectMany(r => r.StepsPerMode.Keys));
        var csv = new StringBuilder();
        AppendRow(csv, [.. FixedColumns, .. modes.Select(m => "steps_" + m)]);
        foreach (EvaluationRecord r in records)
        {
            AppendRow(csv,
            [
                r.Prompt, r.Seed.ToString(CultureInfo.InvariantCulture), r.Method, Bool(r.IsReference), Int(r.Steps),
                Ms(r.TotalMs), Ms(r.TextEncoderMs), Ms(r.DenoiseMs), Ms(r.DecodeMs), Real(r.Speedup, 4), Real(r.DenoiseSpeedup, 4),
                r.IdenticalToReference ? string.Empty : Real(r.Psnr, 4), Bool(r.IdenticalToReference), Real(r.Ssim, 6),
                Bool(r.Adheres), Bool(r.ColorOk), Bool(r.DirectionOk), Bool(r.ShapeOk), r.DetectedColor ?? string.Empty,
                r.DetectedDirection ?? string.Empty, r.DetectedShape ?? string.Empty,
                Ms(r.DecisionOverheadMs), Real(r.OverheadFraction, 6), r.CacheBytesPeak.ToString(CultureInfo.InvariantCulture),
                Int(r.BlockEvaluations), Int(r.BlockEvaluationsFullCompute), r.IdealSpeedup is double ideal ? Real(ideal, 4) : string.Empty,
                r.HostDeviceBytes.ToString(CultureInfo.InvariantCulture),
                .. modes.Select(m => Int(r.StepsPerMode.GetValueOrDefault(m))),
            ]);
        }

        return csv.ToString();
    }

    /// <summary>One field, quoted if it needs to be.</summary>
    public static string Quote(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
    }

    private static void AppendRow(StringBuilder csv, IEnumerable<string> fields) => csv.Append(string.Join(',', fields.Select(Quote))).Append('\n');

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double value) => Real(value, 3);

    /// <summary>Finite values rounded; NaN (undefined, e.g. a zero-time division) as an empty field.</summary>
    private static string Real(double value, int decimals) => double.IsFinite(value) ? EvaluationFormat.Number(value, decimals) : string.Empty;
}
