using System.Text.Json;
using MixCacheOrt.Cli;
using MixCacheOrt.Cli.Commands;
using MixCacheOrt.Numerics;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Cli.Commands;

public sealed class GenerateCommandTests
{
    private static (int ExitCode, string Output, string Error) RunCli(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = Program.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Test]
    public void WritesGifFramesLatentAndRunJson()
    {
        using var temp = new TempDirectory();
        string outDir = Path.Combine(temp.Path, "out");
        (int code, string output, string error) = RunCli("generate", "--prompt", "a red circle moving right", "--model", ShippedModel.Directory,
            "--steps", "2", "--threads", "2", "--out", outDir, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("prompt").GetString(), Is.EqualTo("a red circle moving right"));
            Assert.That(root.GetProperty("steps").GetInt32(), Is.EqualTo(2));
            Assert.That(root.GetProperty("per_step").GetArrayLength(), Is.EqualTo(2));
            Assert.That(root.GetProperty("latency_ms").GetProperty("total").GetDouble(), Is.GreaterThan(0));
            Assert.That(root.GetProperty("runtime").GetProperty("provider").GetString(), Is.EqualTo("cpu"));
            Assert.That(root.GetProperty("runtime").GetProperty("threads").GetInt32(), Is.EqualTo(2));
            Assert.That(root.GetProperty("runtime").GetProperty("ort_version").GetString(), Is.EqualTo(MixCacheOrt.Tests.TestUtilities.PinnedOrt.Version));
            Assert.That(root.GetProperty("runtime").TryGetProperty("cuda", out _), Is.False, "CUDA options only for CUDA runs");
            JsonElement full = root.GetProperty("cache_summary").GetProperty("per_mode").GetProperty("full");
            Assert.That(full.GetProperty("steps").GetInt32(), Is.EqualTo(2));
            Assert.That(full.GetProperty("mean_host_to_device_bytes").GetDouble(), Is.EqualTo((2 * 4) + 4 + 8), "two timesteps, the guidance scale, two Euler weights");
            Assert.That(root.GetProperty("per_step")[0].GetProperty("device_to_host_bytes").GetInt64(), Is.EqualTo(4), "the finiteness check: the latent stays on the device");
            Assert.That(File.ReadAllBytes(Path.Combine(outDir, "video.gif"))[..6], Is.EqualTo("GIF89a"u8.ToArray()));
            Assert.That(Directory.GetFiles(Path.Combine(outDir, "frames"), "*.png"), Has.Length.EqualTo(8));
            Assert.That(NpyFile.Read<float>(Path.Combine(outDir, "latent.npy")).Shape, Is.EqualTo(new long[] { 1, 4, 8, 8, 8 }));
            Assert.That(File.ReadAllText(Path.Combine(outDir, "run.json")), Does.Contain("\"per_step\""));
            Assert.That(Directory.GetDirectories(temp.Path), Has.Length.EqualTo(1), "no temporary directory is left behind");
        });
    }

    [Test]
    public void MixCacheOnAnotherStepCountThanItsProfileWarnsButRuns()
    {
        using var temp = new TempDirectory();
        (int code, _, string error) = RunCli("generate", "--prompt", "a red circle moving right", "--model", ShippedModel.Directory,
            "--cache", "mixcache-eff", "--steps", "2", "--threads", "2", "--out", Path.Combine(temp.Path, "short"), "--json");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error, Does.Contain("mixcache generate: warning: the MixCache profile was measured at 50 steps and this run has 2"));

        (code, _, error) = RunCli("generate", "--prompt", "a red circle moving right", "--model", ShippedModel.Directory,
            "--cache", "none", "--steps", "2", "--threads", "2", "--out", Path.Combine(temp.Path, "none"), "--json");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error, Does.Not.Contain("warning"), "only MixCache policies depend on a profiled step count");
    }

    [Test]
    public void BatchModeWritesOneDirectoryPerPrompt()
    {
        using var temp = new TempDirectory();
        string prompts = Path.Combine(temp.Path, "prompts.txt");
        File.WriteAllLines(prompts, ["# two prompts", "a red circle moving right", "", "a blue square moving up"]);
        string outDir = Path.Combine(temp.Path, "batch");
        (int code, _, string error) = RunCli("generate", "--prompts", prompts, "--model", ShippedModel.Directory, "--steps", "1", "--out", outDir);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(Directory.GetDirectories(outDir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "000-a-red-circle-moving-right", "001-a-blue-square-moving-up" }));
        Assert.That(File.Exists(Path.Combine(outDir, "batch.json")));
    }

    [Test]
    public void AReplayOfAnotherStepCountIsAUsageErrorAndWritesNothing()
    {
        using var temp = new TempDirectory();
        string run = Path.Combine(temp.Path, "run.json");
        File.WriteAllText(run, """{"per_step": [{"mode": "full"}, {"mode": "step"}, {"mode": "full"}]}""");
        string outDir = Path.Combine(temp.Path, "out");
        (int code, _, string error) = RunCli("generate", "--prompt", "a red circle", "--model", ShippedModel.Directory, "--steps", "4",
            "--cache", $"replay:{run}", "--out", outDir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(error, Does.Contain("--cache: replay").And.Contain("recorded 3 steps; run it with --steps 3"));
        Assert.That(Directory.Exists(outDir), Is.False);
    }

    private static IEnumerable<TestCaseData> BadInputs()
    {
        yield return new TestCaseData(new[] { "--prompt", "" }, "--prompt is empty").SetName("EmptyPrompt");
        yield return new TestCaseData(new[] { "--prompt", "a pink blob moving right" }, "does not know: 'pink', 'blob'").SetName("UnknownWords");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--steps", "0" }, "--steps must be at least 1").SetName("ZeroSteps");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--guidance", "-2" }, "--guidance must be a number from 0 to 100 (got -2)").SetName("NegativeGuidance");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--model", "/nonexistent/model-dir" }, "'/nonexistent/model-dir' does not exist").SetName("MissingModelDirectory");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--cache", "bogus" }, "--cache: unknown cache method 'bogus'").SetName("UnknownCache");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--cache", "teacache:l2=0.1" }, "--cache: teacache has no key 'l2'; allowed keys: l1").SetName("UnknownSpecKey");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--prompts", "x.txt" }, "either --prompt or --prompts").SetName("PromptAndPrompts");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--guidance", "1e30" }, "--guidance must be a number from 0 to 100 (got 1E+30)").SetName("AbsurdGuidance");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--guidance", "NaN" }, "--guidance must be a number from 0 to 100 (got NaN)").SetName("NaNGuidance");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--shift", "0" }, "--shift must be a number above 0 and at most 100 (got 0)").SetName("ZeroShift");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--shift", "Infinity" }, "--shift must be a number above 0").SetName("InfiniteShift");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--seed", "-5" }, "--seed must be a whole number from 0 to 18446744073709551615 (got '-5')").SetName("NegativeSeed");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--steps", "many" }, "--steps must be a whole number (got 'many')").SetName("NonNumericSteps");
        yield return new TestCaseData(new[] { "--prompt", "a red cïrcle 💥 moving right" }, "does not know: 'cïrcle', '💥'").SetName("UnknownWordsAsTyped");
        yield return new TestCaseData(new[] { "--prompt", LongPrompt, "--strict" }, "the prompt has 1250 words; the model reads the first 16 (--strict)").SetName("LongPromptStrict");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--threads", "-2" }, "--threads must be >= 0").SetName("NegativeThreads");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--provider", "cuda", "--device", "-1" }, "--device must be >= 0").SetName("NegativeDevice");
        yield return new TestCaseData(new[] { "--prompt", "a red circle", "--cuda-mem-limit-mb", "-5" }, "--cuda-mem-limit-mb must be >= 0").SetName("NegativeMemoryLimit");
    }

    private static readonly string LongPrompt = string.Join(' ', Enumerable.Repeat("a red circle moving right", 250));

    [TestCaseSource(nameof(BadInputs))]
    public void BadInputFailsClearlyAndWritesNothing(string[] args, string message)
    {
        using var temp = new TempDirectory();
        string outDir = Path.Combine(temp.Path, "out");
        string[] full = ["generate", .. args, "--out", outDir];
        if (!args.Contains("--model"))
        {
            full = [.. full, "--model", ShippedModel.Directory];
        }

        (int code, string output, string error) = RunCli(full);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Not.EqualTo(0));
            Assert.That(error, Does.Contain(message));
            Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line");
            Assert.That(output + error, Does.Not.Contain("   at "), "no stack trace");
            Assert.That(Directory.EnumerateFileSystemEntries(temp.Path), Is.Empty, "no output directory");
        });
    }

    [Test]
    public void LongPrompt_WarnsInOneLine_AndRunJsonRecordsTheTruncation()
    {
        using var temp = new TempDirectory();
        string outDir = Path.Combine(temp.Path, "out");

        (int code, string output, string error) = RunCli("generate", "--prompt", LongPrompt, "--model", ShippedModel.Directory, "--steps", "1", "--out", outDir, "--json");

        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error.TrimEnd(), Is.EqualTo("mixcache generate: warning: the prompt has 1250 words; the model reads the first 16 and drops the rest (run.json records it; --strict rejects such prompts)"));
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement words = json.RootElement.GetProperty("prompt_words");
        Assert.That(words.GetProperty("count").GetInt32(), Is.EqualTo(1250));
        Assert.That(words.GetProperty("used").GetInt32(), Is.EqualTo(16));
        Assert.That(words.GetProperty("truncated").GetBoolean(), Is.True);
    }

    [Test]
    public void NoiseWithNaN_IsRejectedInOneLine_AndWritesNothing()
    {
        using var temp = new TempDirectory();
        float[] noise = new float[4 * 8 * 8 * 8];
        noise[17] = float.NaN;
        string path = Path.Combine(temp.Path, "noise.npy");
        NpyFile.Write(path, [1, 4, 8, 8, 8], noise);

        (int code, _, string error) = RunCli("generate", "--prompt", "a red circle", "--model", ShippedModel.Directory, "--noise", path, "--out", Path.Combine(temp.Path, "out"));

        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(error.TrimEnd(), Does.EndWith("has 1 non-finite values (NaN or infinity); noise must be finite"));
        Assert.That(Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName), Is.EqualTo(new[] { "noise.npy" }));
    }

    [Test]
    public void CorruptedGraphFileFailsBeforeAnyOutput()
    {
        using TempDirectory model = ShippedModel.Copy();
        string block = Path.Combine(model.Path, "block_07.onnx");
        File.WriteAllBytes(block, [.. File.ReadAllBytes(block).Take(1000)]);
        using var temp = new TempDirectory();
        (int code, _, string error) = RunCli("generate", "--prompt", "a red circle", "--model", model.Path, "--out", Path.Combine(temp.Path, "out"));
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(error, Does.Contain("block_07.onnx").And.Contain("sha256"));
        Assert.That(Directory.EnumerateFileSystemEntries(temp.Path), Is.Empty);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void CancellationLeavesNoOutput(bool batch)
    {
        using var temp = new TempDirectory();
        string prompts = Path.Combine(temp.Path, "prompts.txt");
        File.WriteAllLines(prompts, ["a red circle moving right", "a blue square moving up"]);
        string outDir = Path.Combine(temp.Path, "out");
        using var cancel = new CancellationTokenSource();
        cancel.Cancel(); // as if Ctrl-C arrived before the first step boundary
        using var output = new StringWriter();
        using var error = new StringWriter();
        var options = new GenerateOptions
        {
            Prompt = batch ? null : "a red circle moving right",
            PromptsFile = batch ? prompts : null,
            Model = ShippedModel.Directory,
            Steps = 3,
            Out = outDir,
        };
        int code = GenerateCommand.Run(options, output, error, cancel.Token);
        Assert.That(code, Is.EqualTo(ExitCodes.Cancelled));
        Assert.That(error.ToString(), Does.Contain("cancelled"));
        Assert.That(Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "prompts.txt" }));
    }

    [Test]
    public void NoiseFileWithWrongShapeIsRejected()
    {
        using var temp = new TempDirectory();
        string noise = Path.Combine(temp.Path, "noise.npy");
        NpyFile.Write(noise, [3], [1f, 2f, 3f]);
        (int code, _, string error) = RunCli("generate", "--prompt", "a red circle", "--model", ShippedModel.Directory, "--noise", noise,
            "--out", Path.Combine(temp.Path, "out"));
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(error, Does.Contain("noise.npy").And.Contain("3 elements").And.Contain("2048"));
        Assert.That(Directory.Exists(Path.Combine(temp.Path, "out")), Is.False);
    }

    [Test]
    public void CudaWithoutCuda_IsOneLineNamingTheMissingLibrary_AndWritesNothing()
    {
        if (MixCacheOrt.Ort.OrtRuntime.ProbeCuda().Usable)
        {
            Assert.Ignore("CUDA is usable on this machine");
        }

        using var temp = new TempDirectory();
        (int code, string output, string error) = RunCli("generate", "--prompt", "a red circle", "--model", ShippedModel.Directory,
            "--provider", "cuda", "--out", Path.Combine(temp.Path, "out"));

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Not.EqualTo(0));
            Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), error);
            Assert.That(error, Does.Contain("the CUDA execution provider is not usable").And.Contain("cannot open shared object file").And.Contain("--provider cpu"));
            Assert.That(output + error, Does.Not.Contain("   at "), "no stack trace");
            Assert.That(Directory.EnumerateFileSystemEntries(temp.Path), Is.Empty, "no output directory");
        });
    }

    [TestCase("generate")]
    [TestCase("eval")]
    [TestCase("profile")]
    [TestCase("calibrate")]
    public void EveryCommandThatRunsAModel_TakesTheSameExecutionOptions(string name)
    {
        System.CommandLine.Command command = Program.BuildRootCommand().Subcommands.Single(c => c.Name == name);

        Assert.That(command.Options.Select(o => o.Name), Is.SupersetOf(new[]
        {
            "--provider", "--device", "--threads", "--cuda-tf32", "--cudnn-conv-search", "--cuda-arena-extend", "--cuda-mem-limit-mb",
        }));
    }

    [Test]
    [NonParallelizable]
    public void WithFfmpeg_WritesAnH264Mp4_WithTheModelsFramesAndFps()
    {
        if (MixCacheOrt.Media.Mp4Encoder.FindFfmpeg() is null || !File.Exists("/usr/bin/ffprobe"))
        {
            Assert.Ignore("ffmpeg/ffprobe are not installed (scripts/setup.sh installs them; test.sh runs it)");
        }

        using var temp = new TempDirectory();
        string outDir = Path.Combine(temp.Path, "out");
        (int code, string output, string error) = RunCli("generate", "--prompt", "a red circle moving right", "--model", ShippedModel.Directory,
            "--steps", "2", "--out", outDir);

        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain(Path.Combine(outDir, "video.mp4")));
        JsonElement stream = Ffprobe(Path.Combine(outDir, "video.mp4"));
        MixCacheOrt.Models.ModelGeometry g = MixCacheOrt.Models.ModelPackage.ReadManifest(ShippedModel.Directory).Geometry;
        Assert.Multiple(() =>
        {
            Assert.That(stream.GetProperty("codec_name").GetString(), Is.EqualTo("h264"));
            Assert.That(stream.GetProperty("pix_fmt").GetString(), Is.EqualTo("yuv420p"));
            Assert.That(stream.GetProperty("nb_read_frames").GetString(), Is.EqualTo(g.Frames.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(stream.GetProperty("r_frame_rate").GetString(), Is.EqualTo($"{g.Fps}/1"));
            Assert.That(stream.GetProperty("width").GetInt32(), Is.EqualTo(g.Width * 4), "upscaled like the GIF (--gif-scale 4)");
            Assert.That(File.ReadAllText(Path.Combine(outDir, "run.json")), Does.Contain("\"mp4\""));
        });
    }

    [Test]
    [NonParallelizable]
    public void WithoutFfmpeg_WritesTheGifAlone_AndRunJsonSaysWhy()
    {
        using var temp = new TempDirectory();
        string outDir = Path.Combine(temp.Path, "out");
        string? previous = Environment.GetEnvironmentVariable(MixCacheOrt.Media.Mp4Encoder.FfmpegVariable);
        Environment.SetEnvironmentVariable(MixCacheOrt.Media.Mp4Encoder.FfmpegVariable, Path.Combine(temp.Path, "no-such-ffmpeg"));
        try
        {
            (int code, _, string error) = RunCli("generate", "--prompt", "a red circle moving right", "--model", ShippedModel.Directory,
                "--steps", "1", "--out", outDir);

            Assert.That(code, Is.EqualTo(0), error);
        }
        finally
        {
            Environment.SetEnvironmentVariable(MixCacheOrt.Media.Mp4Encoder.FfmpegVariable, previous);
        }

        Assert.That(File.Exists(Path.Combine(outDir, "video.gif")), Is.True);
        Assert.That(File.Exists(Path.Combine(outDir, "video.mp4")), Is.False);
        using JsonDocument run = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "run.json")));
        JsonElement outputs = run.RootElement.GetProperty("outputs");
        Assert.That(outputs.TryGetProperty("mp4", out _), Is.False);
        Assert.That(outputs.GetProperty("mp4_skipped").GetString(), Does.StartWith("ffmpeg was not found"));
    }

    private static JsonElement Ffprobe(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in (string[])["-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
            "stream=codec_name,pix_fmt,nb_read_frames,r_frame_rate,width,height", "-of", "json", path])
        {
            start.ArgumentList.Add(arg);
        }

        using System.Diagnostics.Process process = System.Diagnostics.Process.Start(start)!;
        string json = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.EqualTo(0), process.StandardError.ReadToEnd());
        return JsonDocument.Parse(json).RootElement.GetProperty("streams")[0].Clone();
    }

    [Test]
    public void ACacheSpec_RunsAndNamesTheRun()
    {
        using var temp = new TempDirectory();
        string outDir = Path.Combine(temp.Path, "out");

        (int code, string output, string error) = RunCli("generate", "--prompt", "a red circle moving right", "--model", ShippedModel.Directory,
            "--steps", "4", "--cache", "magcache:k=3,e=0.06", "--out", outDir, "--json");

        Assert.That(code, Is.EqualTo(0), error);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.That(json.RootElement.GetProperty("cache").GetString(), Is.EqualTo("magcache:e=0.06,k=3"));
    }

    [TestCase("trace", "redundancy")]
    [TestCase("teacache-0.1", "mode_timeline")]
    public void CachedAndTraceRuns_WriteTheirPlot_AsPngAndSvg(string cache, string plot)
    {
        using var temp = new TempDirectory();
        string outDir = Path.Combine(temp.Path, "out");

        (int code, _, string error) = RunCli("generate", "--prompt", "a red circle moving right", "--model", ShippedModel.Directory,
            "--steps", "3", "--cache", cache, "--out", outDir);

        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(Directory.GetFiles(outDir).Select(Path.GetFileName).Where(f => f!.StartsWith(plot, StringComparison.Ordinal)),
            Is.EquivalentTo(new[] { plot + ".png", plot + ".svg" }));
        using JsonDocument run = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "run.json")));
        Assert.That(run.RootElement.GetProperty("outputs").GetProperty(plot + "_plot").GetString(), Is.EqualTo(Path.Combine(outDir, plot + ".png")));
    }
}
