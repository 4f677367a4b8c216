using MixCacheOrt.Evaluation;

namespace MixCacheOrt.Tests.Evaluation;

/// <summary>Hand-made evaluation records and reports for the aggregation and writer tests.</summary>
internal static class EvaluationTestData
{
    public const string Prompt = "a red circle moving right";

    public static EvaluationRecord Record(string method, double speedup = 1, double psnr = double.PositiveInfinity, double ssim = 1,
        bool adheres = true, double totalMs = 1000, double overheadMs = 0, IReadOnlyDictionary<string, int>? modes = null,
        string prompt = Prompt, ulong seed = 1, int blockEvaluations = 240, long cacheBytes = 0)
    {
        bool reference = method == EvaluationMethods.Reference;
        return new EvaluationRecord
        {
            Prompt = prompt,
            Seed = seed,
            Method = method,
            IsReference = reference,
            Steps = 10,
            TotalMs = totalMs,
            TextEncoderMs = 1,
            DenoiseMs = totalMs - 5,
            DecodeMs = 4,
            Speedup = speedup,
            DenoiseSpeedup = speedup * 1.01,
            Psnr = psnr,
            Ssim = ssim,
            Adheres = adheres,
            ColorOk = adheres,
            DirectionOk = adheres,
            ShapeOk = true,
            DetectedColor = "red",
            DetectedDirection = adheres ? "right" : "none",
            DetectedShape = "circle",
            StepsPerMode = modes ?? new Dictionary<string, int> { ["full"] = 10 },
            DecisionOverheadMs = overheadMs,
            CacheBytesPeak = cacheBytes,
            BlockEvaluations = blockEvaluations,
            BlockEvaluationsFullCompute = 240,
        };
    }

    /// <summary>
    /// Two (prompt, seed) groups of none + mixcache-eff + teacache-0.1. mixcache-eff: 2× and 4× at 30 and 40 dB;
    /// teacache-0.1: one run identical to the reference (PSNR ∞), one at 20 dB.
    /// </summary>
    public static IReadOnlyList<EvaluationRecord> Records(string secondPrompt = "a blue square moving up")
    {
        var cached = new Dictionary<string, int> { ["full"] = 4, ["step"] = 5, ["block"] = 1 };
        return
        [
            Record("none", totalMs: 1000),
            Record("mixcache-eff", speedup: 2, psnr: 30, ssim: 0.98, totalMs: 500, overheadMs: 10, modes: cached, blockEvaluations: 100, cacheBytes: 4096),
            Record("teacache-0.1", speedup: 1, psnr: double.PositiveInfinity, ssim: 1, totalMs: 1000, overheadMs: 2),
            Record("none", totalMs: 1200, prompt: secondPrompt, seed: 2, adheres: false),
            Record("mixcache-eff", speedup: 4, psnr: 40, ssim: 0.99, totalMs: 300, overheadMs: 3, modes: cached, prompt: secondPrompt, seed: 2, adheres: false,
                blockEvaluations: 80, cacheBytes: 8192),
            Record("teacache-0.1", speedup: 1.5, psnr: 20, ssim: 0.9, totalMs: 800, overheadMs: 2,
                modes: new Dictionary<string, int> { ["full"] = 6, ["residual"] = 4 }, prompt: secondPrompt, seed: 2),
        ];
    }

    public static EvaluationReport Report(IReadOnlyList<EvaluationRecord>? records = null)
    {
        records ??= Records();
        var settings = new EvaluationSettings
        {
            CommandLine = "mixcache eval --seeds 1,2 --methods mixcache-eff,teacache-0.1",
            ModelName = "tiny-wan",
            ModelDirectory = "/models/tiny-wan",
            PromptsFile = "/models/tiny-wan/prompts/eval.txt",
            Prompts = [.. records.Select(r => r.Prompt).Distinct()],
            Seeds = [.. records.Select(r => r.Seed).Distinct()],
            Methods = [.. records.Select(r => r.Method).Distinct()],
            Steps = 10,
            Guidance = 5,
            WarmupRuns = 1,
        };
        var environment = new EvaluationEnvironment
        {
            OrtVersion = "1.30.0",
            Provider = "cpu",
            Threads = 2,
            StartedUtc = new DateTimeOffset(2026, 11, 22, 4, 50, 0, TimeSpan.Zero),
            FinishedUtc = new DateTimeOffset(2026, 11, 22, 4, 53, 30, TimeSpan.Zero),
        };
        return EvaluationReport.Create(settings, environment, records);
    }
}
