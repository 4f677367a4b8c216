using System.Text;

namespace MixCacheOrt.Evaluation;

/// <summary>
/// <c>results.md</c>: the per-method table in the style of the paper's Table 1 (speedup, latency, PSNR, SSIM,
/// adherence, steps per mode), its conventions as footnotes, and the setup (command line, model, runtime, machine,
/// date).
/// </summary>
public static class MarkdownReport
{
    /// <summary>Column headers of the table, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
        ["Method", "Speedup", "Denoise speedup", "Latency (ms)", "PSNR (dB)", "PSNR p5", "< 30 dB", "SSIM", "Adherence", "Overhead", "Steps per mode (mean)"];

    /// <summary>The cell text of a reference PSNR or SSIM (the reference is not compared with itself).</summary>
    public const string ReferenceCell = "— (reference)";

    /// <summary>The whole <c>results.md</c>.</summary>
    public static string Create(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        EvaluationSettings s = report.Settings;
        EvaluationEnvironment e = report.Environment;
        var md = new StringBuilder();
        md.AppendLine($"# Cache evaluation: {s.ModelName}, {EvaluationFormat.Count(s.Prompts.Count, "prompt")} × {EvaluationFormat.Count(s.Seeds.Count, "seed")}, {s.Steps} steps");
        md.AppendLine();
        md.Append(Table(report.Summaries));
        md.AppendLine();
        md.Append(Footnotes(report));
        md.AppendLine();
        md.Append(Paired(report));
        md.Append(MatchedSpeed(report));
        md.AppendLine("## Setup");
        md.AppendLine();
        if (s.CommandLine is not null)
        {
            md.AppendLine($"- Command: `{s.CommandLine}`");
        }

        md.AppendLine($"- Model: {s.ModelName} (`{s.ModelDirectory}`), {s.Steps} steps of {s.Scheduler}, guidance {EvaluationFormat.Number(s.Guidance, 3)}");
        md.AppendLine($"- Prompts: {s.Prompts.Count}{(s.PromptsFile is null ? string.Empty : $" from `{s.PromptsFile}`")}; seeds: {string.Join(", ", s.Seeds)}; " +
            $"{report.Records.Count} runs; {EvaluationFormat.Count(s.WarmupRuns, "untimed warm-up generation")} before them");
        md.AppendLine($"- Methods{(s.Ablation ? " (ablation set)" : string.Empty)}: {string.Join(", ", s.Methods)}");
        md.AppendLine($"- Runtime: ONNX Runtime {e.OrtVersion}, provider {e.Provider}, threads {e.ThreadsDescription}; {e.Runtime}; {e.OperatingSystem} ({e.Architecture})");
        md.AppendLine($"- Date: {e.StartedUtc.UtcDateTime:yyyy-MM-dd HH:mm:ss} – {e.FinishedUtc.UtcDateTime:HH:mm:ss} UTC " +
            $"({EvaluationFormat.Number((e.FinishedUtc - e.StartedUtc).TotalMinutes, 1)} min)");
        return md.ToString();
    }

    /// <summary>The table alone (header, alignment row, one row per method).</summary>
    public static string Table(IReadOnlyList<MethodSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var md = new StringBuilder();
        md.AppendLine($"| {string.Join(" | ", Columns)} |");
        md.AppendLine("|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|:--|");
        foreach (string[] cells in Rows(summaries))
        {
            md.AppendLine($"| {string.Join(" | ", cells)} |");
        }

        return md.ToString();
    }

    /// <summary>The cells of the table's rows (one per method, in <see cref="Columns"/> order), shared with the HTML report.</summary>
    public static IEnumerable<string[]> Rows(IReadOnlyList<MethodSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        foreach (MethodSummary m in summaries)
        {
            yield return
            [
                m.IsReference ? $"{m.Method} (reference)" : m.Method,
                Speedup(m.MeanSpeedup),
                Speedup(m.MeanDenoiseSpeedup),
                EvaluationFormat.Fixed(m.MeanTotalMs, 1),
                Psnr(m),
                m.PsnrP5 is double p5 ? EvaluationFormat.Fixed(p5, 2) : ReferenceCell,
                m.ShareBelowPoorPsnr is double poor ? $"{EvaluationFormat.Fixed(100 * poor, 1)}%" : ReferenceCell,
                m.IsReference ? ReferenceCell : EvaluationFormat.Fixed(m.MeanSsim, 4),
                $"{EvaluationFormat.Fixed(m.AdherencePercent, 1)}% ({m.AdheringRuns}/{m.Runs})",
                $"{EvaluationFormat.Fixed(m.MeanOverheadPercent, 2)}%",
                EvaluationFormat.Modes(m.MeanStepsPerMode),
            ];
        }
    }

    private static string Footnotes(EvaluationReport report)
    {
        var md = new StringBuilder();
        string reference = EvaluationMethods.Reference;
        md.AppendLine($"- **Speedup**: mean over runs of (latency of `{reference}` / latency of the method) for the same prompt and seed " +
            "(arithmetic mean of the per-run ratios; geometric means are in `summary.json`). End to end: text encoder, denoising loop and " +
            "decoder. **Denoise speedup**: the same for the denoising loop only.");
        md.AppendLine("- **Latency**: mean end-to-end time of one generation.");
        md.AppendLine($"- **PSNR / SSIM**: decoded frames (float, values in [0, 1], data range 1) against full compute (`{reference}`) of the same " +
            $"prompt and seed. The reference row is not compared with itself. Frames identical to the reference have infinite PSNR; " +
            $"means count them as {EvaluationFormat.Number(MethodSummary.PsnrCapDb, 0)} dB ({IdenticalNote(report.Summaries)}); " +
            "`runs.csv` leaves their `psnr_db` empty with `identical_to_reference` = true, `summary.json` writes null.");
        md.AppendLine("- **Adherence**: runs whose detected colour and motion direction match the prompt (`PromptAdherence`).");
        md.AppendLine("- **Overhead**: time the cache policy spends deciding and measuring, as a share of end-to-end latency (mean over runs).");
        md.AppendLine("- **Steps per mode**: mean steps per run by how they were computed: full = both CFG branches through all blocks, " +
            "step = previous output reused, cfg = conditional branch only, block = resumed from a cached block, " +
            "branch_block = both branches from cached blocks, residual = block-stack residual reused; forecast_X = mode X with what it " +
            "reuses extrapolated to first order from its last two computed values.");
        return md.ToString();
    }

    /// <summary>
    /// Every method against the first MixCache method of the report, paired per (prompt, seed): mean differences of
    /// PSNR and speedup with 95% bootstrap intervals. Empty when there is no MixCache method or no other method.
    /// </summary>
    public static string Paired(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        string? anchor = report.Settings.Methods.FirstOrDefault(m => m.StartsWith("mixcache", StringComparison.OrdinalIgnoreCase));
        var runs = report.Records.Where(r => !r.IsReference).ToLookup(r => r.Method, StringComparer.OrdinalIgnoreCase);
        if (anchor is null || !runs.Contains(anchor))
        {
            return string.Empty;
        }

        var byKey = runs[anchor].ToDictionary(r => (r.Prompt, r.Seed));
        var md = new StringBuilder();
        md.AppendLine($"## Paired against {anchor}");
        md.AppendLine();
        md.AppendLine($"Per (prompt, seed), method minus {anchor}; mean and 95% percentile-bootstrap interval (10,000 resamples, fixed seed).");
        md.AppendLine();
        md.AppendLine("| Method | Pairs | ΔPSNR (dB) | 95% CI | ΔSpeedup | 95% CI |");
        md.AppendLine("|:--|--:|--:|:--|--:|:--|");
        foreach (IGrouping<string, EvaluationRecord> method in runs.Where(g => !string.Equals(g.Key, anchor, StringComparison.OrdinalIgnoreCase)))
        {
            (EvaluationRecord Other, EvaluationRecord Anchor)[] pairs = [.. method.Where(r => byKey.ContainsKey((r.Prompt, r.Seed))).Select(r => (r, byKey[(r.Prompt, r.Seed)]))];
            if (pairs.Length == 0)
            {
                continue;
            }

            var psnr = Statistics.PairedBootstrap([.. pairs.Select(p => MethodSummary.CapPsnr(p.Other.Psnr) - MethodSummary.CapPsnr(p.Anchor.Psnr))]);
            var speed = Statistics.PairedBootstrap([.. pairs.Select(p => p.Other.Speedup - p.Anchor.Speedup)]);
            md.AppendLine($"| {method.Key} | {pairs.Length} | {Signed(psnr.Mean)} | [{Signed(psnr.Low)}, {Signed(psnr.High)}] | " +
                $"{Signed(speed.Mean)} | [{Signed(speed.Low)}, {Signed(speed.High)}] |");
        }

        md.AppendLine();
        return md.ToString();
    }

    /// <summary>Speedups at which <see cref="MatchedSpeed"/> reads the frontiers.</summary>
    public static IReadOnlyList<double> MatchedSpeedups { get; } = [2.0, 2.5, 3.0];

    /// <summary>
    /// Each frontier line's PSNR at 2×, 2.5× and 3× (interpolated along its settings, <see cref="FrontierAnalysis"/>) with
    /// 95% bootstrap intervals, at matched end-to-end speed and at matched compute (block evaluations), and each MixCache
    /// line against the best other line at each speed (paired difference); empty unless some line has two or more settings.
    /// </summary>
    public static string MatchedSpeed(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        bool frontier = report.Records.Where(r => r.Method.Contains(':', StringComparison.Ordinal))
            .GroupBy(r => FrontierSweep.FamilyOf(r.Method)).Any(g => g.Select(r => r.Method).Distinct().Count() >= 2);
        if (!frontier)
        {
            return string.Empty;
        }

        var md = new StringBuilder();
        var speed = new FrontierAnalysis.Bootstrap(report.Records);
        md.AppendLine("## PSNR at matched speed");
        md.AppendLine();
        md.AppendLine("Each frontier line (its settings' mean end-to-end speedup and mean PSNR) read at the speedup by linear " +
            "interpolation; 95% interval from 2,000 bootstrap resamples of the (prompt, seed) groups, the same for every line. " +
            "— = the line's settings do not reach that speed.");
        md.AppendLine();
        AppendPoints(md, speed);
        string[] mixcache = [.. speed.Families.Where(f => f.StartsWith("mixcache", StringComparison.Ordinal))];
        string[] others = [.. speed.Families.Except(mixcache)];
        if (mixcache.Length > 0 && others.Length > 0)
        {
            md.AppendLine("### MixCache against the best other line");
            md.AppendLine();
            md.AppendLine("At each speed, the other line with the highest mean PSNR there; ΔPSNR = MixCache line − that line on the same " +
                "resampled groups (paired), mean and 95% interval. An interval above 0 is a win, below 0 a loss, across 0 a tie.");
            md.AppendLine();
            md.AppendLine("| MixCache line | " + string.Join(" | ", MatchedSpeedups.Select(x => $"at {EvaluationFormat.Number(x, 1)}×")) + " |");
            md.AppendLine("|:--|" + string.Concat(MatchedSpeedups.Select(_ => ":--|")));
            foreach (string line in mixcache)
            {
                var cells = new List<string>();
                foreach (double x in MatchedSpeedups)
                {
                    string? best = others.Select(o => speed.At(o, x)).Where(p => p.Psnr is not null).MaxBy(p => p.Psnr)?.Family;
                    FrontierAnalysis.Point? d = best is null ? null : speed.Difference(line, best, x);
                    cells.Add(d?.Psnr is double v
                        ? $"{Signed(v)} [{Signed(d.Low ?? v)}, {Signed(d.High ?? v)}] vs {best}"
                        : best is null ? "— (no other line)" : $"— (best: {best})");
                }

                md.AppendLine($"| {line} | {string.Join(" | ", cells)} |");
            }

            md.AppendLine();
        }

        md.AppendLine("## PSNR at matched compute");
        md.AppendLine();
        md.AppendLine("The same, read at each run's ideal speedup (block evaluations of full compute / the run's): what a cache would " +
            "give if its bookkeeping were free, i.e. the comparison independent of this machine's per-call costs.");
        md.AppendLine();
        AppendPoints(md, new FrontierAnalysis.Bootstrap(report.Records, compute: true));
        return md.ToString();
    }

    private static void AppendPoints(StringBuilder md, FrontierAnalysis.Bootstrap bootstrap)
    {
        md.AppendLine("| Line | " + string.Join(" | ", MatchedSpeedups.Select(x => $"PSNR at {EvaluationFormat.Number(x, 1)}×")) + " |");
        md.AppendLine("|:--|" + string.Concat(MatchedSpeedups.Select(_ => "--:|")));
        foreach (string family in bootstrap.Families)
        {
            md.AppendLine($"| {family} | " + string.Join(" | ", MatchedSpeedups.Select(x => bootstrap.At(family, x)).Select(p => p.Psnr is double v
                ? $"{EvaluationFormat.Fixed(v, 2)} [{EvaluationFormat.Fixed(p.Low ?? v, 2)}, {EvaluationFormat.Fixed(p.High ?? v, 2)}]"
                : "—")) + " |");
        }

        md.AppendLine();
    }

    private static string Signed(double value) => (value >= 0 ? "+" : "−") + EvaluationFormat.Fixed(Math.Abs(value), 2);

    private static string IdenticalNote(IReadOnlyList<MethodSummary> summaries)
    {
        MethodSummary[] affected = [.. summaries.Where(m => !m.IsReference && m.IdenticalRuns > 0)];
        return affected.Length == 0
            ? "no compared run was identical"
            : "marked †: " + string.Join(", ", affected.Select(m => $"{m.Method} {m.IdenticalRuns}/{m.Runs} runs"));
    }

    private static string Psnr(MethodSummary m)
    {
        if (m.IsReference || m.MeanPsnr is not double psnr)
        {
            return ReferenceCell;
        }

        return m.IdenticalRuns == m.Runs ? "∞ (identical) †"
            : m.IdenticalRuns > 0 ? $"{EvaluationFormat.Fixed(psnr, 2)} †"
            : EvaluationFormat.Fixed(psnr, 2);
    }

    private static string Speedup(double value) => double.IsFinite(value) ? $"{EvaluationFormat.Fixed(value, 2)}×" : "—";
}
