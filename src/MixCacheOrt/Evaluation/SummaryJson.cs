using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MixCacheOrt.Evaluation;

/// <summary>
/// <c>summary.json</c>: <c>conventions</c>, <c>settings</c>, <c>environment</c>, per-method aggregates
/// (<c>methods</c>) and every run (<c>runs</c>). Latencies in milliseconds, snake_case names as in <c>run.json</c>.
/// </summary>
/// <remarks>
/// JSON has no infinity: a run identical to its reference has <c>psnr_db</c> = null and
/// <c>identical_to_reference</c> = true; the reference method's <c>mean_psnr_db</c> is null. Any other undefined
/// number (e.g. a ratio with a zero denominator) is null as well. The same conventions are spelled out in the file's
/// <c>conventions</c> object.
/// </remarks>
public static class SummaryJson
{
    /// <summary>Indented, with non-ASCII text (prompts, ×) kept readable.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The document as JSON text.</summary>
    public static string CreateText(EvaluationReport report) => Create(report).ToJsonString(Options);

    /// <summary>The document.</summary>
    public static JsonObject Create(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        EvaluationSettings s = report.Settings;
        EvaluationEnvironment e = report.Environment;
        var methods = new JsonArray();
        foreach (MethodSummary m in report.Summaries)
        {
            methods.Add(Method(m));
        }

        var runs = new JsonArray();
        foreach (EvaluationRecord r in report.Records)
        {
            runs.Add(Run(r));
        }

        return new JsonObject
        {
            ["conventions"] = new JsonObject
            {
                ["reference_method"] = EvaluationMethods.Reference,
                ["speedup"] = "per run: reference latency / method latency for the same prompt and seed (end to end: text encoder, denoise, decode); " +
                    "mean_speedup is the arithmetic mean of the per-run ratios, geomean_speedup their geometric mean; denoise_* use the denoising loop only",
                ["psnr"] = "decoded float frames in [0, 1] against the reference frames, data range 1; a run identical to its reference has infinite PSNR, " +
                    "written as psnr_db = null with identical_to_reference = true; mean_psnr_db counts such runs as psnr_cap_db and is null for the reference method",
                ["psnr_cap_db"] = MethodSummary.PsnrCapDb,
                ["ssim"] = "mean SSIM of the decoded frames against the reference frames (11x11 Gaussian window, sigma 1.5); 1 for the reference itself",
                ["adherence"] = "a run adheres when the detected colour and motion direction match the prompt (PromptAdherence)",
                ["overhead"] = "cache-policy decision time / end-to-end latency",
                ["steps_per_mode"] = "steps by cache mode: full, step, cfg, block, branch_block, residual (block index dropped)",
                ["ideal_speedup"] = "block evaluations of full compute (2 x blocks x steps) / block evaluations run; null when none ran",
            },
            ["settings"] = new JsonObject
            {
                ["command_line"] = s.CommandLine,
                ["model"] = new JsonObject { ["name"] = s.ModelName, ["directory"] = s.ModelDirectory },
                ["prompts_file"] = s.PromptsFile,
                ["prompts"] = new JsonArray([.. s.Prompts.Select(p => (JsonNode?)p)]),
                ["seeds"] = new JsonArray([.. s.Seeds.Select(x => (JsonNode?)x)]),
                ["methods"] = new JsonArray([.. s.Methods.Select(m => (JsonNode?)m)]),
                ["ablation"] = s.Ablation,
                ["steps"] = s.Steps,
                ["guidance"] = s.Guidance,
                ["scheduler"] = s.Scheduler,
                ["warmup_runs"] = s.WarmupRuns,
            },
            ["environment"] = new JsonObject
            {
                ["ort_version"] = e.OrtVersion,
                ["provider"] = e.Provider,
                ["threads"] = e.Threads,
                ["provider_options"] = new JsonObject([.. e.ProviderOptions.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]),
                ["processor_count"] = e.ProcessorCount,
                ["os"] = e.OperatingSystem,
                ["architecture"] = e.Architecture,
                ["runtime"] = e.Runtime,
                ["started_utc"] = e.StartedUtc.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                ["finished_utc"] = e.FinishedUtc.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            },
            ["methods"] = methods,
            ["runs"] = runs,
        };
    }

    private static JsonObject Method(MethodSummary m)
    {
        var modes = new JsonObject();
        foreach ((string mode, double steps) in m.MeanStepsPerMode)
        {
            modes[mode] = Real(steps, 3);
        }

        return new JsonObject
        {
            ["method"] = m.Method,
            ["is_reference"] = m.IsReference,
            ["runs"] = m.Runs,
            ["mean_latency_ms"] = Real(m.MeanTotalMs, 3),
            ["mean_denoise_ms"] = Real(m.MeanDenoiseMs, 3),
            ["mean_speedup"] = Real(m.MeanSpeedup, 4),
            ["geomean_speedup"] = Real(m.GeometricMeanSpeedup, 4),
            ["mean_denoise_speedup"] = Real(m.MeanDenoiseSpeedup, 4),
            ["mean_psnr_db"] = m.MeanPsnr is double psnr ? Real(psnr, 4) : null,
            ["identical_runs"] = m.IdenticalRuns,
            ["mean_ssim"] = Real(m.MeanSsim, 6),
            ["adhering_runs"] = m.AdheringRuns,
            ["adherence_percent"] = Real(m.AdherencePercent, 2),
            ["mean_overhead_percent"] = Real(m.MeanOverheadPercent, 4),
            ["mean_steps_per_mode"] = modes,
            ["mean_ideal_speedup"] = m.MeanIdealSpeedup is double ideal ? Real(ideal, 4) : null,
            ["peak_cache_bytes"] = m.PeakCacheBytes,
            ["psnr_p5_db"] = m.PsnrP5 is double p5 ? Real(p5, 4) : null,
            ["psnr_ci95_db"] = m.PsnrInterval is { } pi ? new JsonArray(Real(pi.Low, 4), Real(pi.High, 4)) : null,
            ["ssim_ci95"] = m.SsimInterval is { } si ? new JsonArray(Real(si.Low, 6), Real(si.High, 6)) : null,
            ["share_below_30db"] = m.ShareBelowPoorPsnr is double poor ? Real(poor, 4) : null,
            ["mean_host_device_bytes_per_step"] = Real(m.MeanHostDeviceBytesPerStep, 1),
            ["mean_step_ms_per_mode"] = new JsonObject([.. m.MeanStepMsPerMode.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Real(kv.Value, 3)))]),
        };
    }

    private static JsonObject Run(EvaluationRecord r)
    {
        var modes = new JsonObject();
        foreach ((string mode, int steps) in r.StepsPerMode)
        {
            modes[mode] = steps;
        }

        return new JsonObject
        {
            ["prompt"] = r.Prompt,
            ["seed"] = r.Seed,
            ["method"] = r.Method,
            ["is_reference"] = r.IsReference,
            ["steps"] = r.Steps,
            ["latency_ms"] = new JsonObject
            {
                ["total"] = Real(r.TotalMs, 3),
                ["text_encoder"] = Real(r.TextEncoderMs, 3),
                ["denoise"] = Real(r.DenoiseMs, 3),
                ["decode"] = Real(r.DecodeMs, 3),
                ["decision_overhead"] = Real(r.DecisionOverheadMs, 3),
            },
            ["speedup"] = Real(r.Speedup, 4),
            ["denoise_speedup"] = Real(r.DenoiseSpeedup, 4),
            ["psnr_db"] = Real(r.Psnr, 4),
            ["identical_to_reference"] = r.IdenticalToReference,
            ["ssim"] = Real(r.Ssim, 6),
            ["adherence"] = new JsonObject
            {
                ["adheres"] = r.Adheres,
                ["color_ok"] = r.ColorOk,
                ["direction_ok"] = r.DirectionOk,
                ["shape_ok"] = r.ShapeOk,
                ["detected"] = new JsonObject { ["color"] = r.DetectedColor, ["direction"] = r.DetectedDirection, ["shape"] = r.DetectedShape },
            },
            ["overhead_fraction"] = Real(r.OverheadFraction, 6),
            ["steps_per_mode"] = modes,
            ["cache_bytes_peak"] = r.CacheBytesPeak,
            ["block_evaluations"] = r.BlockEvaluations,
            ["block_evaluations_full_compute"] = r.BlockEvaluationsFullCompute,
            ["ideal_speedup"] = r.IdealSpeedup is double ideal ? Real(ideal, 4) : null,
        };
    }

    /// <summary>Finite values rounded; infinities and NaN as null (see the remarks).</summary>
    private static JsonNode? Real(double value, int decimals) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, decimals)) : null;
}
