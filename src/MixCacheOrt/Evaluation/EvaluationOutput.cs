using System.Text;
using MixCacheOrt.Media;
using MixCacheOrt.Plots;

namespace MixCacheOrt.Evaluation;

/// <summary>
/// Writes an evaluation's output directory: <see cref="ResultsFile"/>, <see cref="RunsFile"/>,
/// <see cref="SummaryFile"/> and the plots (<see cref="PlotFiles"/>: quality vs speed, and the mode timeline of every
/// method on the first prompt and seed, each as PNG and SVG), and <see cref="HtmlReport.FileName"/> with the runs' videos
/// in <see cref="HtmlReport.VideoDirectory"/>, and <see cref="EvaluationShards.RecordsFile"/> (what <c>eval merge</c> reads).
/// The directory appears only when every file is complete
/// (<see cref="AtomicFile.CreateDirectory"/>); a failure or cancellation leaves no directory behind.
/// </summary>
public static class EvaluationOutput
{
    public const string ResultsFile = "results.md";

    public const string RunsFile = "runs.csv";

    public const string SummaryFile = "summary.json";

    /// <summary>The plot files every evaluation writes.</summary>
    public static IReadOnlyList<string> PlotFileNames { get; } =
        [QualitySpeedPlot.FileName + ".png", QualitySpeedPlot.FileName + ".svg", QualitySpeedPlot.SsimFileName + ".png", QualitySpeedPlot.SsimFileName + ".svg",
            ModeTimelinePlot.FileName + ".png", ModeTimelinePlot.FileName + ".svg", LatencyBreakdownPlot.FileName + ".png", LatencyBreakdownPlot.FileName + ".svg"];

    /// <summary>Creates <paramref name="directory"/> (which must not exist) with the report files and plots.</summary>
    /// <returns>The text of <see cref="ResultsFile"/>.</returns>
    /// <exception cref="IOException"><paramref name="directory"/> already exists.</exception>
    /// <param name="directory">Where to write; must not exist.</param>
    /// <param name="report">The report.</param>
    /// <param name="shardIndex">The slice this report is (1-based) of <paramref name="shardCount"/>, recorded in <see cref="EvaluationShards.RecordsFile"/>.</param>
    /// <param name="shardCount">Number of slices of the evaluation; 1 for a whole run.</param>
    public static string Write(string directory, EvaluationReport report, int shardIndex = 1, int shardCount = 1)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(report);
        string markdown = MarkdownReport.Create(report);
        string csv = RunsCsv.Create(report.Records);
        string json = SummaryJson.CreateText(report) + "\n";
        EvaluationSettings s = report.Settings;
        int groups = report.Records.Select(r => (r.Prompt, r.Seed)).Distinct().Count();
        string scope = groups < s.Prompts.Count * s.Seeds.Count
            ? $"slice {shardIndex}/{shardCount}: {EvaluationFormat.Count(groups, "prompt/seed group")}"
            : $"{EvaluationFormat.Count(s.Prompts.Count, "prompt")} × {EvaluationFormat.Count(s.Seeds.Count, "seed")}";
        string title = $"Quality vs speed: {s.ModelName}, {scope}, {s.Steps} steps";
        ScottPlot.Plot quality = QualitySpeedPlot.Create(report.Summaries, title);
        ScottPlot.Plot qualitySsim = QualitySpeedPlot.Create(report.Summaries, title, ssim: true);
        ScottPlot.Plot latency = LatencyBreakdownPlot.Create(report.Summaries, $"Latency breakdown: {s.ModelName}, {scope}, {s.Steps} steps");
        EvaluationRecord? first = report.Records.FirstOrDefault();
        List<(string, IReadOnlyList<string>)> timeline = first is null ? [] :
            [.. report.Records.Where(r => r.Prompt == first.Prompt && r.Seed == first.Seed).Select(r => (r.Method, r.ModeSequence))];
        ScottPlot.Plot modes = ModeTimelinePlot.Create(timeline, $"Step modes: '{first?.Prompt}', seed {first?.Seed}");
        AtomicFile.CreateDirectory(directory, temporary =>
        {
            AtomicFile.WriteAllBytes(Path.Combine(temporary, ResultsFile), Encoding.UTF8.GetBytes(markdown));
            AtomicFile.WriteAllBytes(Path.Combine(temporary, RunsFile), Encoding.UTF8.GetBytes(csv));
            AtomicFile.WriteAllBytes(Path.Combine(temporary, SummaryFile), Encoding.UTF8.GetBytes(json));
            PlotFiles.Save(quality, temporary, QualitySpeedPlot.FileName, 900, 600);
            PlotFiles.Save(qualitySsim, temporary, QualitySpeedPlot.SsimFileName, 900, 600);
            PlotFiles.Save(latency, temporary, LatencyBreakdownPlot.FileName, 1000, 120 + (26 * Math.Max(1, report.Summaries.Count)));
            PlotFiles.Save(modes, temporary, ModeTimelinePlot.FileName, 1000, 120 + (34 * Math.Max(1, timeline.Count)));
            Directory.CreateDirectory(Path.Combine(temporary, HtmlReport.VideoDirectory));
            for (int i = 0; i < report.Records.Count; i++)
            {
                if (report.Records[i].Gif is byte[] gif)
                {
                    File.WriteAllBytes(Path.Combine(temporary, HtmlReport.VideoPath(report.Records[i], i)), gif);
                }
            }

            EvaluationShards.WriteRecords(temporary, new EvaluationShards.Slice(shardIndex, shardCount, report.Settings, report.Environment, report.Records));
            string html = HtmlReport.Create(report, [QualitySpeedPlot.FileName + ".svg", QualitySpeedPlot.SsimFileName + ".svg", ModeTimelinePlot.FileName + ".svg"]);
            AtomicFile.WriteAllBytes(Path.Combine(temporary, HtmlReport.FileName), Encoding.UTF8.GetBytes(html));
        });
        return markdown;
    }
}
