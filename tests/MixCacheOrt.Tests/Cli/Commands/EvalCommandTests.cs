using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using MixCacheOrt.Cli;
using MixCacheOrt.Cli.Commands;
using MixCacheOrt.Evaluation;
using MixCacheOrt.Tests.Evaluation;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Cli.Commands;

public sealed class EvalCommandTests
{
    private const string Prompt = "a red circle moving right";

    private static (int ExitCode, string Output, string Error) RunCli(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = Program.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static string PromptFile(TempDirectory temp, params string[] lines)
    {
        string path = Path.Combine(temp.Path, "prompts.txt");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Test]
    public void UnknownMethodIsAUsageErrorNamingTheOptionAndTheKnownMethods()
    {
        using var temp = new TempDirectory();
        string prompts = PromptFile(temp, Prompt);
        string outDir = Path.Combine(temp.Path, "out");
        (int code, string output, string error) = RunCli("eval", "--model", ShippedModel.Directory, "--prompts", prompts, "--seeds", "1",
            "--methods", "none,mixcache-eff,bogus-cache", "--steps", "2", "--out", outDir);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Usage));
            Assert.That(error, Does.Contain("--methods").And.Contain("'bogus-cache'"));
            Assert.That(error, Does.Contain("known methods:").And.Contain("mixcache-eff").And.Contain("mixcache-no-penalty"));
            Assert.That(output, Is.Empty);
            Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
            Assert.That(Directory.Exists(outDir), Is.False, "no output directory");
            Assert.That(Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "prompts.txt" }));
        });
    }

    [Test]
    public void UnknownMethodFailsBeforeTheModelIsLoaded()
    {
        using var temp = new TempDirectory();
        (int code, _, string error) = RunCli("eval", "--model", "/nonexistent/model-dir", "--prompts", PromptFile(temp, Prompt),
            "--methods", "bogus", "--out", Path.Combine(temp.Path, "out"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("unknown method 'bogus' in --methods"));
    }

    private static IEnumerable<TestCaseData> BadInputs()
    {
        yield return new TestCaseData(new[] { "--methods", "pab", "--ablation" }, "either --methods or --ablation").SetName("MethodsAndAblation");
        yield return new TestCaseData(new[] { "--sweep", "--ablation" }, "--ablation not with --sweep").SetName("SweepAndAblation");
        yield return new TestCaseData(new[] { "--split", "test", "--seeds", "1" }, "--split test fixes the prompts and seeds").SetName("TestSplitWithSeeds");
        yield return new TestCaseData(new[] { "--shard", "3/2" }, "--shard must be I/N with 1 <= I <= N, e.g. 1/2 (got '3/2')").SetName("BadShard");
        yield return new TestCaseData(new[] { "--sweep", "--methods", "pab,nope" }, "--sweep takes family names").SetName("SweepUnknownFamily");
        yield return new TestCaseData(new[] { "--methods", "none,teacache:l2=1" }, "teacache has no key 'l2'; allowed keys: l1").SetName("BadSpecInMethods");
        yield return new TestCaseData(new[] { "--methods", "none,,pab" }, "--methods has an empty entry").SetName("EmptyMethod");
        yield return new TestCaseData(new[] { "--seeds", "1,x" }, "--seeds must be comma-separated").SetName("BadSeeds");
        yield return new TestCaseData(new[] { "--steps", "0" }, "--steps must be at least 1").SetName("ZeroSteps");
        yield return new TestCaseData(new[] { "--threads", "-1" }, "--threads must be >= 0").SetName("NegativeThreads");
        yield return new TestCaseData(new[] { "--device", "-1" }, "--device must be >= 0").SetName("NegativeDevice");
        yield return new TestCaseData(new[] { "--prompts", "/nonexistent/prompts.txt" }, "'/nonexistent/prompts.txt' does not exist").SetName("MissingPromptsFile");
    }

    [TestCaseSource(nameof(BadInputs))]
    public void BadInputIsAUsageErrorAndWritesNothing(string[] args, string message)
    {
        using var temp = new TempDirectory();
        string prompts = PromptFile(temp, Prompt);
        string[] full = ["eval", "--model", ShippedModel.Directory, "--out", Path.Combine(temp.Path, "out"), .. args];
        if (!args.Contains("--prompts"))
        {
            full = [.. full, "--prompts", prompts];
        }

        (int code, string output, string error) = RunCli(full);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Usage));
            Assert.That(error, Does.StartWith("mixcache eval: ").And.Contain(message));
            Assert.That(output, Is.Empty);
            Assert.That(Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "prompts.txt" }));
        });
    }

    [Test]
    public void PromptsFileWithoutPromptsIsRejected()
    {
        using var temp = new TempDirectory();
        (int code, _, string error) = RunCli("eval", "--model", ShippedModel.Directory, "--prompts", PromptFile(temp, "# only a comment", ""),
            "--out", Path.Combine(temp.Path, "out"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("has no prompts"));
    }

    [Test]
    public void ExistingOutputDirectoryIsRejectedAndLeftAlone()
    {
        using var temp = new TempDirectory();
        string outDir = Directory.CreateDirectory(Path.Combine(temp.Path, "out")).FullName;
        File.WriteAllText(Path.Combine(outDir, "keep.txt"), "mine");
        (int code, _, string error) = RunCli("eval", "--model", ShippedModel.Directory, "--prompts", PromptFile(temp, Prompt), "--out", outDir);
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("already exists"));
        Assert.That(Directory.GetFiles(outDir).Select(Path.GetFileName), Is.EqualTo(new[] { "keep.txt" }));
    }

    [Test]
    public void PromptWithUnknownWordsIsAUsageError()
    {
        using var temp = new TempDirectory();
        (int code, _, string error) = RunCli("eval", "--model", ShippedModel.Directory, "--prompts", PromptFile(temp, Prompt, "a pink blob moving left"),
            "--methods", "none", "--steps", "2", "--out", Path.Combine(temp.Path, "out"));
        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("prompt 2").And.Contain("'pink'"));
        Assert.That(Directory.Exists(Path.Combine(temp.Path, "out")), Is.False);
    }

    [Test]
    public void CancellationExits130AndLeavesNoOutput()
    {
        using var temp = new TempDirectory();
        string outDir = Path.Combine(temp.Path, "out");
        using var cancel = new CancellationTokenSource();
        cancel.Cancel(); // as if Ctrl-C arrived before the first step boundary
        using var output = new StringWriter();
        using var error = new StringWriter();
        var options = new EvalOptions
        {
            Model = ShippedModel.Directory,
            PromptsFile = PromptFile(temp, Prompt),
            Seeds = "1",
            Methods = "none,mixcache-eff",
            Steps = 3,
            Execution = new ExecutionChoice { Threads = 2 },
            Out = outDir,
        };
        int code = EvalCommand.Run(options, output, error, cancel.Token);
        Assert.That(code, Is.EqualTo(ExitCodes.Cancelled));
        Assert.That(error.ToString(), Does.Contain("cancelled"));
        Assert.That(output.ToString(), Is.Empty);
        Assert.That(Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "prompts.txt" }));
    }

    [Test]
    public void ShellQuoteLeavesPlainTokensAndQuotesTheRest()
    {
        Assert.That(EvalCommand.ShellQuote("--methods"), Is.EqualTo("--methods"));
        Assert.That(EvalCommand.ShellQuote("none,mixcache-eff"), Is.EqualTo("none,mixcache-eff"));
        Assert.That(EvalCommand.ShellQuote("my prompts.txt"), Is.EqualTo("'my prompts.txt'"));
        Assert.That(EvalCommand.ShellQuote("it's"), Is.EqualTo("'it'\\''s'"));
    }

    /// <summary>
    /// A real run on the shipped model: 1 prompt, 1 seed, none + mixcache-eff. 40 steps, because the shipped profile
    /// was measured at 50 steps and its θ is a per-step distance: at 30 steps, with the current weights, D_step of this
    /// prompt stays above θ, mixcache-eff computes every step in full and would match the reference exactly.
    /// </summary>
    [Test]
    public void TinyRealRunWritesTheTableCsvJsonAndPlot()
    {
        using var temp = new TempDirectory();
        string outDir = Path.Combine(temp.Path, "eval");
        (int code, string output, string error) = RunCli("eval", "--model", ShippedModel.Directory, "--prompts", PromptFile(temp, "# one prompt", Prompt),
            "--seeds", "1", "--methods", "mixcache-eff", "--steps", "40", "--threads", "2", "--out", outDir);
        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);

        string[] files = [EvaluationOutput.ResultsFile, EvaluationOutput.RunsFile, EvaluationOutput.SummaryFile, .. EvaluationOutput.PlotFileNames, HtmlReport.FileName,
            EvaluationShards.RecordsFile];
        Assert.That(Directory.GetFiles(outDir).Select(Path.GetFileName), Is.EquivalentTo(files));
        Assert.That(Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "prompts.txt", "eval" }), "no temporary directory left");

        // stdout is the markdown report (the progress display only appears on an interactive console).
        Assert.That(output, Is.EqualTo(File.ReadAllText(Path.Combine(outDir, EvaluationOutput.ResultsFile))));
        Assert.That(output, Does.Contain("| none (reference) |").And.Contain("| mixcache-eff |").And.Contain("--steps 40"));

        List<Dictionary<string, string>> runs = ReportWritersTests.CsvRecords(File.ReadAllText(Path.Combine(outDir, EvaluationOutput.RunsFile)));
        Assert.That(runs.Select(r => r["method"]), Is.EqualTo(new[] { "none", "mixcache-eff" }), "the reference runs first although not listed");
        Dictionary<string, string> none = runs[0], eff = runs[1];
        Assert.Multiple(() =>
        {
            Assert.That(none["prompt"], Is.EqualTo(Prompt));
            Assert.That(none["psnr_db"], Is.Empty, "reference convention: no PSNR against itself");
            Assert.That(none["identical_to_reference"], Is.EqualTo("true"));
            Assert.That(none["steps_full"], Is.EqualTo("40"));
            Assert.That(eff["identical_to_reference"], Is.EqualTo("false"));
            double psnr = double.Parse(eff["psnr_db"], CultureInfo.InvariantCulture);
            Assert.That(double.IsFinite(psnr) && psnr > 0, Is.True, $"PSNR {psnr}");
            Assert.That(int.Parse(eff["steps_full"], CultureInfo.InvariantCulture), Is.LessThan(40), "mixcache-eff cached some steps");
            Assert.That(double.Parse(eff["speedup"], CultureInfo.InvariantCulture), Is.GreaterThan(0));
        });

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, EvaluationOutput.SummaryFile)));
        JsonElement[] methods = [.. json.RootElement.GetProperty("methods").EnumerateArray()];
        Assert.Multiple(() =>
        {
            Assert.That(methods.Select(m => m.GetProperty("method").GetString()), Is.EqualTo(new[] { "none", "mixcache-eff" }));
            Assert.That(methods[0].GetProperty("mean_psnr_db").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(methods[0].GetProperty("mean_host_device_bytes_per_step").GetDouble(), Is.EqualTo((2 * 4) + 4 + 8 + 4),
                "full compute: two timesteps, the guidance scale and two Euler weights in, the finiteness check out; no tensor");
            Assert.That(methods[1].GetProperty("mean_step_ms_per_mode").TryGetProperty("full", out _), Is.True);
            Assert.That(methods[1].GetProperty("mean_psnr_db").GetDouble(), Is.GreaterThan(0));
            Assert.That(methods[1].GetProperty("mean_ssim").GetDouble(), Is.InRange(0.0, 1.0));
            Assert.That(json.RootElement.GetProperty("settings").GetProperty("steps").GetInt32(), Is.EqualTo(40));
            Assert.That(json.RootElement.GetProperty("environment").GetProperty("threads").GetInt32(), Is.EqualTo(2));
        });

        XDocument svg = XDocument.Load(Path.Combine(outDir, "quality_vs_speed.svg"));
        Assert.That(svg.Root!.Name.LocalName, Is.EqualTo("svg"));
        Assert.That(Directory.GetFiles(Path.Combine(outDir, HtmlReport.VideoDirectory)), Has.Length.EqualTo(2), "one GIF per run for report.html");
        using SkiaSharp.SKBitmap timeline = SkiaSharp.SKBitmap.Decode(Path.Combine(outDir, "mode_timeline.png"));
        Assert.That((timeline.Width, timeline.Height), Is.EqualTo((1000, 120 + (34 * 2))), "one timeline row per method (none, mixcache-eff)");
    }

    [Test]
    public void Sweep_RunsEveryPointOfTheChosenFamilies()
    {
        using var temp = new TempDirectory();
        string outDir = Path.Combine(temp.Path, "eval");

        (int code, _, string error) = RunCli("eval", "--model", ShippedModel.Directory, "--prompts", PromptFile(temp, Prompt),
            "--seeds", "1", "--sweep", "--methods", "pab", "--steps", "3", "--out", outDir);

        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, EvaluationOutput.SummaryFile)));
        Assert.That(json.RootElement.GetProperty("methods").EnumerateArray().Select(m => m.GetProperty("method").GetString()),
            Is.EqualTo(new[] { "none", "pab:skip=2", "pab:skip=3", "pab:skip=4", "pab:skip=6", "pab:skip=8" }));
    }

    [Test]
    public void TwoSlicesMerged_GiveTheSameTableAsOneRun_TimingsAside()
    {
        using var temp = new TempDirectory();
        string prompts = PromptFile(temp, Prompt, "a blue square moving up");
        string[] common = ["eval", "--model", ShippedModel.Directory, "--prompts", prompts, "--seeds", "1", "--methods", "none,mixcache-eff,teacache-0.1", "--steps", "6"];
        string whole = Path.Combine(temp.Path, "whole"), a = Path.Combine(temp.Path, "a"), b = Path.Combine(temp.Path, "b"), merged = Path.Combine(temp.Path, "merged");

        Assert.That(RunCli([.. common, "--out", whole]).ExitCode, Is.EqualTo(ExitCodes.Success));
        Assert.That(RunCli([.. common, "--shard", "1/2", "--out", a]).ExitCode, Is.EqualTo(ExitCodes.Success));
        Assert.That(RunCli([.. common, "--shard", "2/2", "--out", b]).ExitCode, Is.EqualTo(ExitCodes.Success));
        (int code, _, string error) = RunCli("eval", "merge", b, a, "--out", merged);

        Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
        string[] timing = ["total_ms", "text_encoder_ms", "denoise_ms", "decode_ms", "speedup", "denoise_speedup", "decision_overhead_ms", "overhead_fraction"];
        List<Dictionary<string, string>> Runs(string dir) =>
            [.. ReportWritersTests.CsvRecords(File.ReadAllText(Path.Combine(dir, EvaluationOutput.RunsFile)))
                .Select(r => r.Where(kv => !timing.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value))];
        Assert.That(Runs(merged), Is.EqualTo(Runs(whole)));
        Assert.That(Runs(a), Has.Count.EqualTo(3), "one (prompt, seed) group of three methods per slice");
        Assert.That(Directory.GetFiles(Path.Combine(merged, HtmlReport.VideoDirectory)), Has.Length.EqualTo(6));
    }

    [Test]
    public void Merge_OfAFolderWithoutRecords_IsOneLine()
    {
        using var temp = new TempDirectory();

        (int code, _, string error) = RunCli("eval", "merge", temp.Path, "--out", Path.Combine(temp.Path, "m"));

        Assert.That(code, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error.TrimEnd(), Is.EqualTo($"mixcache eval merge: '{temp.Path}' has no records.json; merge takes the --out folders of 'mixcache eval --shard i/n' runs"));
    }
}
