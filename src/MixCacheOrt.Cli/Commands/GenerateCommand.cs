using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;
using MixCacheOrt.Caching.MixCache;
using MixCacheOrt.Cli.Reports;
using MixCacheOrt.Media;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Plots;
using Spectre.Console;

namespace MixCacheOrt.Cli.Commands;

/// <summary>
/// <c>mixcache generate --prompt "..." | --prompts FILE</c>: text-to-video with a model package. Writes, per prompt,
/// an animated GIF, the PNG frames and <c>run.json</c> into a directory that appears only when complete.
/// </summary>
internal static class GenerateCommand
{
    /// <summary>Allowed <c>--guidance</c>: CFG scales in use are 1–20; far larger ones only blow the latent up.</summary>
    internal static readonly NumericRange GuidanceRange = new(0, 100, MinInclusive: true);

    /// <summary>Allowed <c>--shift</c>: flow-matching shifts in use are 1–17 (Wan2.1: 3–12).</summary>
    internal static readonly NumericRange ShiftRange = new(0, 100, MinInclusive: false);

    public static Command Create()
    {
        var prompt = new Option<string?>("--prompt", "-p") { Description = "What the video shows, e.g. \"a red circle moving right\"." };
        var prompts = new Option<FileInfo?>("--prompts") { Description = "Batch mode: a text file with one prompt per line (blank lines and # comments are skipped)." };
        var model = new Option<string?>("--model", "-m") { Description = "Model package directory (default: models/tiny-wan)." };
        var negative = new Option<string>("--negative-prompt") { Description = "Prompt of the unconditional branch (default: empty).", DefaultValueFactory = _ => string.Empty };
        var seed = new Option<ulong>("--seed", "-s") { Description = "Noise seed (same seed, same video).", DefaultValueFactory = _ => 42UL };
        var steps = new Option<int?>("--steps") { Description = "Denoising steps (default: the model's, 50 for tiny-wan)." };
        var guidance = new Option<double?>("--guidance", "-g") { Description = $"Classifier-free guidance scale, {GuidanceRange.Text} (default: the model's)." };
        Option<string?> scheduler = SchedulerOption.Create();
        var shift = new Option<double?>("--shift") { Description = $"Flow-matching timestep shift, {ShiftRange.Text} (default: the model's)." };
        var strict = new Option<bool>("--strict") { Description = "Reject prompts longer than the model's text length instead of warning and truncating." };
        var execution = new ExecutionOptions();
        var cache = new Option<string>("--cache") { Description = $"Cache policy: {CachePolicyFactory.Help}.", DefaultValueFactory = _ => "none" };
        var output = new Option<string?>("--out", "-o") { Description = "Output directory (default: outputs/<time>-<prompt>). Must not exist." };
        var noise = new Option<FileInfo?>("--noise") { Description = "Initial latent noise as a float32 .npy file [C,F,H,W] instead of the seeded noise." };
        var json = new Option<bool>("--json") { Description = "Print the run summary (run.json) as JSON on stdout." };
        var allowUnknown = new Option<bool>("--allow-unknown-words") { Description = "Map words the model does not know to its unknown token instead of failing." };
        var scale = new Option<int>("--gif-scale") { Description = "Upscale factor of the GIF and MP4 (nearest neighbour).", DefaultValueFactory = _ => 4 };

        var command = new Command("generate", "Generate a video from a prompt (or a batch of prompts).")
        {
            prompt, prompts, model, negative, seed, steps, guidance, shift, scheduler, cache, output, noise, json, allowUnknown, strict, scale,
        };
        execution.AddTo(command);
        command.SetAction(parse =>
        {
            var options = new GenerateOptions
            {
                Prompt = parse.GetValue(prompt),
                PromptsFile = parse.GetValue(prompts)?.FullName,
                Model = parse.GetValue(model),
                NegativePrompt = parse.GetValue(negative) ?? string.Empty,
                Seed = parse.GetValue(seed),
                Steps = parse.GetValue(steps),
                Guidance = parse.GetValue(guidance),
                Shift = parse.GetValue(shift),
                Scheduler = parse.GetValue(scheduler),
                Strict = parse.GetValue(strict),
                Execution = execution.Read(parse),
                Cache = parse.GetValue(cache) ?? "none",
                Out = parse.GetValue(output),
                NoiseFile = parse.GetValue(noise)?.FullName,
                Json = parse.GetValue(json),
                AllowUnknownWords = parse.GetValue(allowUnknown),
                GifScale = parse.GetValue(scale),
            };
            using var cancel = new ConsoleCancellation(); // Ctrl-C stops at the next step boundary
            return Run(options, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancel.Token);
        });
        return command;
    }

    /// <summary>Validates, loads the model once, generates every prompt and writes the outputs.</summary>
    internal static int Run(GenerateOptions o, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> promptList;
        try
        {
            promptList = Validate(o);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"mixcache generate: {e.Message}");
            return ExitCodes.Usage;
        }

        string modelDir = o.Model ?? ModelLocator.DefaultModelDirectory();
        ExecutionSettings settings = o.Execution.ToSettings();
        using ModelPackage package = LoadPackage(modelDir, settings);
        using var pipeline = new TextToVideoPipeline(package);
        try
        {
            foreach (string promptWarning in CheckPrompts(pipeline, promptList, o))
            {
                stderr.WriteLine($"mixcache generate: warning: {promptWarning}");
            }
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"mixcache generate: {e.Message}");
            return ExitCodes.Usage;
        }

        float[]? initialNoise = o.NoiseFile is null ? null : LoadNoise(o.NoiseFile, package.Manifest.Geometry);
        var policyContext = CachePolicyContext.For(package);
        ICachePolicy policy = CachePolicyFactory.Create(o.Cache, policyContext);
        try
        {
            // What only the run's step and block counts can refuse (a replayed schedule of another length) is refused
            // here, as a usage error, before anything is generated.
            policy.Reset(package.Manifest.Scheduler.StepsOr(o.Steps), package.Manifest.Blocks.Count);
        }
        catch (CacheSpecException e)
        {
            stderr.WriteLine($"mixcache generate: --cache: {e.Message}");
            return ExitCodes.Usage;
        }

        if (policy is MixCachePolicy mixCache && mixCache.StepCountWarning(package.Manifest.Scheduler.StepsOr(o.Steps)) is string warning)
        {
            stderr.WriteLine($"mixcache generate: warning: {warning}");
        }

        var context = new RunContext(package.Manifest.Name, package.Directory, package.Manifest.Blocks.Count, package.Settings, o.NoiseFile);

        bool batch = o.PromptsFile is not null;
        string outRoot = Path.GetFullPath(o.Out ?? Path.Combine("outputs", $"{DateTime.Now:yyyyMMdd-HHmmss}-{Slug(promptList[0])}"));
        if (Directory.Exists(outRoot) || File.Exists(outRoot))
        {
            stderr.WriteLine($"mixcache generate: output directory '{outRoot}' already exists; choose another --out or remove it");
            return ExitCodes.Usage;
        }

        var summaries = new JsonArray();
        bool interactive = !o.Json && stdout == Console.Out && !Console.IsOutputRedirected;
        try
        {
            if (batch)
            {
                Directory.CreateDirectory(outRoot);
            }

            for (int i = 0; i < promptList.Count; i++)
            {
                var request = new GenerationRequest
                {
                    Prompt = promptList[i],
                    NegativePrompt = o.NegativePrompt,
                    Seed = o.Seed,
                    Steps = o.Steps,
                    Guidance = o.Guidance,
                    Shift = o.Shift,
                    Scheduler = o.Scheduler,
                    InitialNoise = initialNoise,
                };
                string itemDir = batch ? Path.Combine(outRoot, $"{i:D3}-{Slug(promptList[i])}") : outRoot;
                GenerationResult result = GenerateWithProgress(pipeline, request, policy, interactive, i, promptList.Count, cancellationToken);
                JsonObject report = WriteOutputs(itemDir, result, package.Manifest.Geometry, context, o.GifScale);
                summaries.Add(report);
                if (!o.Json)
                {
                    string video = report["outputs"]?["mp4"]?.GetValue<string>() ?? Path.Combine(itemDir, "video.gif");
                    stdout.WriteLine($"{promptList[i]} -> {video} ({result.Timings.Total.TotalSeconds:F2}s)");
                }
            }

            if (batch)
            {
                AtomicFile.WriteAllBytes(Path.Combine(outRoot, "batch.json"), Encoding.UTF8.GetBytes(summaries.ToJsonString(RunReport.Options)));
            }
        }
        catch (OperationCanceledException)
        {
            RemoveIfEmpty(outRoot);
            stderr.WriteLine("mixcache generate: cancelled; no partial output was written");
            return ExitCodes.Cancelled;
        }
        catch (NonFiniteLatentException e)
        {
            RemoveIfEmpty(outRoot);
            stderr.WriteLine($"mixcache generate: {e.Message}");
            return ExitCodes.Failure;
        }
        catch
        {
            RemoveIfEmpty(outRoot);
            throw;
        }

        if (o.Json)
        {
            stdout.WriteLine((batch ? summaries : summaries[0]!).ToJsonString(RunReport.Options));
        }

        return ExitCodes.Success;
    }

    private static IReadOnlyList<string> Validate(GenerateOptions o)
    {
        if (o.Prompt is not null && o.PromptsFile is not null)
        {
            throw new UsageException("give either --prompt or --prompts, not both");
        }

        List<string> prompts;
        if (o.PromptsFile is not null)
        {
            if (!File.Exists(o.PromptsFile))
            {
                throw new UsageException($"--prompts file '{o.PromptsFile}' does not exist");
            }

            prompts = [.. File.ReadAllLines(o.PromptsFile).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];
            if (prompts.Count == 0)
            {
                throw new UsageException($"--prompts file '{o.PromptsFile}' has no prompts (one per line; blank lines and # comments are skipped)");
            }
        }
        else if (o.Prompt is null)
        {
            throw new UsageException("missing --prompt; e.g. mixcache generate --prompt \"a red circle moving right\"");
        }
        else if (string.IsNullOrWhiteSpace(o.Prompt))
        {
            throw new UsageException("--prompt is empty; describe the video, e.g. --prompt \"a red circle moving right\"");
        }
        else
        {
            prompts = [o.Prompt.Trim()];
        }

        if (o.Steps is < 1)
        {
            throw new UsageException($"--steps must be at least 1 (got {o.Steps})");
        }

        if (o.Guidance is double g && !GuidanceRange.Contains(g))
        {
            throw new UsageException($"--guidance must be {GuidanceRange.Text} (got {g}); 1 disables guidance, the model's default (5 for tiny-wan) is typical");
        }

        if (o.Shift is double sh && !ShiftRange.Contains(sh))
        {
            throw new UsageException($"--shift must be {ShiftRange.Text} (got {sh}); the model's default (3 for tiny-wan, 5 for Wan2.1) is typical");
        }

        if (o.Execution.Validate() is string executionError)
        {
            throw new UsageException(executionError);
        }

        if (o.GifScale is < 1 or > 32)
        {
            throw new UsageException($"--gif-scale must be between 1 and 32 (got {o.GifScale})");
        }

        if (CachePolicyFactory.Check(o.Cache).Error is string cacheError)
        {
            throw new UsageException($"--cache: {cacheError}");
        }

        if (o.NoiseFile is not null && !File.Exists(o.NoiseFile))
        {
            throw new UsageException($"--noise file '{o.NoiseFile}' does not exist");
        }

        return prompts;
    }

    /// <summary>Rejects prompts the model cannot read; returns warnings (prompts longer than the text length).</summary>
    private static List<string> CheckPrompts(TextToVideoPipeline pipeline, IReadOnlyList<string> prompts, GenerateOptions o)
    {
        var warnings = new List<string>();
        Text.WordTokenizer tokenizer = pipeline.Prompts.Tokenizer;
        for (int i = 0; i < prompts.Count; i++)
        {
            string where = prompts.Count > 1 ? $"prompt {i + 1} ('{Shorten(prompts[i])}')" : "the prompt";
            if (tokenizer.Words(prompts[i]).Count == 0)
            {
                throw new UsageException($"{where} has no words the model can read (letters a-z)");
            }

            IReadOnlyList<string> unknown = tokenizer.UnknownWordsAsTyped(prompts[i]);
            if (unknown.Count > 0 && !o.AllowUnknownWords)
            {
                string vocabulary = string.Join(" ", tokenizer.Spec.Vocab.Where(w => !w.StartsWith('<')));
                throw new UsageException(
                    $"{where} has words the model does not know: {string.Join(", ", unknown.Select(w => $"'{w}'"))}. " +
                    $"Known words: {vocabulary}. Use --allow-unknown-words to map them to the unknown token.");
            }

            int words = tokenizer.CountWords(prompts[i]);
            if (words > tokenizer.TextLength)
            {
                string message = $"{where} has {words} words; the model reads the first {tokenizer.TextLength}";
                if (o.Strict)
                {
                    throw new UsageException($"{message} (--strict); shorten it");
                }

                warnings.Add($"{message} and drops the rest (run.json records it; --strict rejects such prompts)");
            }
        }

        IReadOnlyList<string> negativeUnknown = tokenizer.UnknownWordsAsTyped(o.NegativePrompt);
        if (negativeUnknown.Count > 0 && !o.AllowUnknownWords)
        {
            throw new UsageException($"--negative-prompt has words the model does not know: {string.Join(", ", negativeUnknown.Select(w => $"'{w}'"))}");
        }

        return warnings;
    }

    private static string Shorten(string prompt) => prompt.Length <= 60 ? prompt : prompt[..57] + "...";

    private static ModelPackage LoadPackage(string directory, ExecutionSettings settings)
    {
        try
        {
            return ModelPackage.Load(directory, settings);
        }
        catch (OnnxRuntimeException e) when (settings.Provider == ExecutionProvider.Cuda)
        {
            throw new InvalidOperationException(
                $"the CUDA execution provider is not usable: {OrtErrors.Describe(e)}. Run 'mixcache info' for details, or use --provider cpu", e);
        }
    }

    private static float[] LoadNoise(string path, ModelGeometry geometry)
    {
        Numerics.NpyArray<float> array = Numerics.NpyFile.Read<float>(path);
        long count = array.Data.LongLength;
        if (count != geometry.LatentElementCount)
        {
            throw new InvalidOperationException(
                $"--noise file '{path}' has {count} elements (shape [{string.Join(", ", array.Shape)}]); the model needs a latent of shape " +
                $"[1, {string.Join(", ", geometry.LatentShape)}] ({geometry.LatentElementCount} elements)");
        }

        int nonFinite = array.Data.Count(v => !float.IsFinite(v));
        if (nonFinite > 0)
        {
            throw new InvalidOperationException($"--noise file '{path}' has {nonFinite} non-finite values (NaN or infinity); noise must be finite");
        }

        return array.Data;
    }

    private static GenerationResult GenerateWithProgress(TextToVideoPipeline pipeline, GenerationRequest request, ICachePolicy policy,
        bool interactive, int index, int count, CancellationToken cancellationToken)
    {
        if (!interactive)
        {
            return pipeline.Generate(request, policy, cancellationToken: cancellationToken);
        }

        GenerationResult? result = null;
        int steps = pipeline.Package.Manifest.Scheduler.StepsOr(request.Steps);
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                string label = count > 1 ? $"[{index + 1}/{count}] {Markup.Escape(request.Prompt)}" : Markup.Escape(request.Prompt);
                ProgressTask task = ctx.AddTask(label, maxValue: steps);
                result = pipeline.Generate(request, policy, step => task.Increment(1), cancellationToken);
            });
        return result!;
    }

    private static JsonObject WriteOutputs(string directory, GenerationResult result, ModelGeometry g, RunContext context, int gifScale)
    {
        string? ffmpeg = Mp4Encoder.FindFfmpeg();
        var outputs = new Dictionary<string, string>
        {
            ["directory"] = directory,
            ["gif"] = Path.Combine(directory, "video.gif"),
            ["frames"] = Path.Combine(directory, "frames"),
            ["latent"] = Path.Combine(directory, "latent.npy"),
            ["run_json"] = Path.Combine(directory, "run.json"),
        };
        if (ffmpeg is not null)
        {
            outputs["mp4"] = Path.Combine(directory, "video.mp4");
        }

        List<(string Name, ScottPlot.Plot Plot, int Height)> plots = Plots(result);
        foreach ((string name, _, _) in plots)
        {
            outputs[name + "_plot"] = Path.Combine(directory, name + ".png");
        }

        JsonObject report = RunReport.Create(result, context, outputs);
        if (ffmpeg is null)
        {
            report["outputs"]!["mp4_skipped"] =
                $"ffmpeg was not found on PATH (or ${Mp4Encoder.FfmpegVariable}); install it (apt-get install ffmpeg, or scripts/setup.sh) to get video.mp4";
        }

        AtomicFile.CreateDirectory(directory, temporary =>
        {
            var frames = new VideoFrames(g.Frames, g.Height, g.Width, result.Frames);
            if (ffmpeg is not null)
            {
                Mp4Encoder.Write(Path.Combine(temporary, "video.mp4"), frames, Math.Max(1, g.Fps), gifScale, ffmpeg);
            }

            using (FileStream gif = File.Create(Path.Combine(temporary, "video.gif")))
            {
                GifWriter.Write(gif, frames, delayCs: Math.Max(1, 100 / Math.Max(1, g.Fps)), scale: gifScale);
            }

            string framesDir = Directory.CreateDirectory(Path.Combine(temporary, "frames")).FullName;
            for (int f = 0; f < frames.Frames; f++)
            {
                using FileStream png = File.Create(Path.Combine(framesDir, $"frame_{f:D3}.png"));
                PngWriter.Write(png, frames, f);
            }

            Numerics.NpyFile.Write(Path.Combine(temporary, "latent.npy"), [1, .. g.LatentShape], result.Latent);
            foreach ((string name, ScottPlot.Plot plot, int height) in plots)
            {
                PlotFiles.Save(plot, temporary, name, 900, height);
            }

            File.WriteAllText(Path.Combine(temporary, "run.json"), report.ToJsonString(RunReport.Options));
        });
        return report;
    }

    /// <summary>The plots of a run: the redundancy curves of a trace run, the mode timeline of a cached run.</summary>
    private static List<(string Name, ScottPlot.Plot Plot, int Height)> Plots(GenerationResult result)
    {
        var plots = new List<(string, ScottPlot.Plot, int)>();
        if (result.CachePolicy == "trace")
        {
            plots.Add((RedundancyPlot.FileName, RedundancyPlot.Create(result.Trace, $"Redundancy: '{result.Request.Prompt}', seed {result.Request.Seed}"), 500));
        }

        if (result.CachePolicy is not ("none" or "trace"))
        {
            IReadOnlyList<string> modes = [.. result.Trace.Select(s => Evaluation.StepModes.Label(s.Decision))];
            plots.Add((ModeTimelinePlot.FileName, ModeTimelinePlot.Create([(result.CachePolicy, modes)], $"Step modes: '{result.Request.Prompt}', seed {result.Request.Seed}"), 170));
        }

        return plots;
    }

    private static void RemoveIfEmpty(string directory)
    {
        try
        {
            if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
        catch (IOException)
        {
        }
    }

    internal static string Slug(string prompt)
    {
        var sb = new StringBuilder();
        foreach (char c in prompt.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                sb.Append(c);
            }
            else if (sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-');
            }

            if (sb.Length >= 48)
            {
                break;
            }
        }

        return sb.ToString().Trim('-') is { Length: > 0 } s ? s : "video";
    }

    private sealed class UsageException(string message) : Exception(message);
}

/// <summary>Parsed options of <c>mixcache generate</c>.</summary>
internal sealed record GenerateOptions
{
    public string? Prompt { get; init; }

    public string? PromptsFile { get; init; }

    public string? Model { get; init; }

    public string NegativePrompt { get; init; } = string.Empty;

    public ulong Seed { get; init; } = 42;

    public int? Steps { get; init; }

    public double? Guidance { get; init; }

    public double? Shift { get; init; }

    /// <summary>Sampler (<c>euler</c>, <c>unipc</c>); null = the model's.</summary>
    public string? Scheduler { get; init; }

    /// <summary>Reject prompts longer than the model's text length instead of warning.</summary>
    public bool Strict { get; init; }

    /// <summary>Provider, device, threads, CUDA options.</summary>
    public ExecutionChoice Execution { get; init; } = new();

    public string Cache { get; init; } = "none";

    public string? Out { get; init; }

    public string? NoiseFile { get; init; }

    public bool Json { get; init; }

    public bool AllowUnknownWords { get; init; }

    public int GifScale { get; init; } = 4;
}
