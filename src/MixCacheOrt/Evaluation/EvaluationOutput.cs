using System.Text;
using MixCacheOrt.Media;

namespace MixCacheOrt.Evaluation;

/// <summary>
/// Writes an evaluation's output directory: <see cref="ResultsFile"/>, <see cref="RunsFile"/>,
/// <see cref="SummaryFile"/> and <see cref="PlotFile"/>. The directory appears only when every file is complete
/// (<see cref="AtomicFile.CreateDirectory"/>); a failure or cancellation leaves no directory behind.
/// </summary>
public static class EvaluationOutput
{
    public const string ResultsFile = "results.md";

    public const string RunsFile = "runs.csv";

    public const string SummaryFile = "summary.json";

    public const string PlotFile = "quality_vs_latency.svg";

    /// <summary>Creates <paramref name="directory"/> (which must not exist) with the four files.</summary>
    /// <returns>The text of <see cref="ResultsFile"/>.</returns>
    /// <exception cref="IOException"><paramref name="directory"/> already exists.</exception>
    public static string Write(string directory, EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(report);
        string markdown = MarkdownReport.Create(report);
        string csv = RunsCsv.Create(report.Records);
        string json = SummaryJson.CreateText(report) + "\n";
        EvaluationSettings s = report.Settings;
        string title = $"Quality vs latency: {s.ModelName}, {EvaluationFormat.Count(s.Prompts.Count, "prompt")} × {EvaluationFormat.Count(s.Seeds.Count, "seed")}, {s.Steps} steps";
        string svg = QualityLatencyPlot.CreateText(report.Summaries, title);
        AtomicFile.CreateDirectory(directory, temporary =>
        {
            AtomicFile.WriteAllBytes(Path.Combine(temporary, ResultsFile), Encoding.UTF8.GetBytes(markdown));
            AtomicFile.WriteAllBytes(Path.Combine(temporary, RunsFile), Encoding.UTF8.GetBytes(csv));
            AtomicFile.WriteAllBytes(Path.Combine(temporary, SummaryFile), Encoding.UTF8.GetBytes(json));
            AtomicFile.WriteAllBytes(Path.Combine(temporary, PlotFile), Encoding.UTF8.GetBytes(svg));
        });
        return markdown;
    }
}
