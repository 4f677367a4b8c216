using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MixCacheOrt.Cli.Commands;
using MixCacheOrt.Models;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Cli.Reports;

/// <summary>The <c>run.json</c> of one generation (also what <c>--json</c> prints).</summary>
internal static class RunReport
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JsonObject Create(GenerationResult r, RunContext context, IReadOnlyDictionary<string, string> outputs)
    {
        var steps = new JsonArray();
        foreach (StepTrace s in r.Trace)
        {
            var step = new JsonObject
            {
                ["step"] = s.Step,
                ["timestep"] = Math.Round(s.Timestep, 4),
                ["mode"] = s.Decision.ToString(),
                ["block_evaluations"] = s.BlockEvaluations,
                ["ms"] = Ms(s.Elapsed),
                ["compute_ms"] = Ms(s.Compute),
                ["overhead_ms"] = Ms(s.Overhead),
                ["host_to_device_bytes"] = s.HostToDeviceBytes,
                ["device_to_host_bytes"] = s.DeviceToHostBytes,
                ["tensor_bytes"] = s.TensorBytes,
                ["allocated_bytes"] = s.AllocatedBytes,
            };
            if (s.Metrics.Count > 0)
            {
                var metrics = new JsonObject();
                foreach ((string key, double value) in s.Metrics)
                {
                    metrics[key] = double.IsFinite(value) ? value : null;
                }

                step["metrics"] = metrics;
            }

            steps.Add(step);
        }

        var modeCounts = new JsonObject();
        var perMode = new JsonObject();
        foreach (IGrouping<string, StepTrace> g in r.Trace.GroupBy(s => s.Decision.ToString()))
        {
            modeCounts[g.Key] = g.Count();
        }

        foreach (IGrouping<string, StepTrace> g in r.Trace.GroupBy(s => Evaluation.StepModes.Label(s.Decision)))
        {
            perMode[g.Key] = new JsonObject
            {
                ["steps"] = g.Count(),
                ["mean_ms"] = Math.Round(g.Average(s => s.Elapsed.TotalMilliseconds), 3),
                ["mean_host_to_device_bytes"] = Math.Round(g.Average(s => (double)s.HostToDeviceBytes), 1),
                ["mean_device_to_host_bytes"] = Math.Round(g.Average(s => (double)s.DeviceToHostBytes), 1),
                ["mean_tensor_bytes"] = Math.Round(g.Average(s => (double)s.TensorBytes), 1),
                ["mean_allocated_bytes"] = Math.Round(g.Average(s => (double)s.AllocatedBytes), 1),
            };
        }

        int fullBlocks = 2 * context.BlockCount * r.Steps;
        int blocksRun = r.Trace.Sum(s => s.BlockEvaluations);
        var outputsJson = new JsonObject();
        foreach ((string key, string path) in outputs)
        {
            outputsJson[key] = path;
        }

        return new JsonObject
        {
            ["prompt"] = r.Request.Prompt,
            ["prompt_words"] = new JsonObject { ["count"] = r.PromptWords, ["used"] = r.PromptWordsUsed, ["truncated"] = r.PromptWords > r.PromptWordsUsed },
            ["negative_prompt"] = r.Request.NegativePrompt,
            ["seed"] = r.Request.Seed,
            ["noise"] = context.NoiseFile ?? "seeded",
            ["steps"] = r.Steps,
            ["guidance"] = r.Guidance,
            ["shift"] = r.Shift,
            ["cache"] = r.CachePolicy,
            ["model"] = new JsonObject { ["name"] = context.ModelName, ["directory"] = context.ModelDirectory, ["blocks"] = context.BlockCount },
            ["runtime"] = ExecutionChoice.Describe(context.Execution),
            ["latency_ms"] = new JsonObject
            {
                ["total"] = Ms(r.Timings.Total),
                ["text_encoder"] = Ms(r.Timings.TextEncoder),
                ["denoise"] = Ms(r.Timings.Denoise),
                ["decode"] = Ms(r.Timings.Decode),
                ["full_compute"] = Ms(r.Timings.FullCompute),
                ["cached_compute"] = Ms(r.Timings.CachedCompute),
                ["decision_overhead"] = Ms(r.Timings.DecisionOverhead),
            },
            ["cache_summary"] = new JsonObject
            {
                ["steps_per_mode"] = modeCounts,
                ["block_evaluations"] = blocksRun,
                ["block_evaluations_full_compute"] = fullBlocks,
                ["ideal_speedup"] = blocksRun == 0 ? null : Math.Round((double)fullBlocks / blocksRun, 3),
                ["cache_bytes_peak"] = r.CacheBytesPeak,
                ["per_mode"] = perMode,
                ["host_to_device_bytes"] = r.Trace.Sum(s => s.HostToDeviceBytes),
                ["device_to_host_bytes"] = r.Trace.Sum(s => s.DeviceToHostBytes),
            },
            ["outputs"] = outputsJson,
            ["per_step"] = steps,
        };
    }

    private static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 3);
}

/// <summary>Facts about the run that the result itself does not carry.</summary>
internal sealed record RunContext(string ModelName, string ModelDirectory, int BlockCount, ExecutionSettings Execution, string? NoiseFile);
