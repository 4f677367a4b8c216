using System.Globalization;
using System.Text;
using System.Text.Json;
using MixCacheOrt.Evaluation;
using MixCacheOrt.Tests.TestUtilities;
using static MixCacheOrt.Tests.Evaluation.EvaluationTestData;

namespace MixCacheOrt.Tests.Evaluation;

public sealed class ReportWritersTests
{
    /// <summary>A prompt that needs CSV quoting (comma and double quote).</summary>
    private const string TrickyPrompt = "a blue square, \"moving\" up";

    /// <summary>RFC 4180 reader: rows of fields, quoted fields may hold commas, quotes ("") and line breaks.</summary>
    internal static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                rows.Add([.. fields]);
                fields.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        Assert.That(quoted, Is.False, "unterminated quoted field");
        Assert.That(field.Length + fields.Count, Is.Zero, "the file ends with a line break");
        return rows;
    }

    /// <summary>The CSV rows as dictionaries keyed by header.</summary>
    internal static List<Dictionary<string, string>> CsvRecords(string text)
    {
        List<string[]> rows = ParseCsv(text);
        string[] header = rows[0];
        Assert.That(rows.Skip(1).Select(r => r.Length), Is.All.EqualTo(header.Length), "every row has every column");
        return [.. rows.Skip(1).Select(r => header.Zip(r).ToDictionary(p => p.First, p => p.Second))];
    }

    private static double Real(string field) => double.Parse(field, NumberStyles.Float, CultureInfo.InvariantCulture);

    [Test]
    public void CsvHasOneRowPerRunAndTheDocumentedColumns()
    {
        string csv = RunsCsv.Create(Records(TrickyPrompt));
        List<string[]> rows = ParseCsv(csv);
        Assert.That(rows, Has.Count.EqualTo(7));
        Assert.That(rows[0], Is.EqualTo(RunsCsv.FixedColumns.Concat(["steps_full", "steps_step", "steps_block", "steps_residual"]).ToArray()));
        Assert.That(csv, Does.Not.Contain("Infinity").And.Not.Contain("NaN").And.Not.Contain("∞"));
    }

    [Test]
    public void CsvValuesRoundTrip()
    {
        List<Dictionary<string, string>> runs = CsvRecords(RunsCsv.Create(Records(TrickyPrompt)));
        Dictionary<string, string> eff = runs[4];
        Assert.Multiple(() =>
        {
            Assert.That(eff["prompt"], Is.EqualTo(TrickyPrompt), "quoted field with comma and quote survives");
            Assert.That(eff["seed"], Is.EqualTo("2"));
            Assert.That(eff["method"], Is.EqualTo("mixcache-eff"));
            Assert.That(Real(eff["speedup"]), Is.EqualTo(4));
            Assert.That(Real(eff["psnr_db"]), Is.EqualTo(40));
            Assert.That(eff["identical_to_reference"], Is.EqualTo("false"));
            Assert.That(Real(eff["ssim"]), Is.EqualTo(0.99));
            Assert.That(eff["adheres"], Is.EqualTo("false"));
            Assert.That(Real(eff["total_ms"]), Is.EqualTo(300));
            Assert.That(Real(eff["overhead_fraction"]), Is.EqualTo(0.01).Within(1e-9));
            Assert.That(Real(eff["ideal_speedup"]), Is.EqualTo(3));
            Assert.That(eff["steps_full"], Is.EqualTo("4"));
            Assert.That(eff["steps_step"], Is.EqualTo("5"));
            Assert.That(eff["steps_residual"], Is.EqualTo("0"));
        });
    }

    [Test]
    public void CsvLeavesInfinitePsnrEmptyAndFlagsIt()
    {
        List<Dictionary<string, string>> runs = CsvRecords(RunsCsv.Create(Records()));
        Dictionary<string, string> reference = runs[0];
        Dictionary<string, string> identical = runs[2];
        Assert.Multiple(() =>
        {
            Assert.That(reference["method"], Is.EqualTo("none"));
            Assert.That(reference["is_reference"], Is.EqualTo("true"));
            Assert.That(reference["psnr_db"], Is.Empty);
            Assert.That(reference["identical_to_reference"], Is.EqualTo("true"));
            Assert.That(identical["method"], Is.EqualTo("teacache-0.1"));
            Assert.That(identical["is_reference"], Is.EqualTo("false"));
            Assert.That(identical["psnr_db"], Is.Empty);
            Assert.That(identical["identical_to_reference"], Is.EqualTo("true"));
        });
    }

    [Test]
    public void JsonHasConventionsSettingsMethodsAndRuns()
    {
        string text = SummaryJson.CreateText(Report());
        Assert.That(text, Does.Not.Contain("Infinity").And.Not.Contain("NaN"));
        using JsonDocument json = JsonDocument.Parse(text);
        JsonElement root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("conventions").GetProperty("psnr_cap_db").GetDouble(), Is.EqualTo(100));
            Assert.That(root.GetProperty("conventions").GetProperty("reference_method").GetString(), Is.EqualTo("none"));
            Assert.That(root.GetProperty("settings").GetProperty("seeds").EnumerateArray().Select(s => s.GetUInt64()), Is.EqualTo(new ulong[] { 1, 2 }));
            Assert.That(root.GetProperty("settings").GetProperty("command_line").GetString(), Does.StartWith("mixcache eval"));
            Assert.That(root.GetProperty("environment").GetProperty("ort_version").GetString(), Is.EqualTo("1.30.0"));
            Assert.That(root.GetProperty("methods").GetArrayLength(), Is.EqualTo(3));
            Assert.That(root.GetProperty("runs").GetArrayLength(), Is.EqualTo(6));
        });
    }

    [Test]
    public void JsonMethodAggregatesRoundTrip()
    {
        using JsonDocument json = JsonDocument.Parse(SummaryJson.CreateText(Report()));
        JsonElement[] methods = [.. json.RootElement.GetProperty("methods").EnumerateArray()];
        JsonElement none = methods[0], eff = methods[1], tea = methods[2];
        Assert.Multiple(() =>
        {
            Assert.That(none.GetProperty("method").GetString(), Is.EqualTo("none"));
            Assert.That(none.GetProperty("is_reference").GetBoolean(), Is.True);
            Assert.That(none.GetProperty("mean_psnr_db").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(eff.GetProperty("mean_speedup").GetDouble(), Is.EqualTo(3));
            Assert.That(eff.GetProperty("geomean_speedup").GetDouble(), Is.EqualTo(Math.Round(Math.Sqrt(8), 4)));
            Assert.That(eff.GetProperty("mean_psnr_db").GetDouble(), Is.EqualTo(35));
            Assert.That(eff.GetProperty("adherence_percent").GetDouble(), Is.EqualTo(50));
            Assert.That(eff.GetProperty("mean_overhead_percent").GetDouble(), Is.EqualTo(1.5));
            Assert.That(eff.GetProperty("mean_steps_per_mode").GetProperty("step").GetDouble(), Is.EqualTo(5));
            Assert.That(tea.GetProperty("mean_psnr_db").GetDouble(), Is.EqualTo(60), "(100 cap + 20) / 2");
            Assert.That(tea.GetProperty("identical_runs").GetInt32(), Is.EqualTo(1));
        });
    }

    [Test]
    public void JsonWritesInfinitePsnrAsNullWithTheIdenticalFlag()
    {
        using JsonDocument json = JsonDocument.Parse(SummaryJson.CreateText(Report()));
        JsonElement[] runs = [.. json.RootElement.GetProperty("runs").EnumerateArray()];
        Assert.Multiple(() =>
        {
            Assert.That(runs[0].GetProperty("psnr_db").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(runs[0].GetProperty("identical_to_reference").GetBoolean(), Is.True);
            Assert.That(runs[2].GetProperty("method").GetString(), Is.EqualTo("teacache-0.1"));
            Assert.That(runs[2].GetProperty("psnr_db").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(runs[2].GetProperty("identical_to_reference").GetBoolean(), Is.True);
            Assert.That(runs[1].GetProperty("psnr_db").GetDouble(), Is.EqualTo(30));
            Assert.That(runs[1].GetProperty("identical_to_reference").GetBoolean(), Is.False);
            Assert.That(runs[1].GetProperty("latency_ms").GetProperty("total").GetDouble(), Is.EqualTo(500));
            Assert.That(runs[1].GetProperty("steps_per_mode").GetProperty("block").GetInt32(), Is.EqualTo(1));
        });
    }

    [Test]
    public void MarkdownTableHasOneRowPerMethodAndTheReferenceConvention()
    {
        string md = MarkdownReport.Create(Report());
        string[] tableRows = [.. md.Split('\n').SkipWhile(l => !l.StartsWith("| ", StringComparison.Ordinal)).TakeWhile(l => l.StartsWith('|')).Where(l => l.StartsWith("| ", StringComparison.Ordinal))];
        Assert.That(tableRows, Has.Length.EqualTo(4), "header + 3 methods");
        Assert.That(tableRows[0], Does.Contain("Speedup").And.Contain("Latency (ms)").And.Contain("PSNR (dB)").And.Contain("SSIM").And.Contain("Adherence").And.Contain("Steps per mode"));
        string[] none = Cells(tableRows[1]);
        string[] eff = Cells(tableRows[2]);
        string[] tea = Cells(tableRows[3]);
        Assert.Multiple(() =>
        {
            Assert.That(none[0], Is.EqualTo("none (reference)"));
            Assert.That(none[4], Is.EqualTo(MarkdownReport.ReferenceCell));
            Assert.That(none[1], Is.EqualTo("1.00×"));
            // PSNR 30 and 40 dB: 5th percentile 30 + 0.05 · 10 = 30.5, none below 30 dB.
            Assert.That(eff, Is.EqualTo(new[] { "mixcache-eff", "3.00×", "3.03×", "400.0", "35.00", "30.50", "0.0%", "0.9850", "50.0% (1/2)", "1.50%", "full 4 · step 5 · block 1" }));
            Assert.That(tea[4], Is.EqualTo("60.00 †"), "partly identical: capped mean, marked");
            Assert.That(md, Does.Contain("100 dB").And.Contain("teacache-0.1 1/2 runs"));
        });
    }

    [Test]
    public void PairedTable_GivesMeanDifferencesAgainstTheFirstMixCacheMethod_WithBootstrapIntervals()
    {
        // teacache-0.1 vs mixcache-eff per (prompt, seed): PSNR 100 (identical, capped) - 30 = +70 and 20 - 40 = -20;
        // speedup 1 - 2 = -1 and 1.5 - 4 = -2.5. Two pairs: the bootstrap interval spans both values.
        string md = MarkdownReport.Paired(Report());

        Assert.That(md, Does.StartWith("## Paired against mixcache-eff"));
        Assert.That(md, Does.Contain("| teacache-0.1 | 2 | +25.00 | [−20.00, +70.00] | −1.75 | [−2.50, −1.00] |"));
    }

    [Test]
    public void MarkdownNamesTheCommandRuntimeAndDate()
    {
        string md = MarkdownReport.Create(Report());
        Assert.That(md, Does.Contain("`mixcache eval --seeds 1,2 --methods mixcache-eff,teacache-0.1`"));
        Assert.That(md, Does.Contain("ONNX Runtime 1.30.0").And.Contain("threads 2").And.Contain("2026-11-22 04:50:00"));
        Assert.That(md, Does.Contain("2 prompts × 2 seeds, 10 steps"));
    }

    [Test]
    public void OutputDirectoryHoldsTheReportFilesAndPlotsAndIsNotOverwritten()
    {
        using var temp = new TempDirectory();
        string dir = Path.Combine(temp.Path, "eval");
        string markdown = EvaluationOutput.Write(dir, Report());
        Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Is.EquivalentTo(new[]
        {
            EvaluationOutput.ResultsFile, EvaluationOutput.RunsFile, EvaluationOutput.SummaryFile,
            "quality_vs_speed.png", "quality_vs_speed.svg", "quality_vs_speed_ssim.png", "quality_vs_speed_ssim.svg", "mode_timeline.png", "mode_timeline.svg",
            "latency_breakdown.png", "latency_breakdown.svg",
            "report.html", "records.json",
        }));
        Assert.That(File.ReadAllText(Path.Combine(dir, EvaluationOutput.ResultsFile)), Is.EqualTo(markdown));
        Assert.That(CsvRecords(File.ReadAllText(Path.Combine(dir, EvaluationOutput.RunsFile))), Has.Count.EqualTo(6));
        Assert.Throws<IOException>(() => EvaluationOutput.Write(dir, Report()));
        Assert.That(Directory.GetFileSystemEntries(temp.Path), Has.Length.EqualTo(1), "no temporary directory left behind");
    }

    private static string[] Cells(string row) => [.. row.Trim().Trim('|').Split('|').Select(c => c.Trim())];
}
