using System.CommandLine;
using System.Globalization;
using MixCacheOrt.Caching;
using MixCacheOrt.Caching.MixCache;
using MixCacheOrt.Evaluation;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;
using MixCacheOrt.Pipelines;
using Spectre.Console;

namespace MixCacheOrt.Cli.Commands;

/// <summary>
/// <c>mixcache eval</c>: runs every (prompt, seed, method), measures each against full compute (<c>none</c>) of the
/// same prompt and seed, and writes <c>results.md</c>, <c>runs.csv</c>, <c>summary.json</c> and
/// the plots (quality vs speed, mode timeline; PNG and SVG) into a directory that appears only when complete. The table also goes to stdout.
/// </summary>
internal static class EvalCommand
{
    /// <summary>Steps of the untimed warm-up generation (ONNX Runtime's first-run allocations).</summary>
    private const int WarmupSteps = 2;

    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model package directory (default: models/tiny-wan)." };
        var prompts = new Option<FileInfo?>("--prompts") { Description = "Prompts, one per line; blank lines and # comments are skipped (default: <model>/prompts/eval.txt)." };
        var seeds = new Option<string?>("--seeds") { Description = "Comma-separated noise seeds (default: the split's, 1,2 for dev)." };
        var split = new Option<string>("--split")
        {
            Description = "Prompt set: dev (<model>/prompts/eval.txt, seeds 1,2; for tuning) or test (prompts/test.txt, seeds 101,102,103; frozen, for reported tables).",
            DefaultValueFactory = _ => "dev",
        };
        split.AcceptOnlyFromAmong("dev", "test");
        var methods = new Option<string?>("--methods")
        {
            Description = "Comma-separated cache policies to compare with full compute ('none' always runs first as the reference). " +
                $"Default: {string.Join(", ", EvaluationMethods.Defaults(CachePolicyFactory.Names))}. Each is {CachePolicyFactory.Help}.",
        };
        var ablation = new Option<bool>("--ablation") { Description = $"Compare the ablation set instead: {string.Join(", ", EvaluationMethods.Ablation)}." };
        var shard = new Option<string?>("--shard")
        {
            Description = "Run slice I of N (I/N, e.g. 1/2): whole (prompt, seed) groups, each with its reference; merge the slices' --out folders with 'mixcache eval merge'.",
        };
        var sweep = new Option<bool>("--sweep")
        {
            Description = $"Trace each family's quality/speed frontier (5+ settings from about 1.3x to 4x); --methods then names families ({string.Join(", ", FrontierSweep.Points.Keys)}; default all).",
        };
        var output = new Option<string?>("--out", "-o") { Description = "Output directory (default: eval-<time> in the current directory). Must not exist." };
        var steps = new Option<int?>("--steps") { Description = "Denoising steps (default: the model's, 50 for tiny-wan)." };
        Option<string?> scheduler = SchedulerOption.Create();
        var execution = new ExecutionOptions();
        var command = new Command("eval", "Compare cache policies with full compute: speedup, latency, PSNR, SSIM, prompt adherence (Table 1 / Table 2).")
        {
            model, prompts, seeds, split, methods, ablation, sweep, shard, output, steps, scheduler,
        };
        command.Subcommands.Add(CreateMerge());
        execution.AddTo(command);
        command.SetAction(parse =>
        {
            var options = new EvalOptions
            {
                Model = parse.GetValue(model),
                PromptsFile = parse.GetValue(prompts)?.FullName,
                Seeds = parse.GetValue(seeds),
                Split = parse.GetValue(split) ?? "dev",
                Methods = parse.GetValue(methods),
                Ablation = parse.GetValue(ablation),
                Sweep = parse.GetValue(sweep),
                Shard = parse.GetValue(shard),
                Out = parse.GetValue(output),
                Steps = parse.GetValue(steps),
                Scheduler = parse.GetValue(scheduler),
                Execution = execution.Read(parse),
                CommandLine = "mixcache " + string.Join(" ", parse.Tokens.Select(t => ShellQuote(t.Value))),
            };
            using var cancel = new ConsoleCancellation(); // Ctrl-C stops at the next step boundary
            return Run(options, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancel.Token);
        });
        return command;
    }

    /// <summary>Validates, loads the model once, runs every job and writes the outputs.</summary>
    internal static int Run(EvalOptions o, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string modelDir = o.Model ?? ModelLocator.DefaultModelDirectory();
        Plan plan;
        try
        {
            plan = Validate(o, modelDir);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"mixcache eval: {e.Message}");
            return ExitCodes.Usage;
        }

        using ModelPackage package = ModelPackage.Load(modelDir, o.Execution.ToSettings());
        using var pipeline = new TextToVideoPipeline(package);
        try
        {
            CheckPrompts(pipeline, plan.Prompts);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"mixcache eval: {e.Message}");
            return ExitCodes.Usage;
        }

        // Build every policy once before any generation, so a method the model cannot serve (e.g. no profile.json)
        // fails now and not an hour into the run.
        var policyContext = CachePolicyContext.For(package);
        int stepCount = package.Manifest.Scheduler.StepsOr(o.Steps);
        string? stepWarning = null;
        foreach (string method in plan.Methods)
        {
            try
            {
                if (CachePolicyFactory.Create(method, policyContext) is MixCachePolicy mixCache)
                {
                    stepWarning ??= mixCache.StepCountWarning(stepCount);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                stderr.WriteLine($"mixcache eval: method '{method}' cannot be used with model '{package.Manifest.Name}': {e.Message}");
                return ExitCodes.Failure;
            }
        }

        if (stepWarning is not null)
        {
            stderr.WriteLine($"mixcache eval: warning: {stepWarning}");
        }

        IReadOnlyList<EvaluationJob> jobs = EvaluationShards.Select(EvaluationRunner.Plan(plan.Prompts, plan.Seeds, plan.Methods), plan.Shard.Index, plan.Shard.Count);
        if (jobs.Count == 0)
        {
            stderr.WriteLine($"mixcache eval: slice {plan.Shard.Index}/{plan.Shard.Count} has no (prompt, seed) group ({plan.Prompts.Count * plan.Seeds.Count} in all); use fewer slices");
            return ExitCodes.Usage;
        }

        var runner = new EvaluationRunner(pipeline, name => CachePolicyFactory.Create(name, policyContext)) { Scheduler = o.Scheduler };
        bool interactive = stdout == Console.Out && !Console.IsOutputRedirected;
        DateTimeOffset started = DateTimeOffset.UtcNow;
        IReadOnlyList<EvaluationRecord> records;
        try
        {
            records = interactive
                ? RunWithProgress(runner, jobs, plan.Prompts[0], stepCount, o.Steps, cancellationToken)
                : RunQuietly(runner, jobs, plan.Prompts[0], stepCount, o.Steps, stderr, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("mixcache eval: cancelled; no output was written");
            return ExitCodes.Cancelled;
        }

        var settings = new EvaluationSettings
        {
            CommandLine = o.CommandLine,
            ModelName = package.Manifest.Name,
            ModelDirectory = package.Directory,
            PromptsFile = plan.PromptsFile,
            Prompts = plan.Prompts,
            Seeds = plan.Seeds,
            Methods = plan.Methods,
            Steps = stepCount,
            Guidance = package.Manifest.Scheduler.Guidance,
            Scheduler = Schedulers.FlowSchedulers.Normalize(o.Scheduler ?? package.Manifest.Scheduler.Type),
            Ablation = o.Ablation,
            WarmupRuns = 1,
        };
        var environment = new EvaluationEnvironment
        {
            OrtVersion = OrtRuntime.Version,
            Provider = package.Settings.Provider.ToString().ToLowerInvariant(),
            Threads = package.Settings.Threads,
            ProviderOptions = package.Settings.Provider == ExecutionProvider.Cuda ? package.Settings.Cuda.ToProviderOptions(package.Settings.DeviceId) : new Dictionary<string, string>(),
            StartedUtc = started,
            FinishedUtc = DateTimeOffset.UtcNow,
        };
        EvaluationReport report = EvaluationReport.Create(settings, environment, records);
        string markdown = EvaluationOutput.Write(plan.OutDir, report, plan.Shard.Index, plan.Shard.Count);
        stdout.Write(markdown);
        stderr.WriteLine($"mixcache eval: wrote {plan.OutDir} ({EvaluationOutput.ResultsFile}, {EvaluationOutput.RunsFile}, " +
            $"{EvaluationOutput.SummaryFile}, {string.Join(", ", EvaluationOutput.PlotFileNames)})");
        return ExitCodes.Success;
    }

    private static Plan Validate(EvalOptions o, string modelDir)
    {
        IReadOnlyList<string> methods;
        try
        {
            if (o.Ablation && (o.Methods is not null || o.Sweep))
            {
                throw new UsageException("give either --methods or --ablation, not both (and --ablation not with --sweep)");
            }

            methods = o.Sweep ? FrontierSweep.Expand(o.Methods is null ? [] : EvaluationMethods.Split(o.Methods))
                : o.Ablation ? EvaluationMethods.Resolve(EvaluationMethods.Ablation, CachePolicyFactory.Names)
                : o.Methods is null ? EvaluationMethods.Defaults(CachePolicyFactory.Names)
                : EvaluationMethods.Resolve(EvaluationMethods.Split(o.Methods), CachePolicyFactory.Names, CachePolicyFactory.Check);
        }
        catch (UnknownMethodException e)
        {
            string where = o.Ablation ? "the --ablation set" : "--methods";
            throw new UsageException(e.Detail is string detail
                ? $"{detail} (in {where})"
                : $"unknown method '{e.Name}' in {where}; known methods: {string.Join(", ", e.Known)}, or FAMILY:key=value specs ({string.Join(", ", CachePolicyFactory.Families.Keys)})");
        }
        catch (ArgumentException)
        {
            throw new UsageException($"--methods has an empty entry ('{o.Methods}'); give comma-separated names, e.g. --methods none,mixcache-eff");
        }

        bool test = o.Split == "test";
        if (test && (o.PromptsFile is not null || o.Seeds is not null))
        {
            throw new UsageException("--split test fixes the prompts and seeds (prompts/test.txt, seeds 101,102,103); leave out --prompts and --seeds");
        }

        string seedText = o.Seeds ?? string.Join(",", test ? PromptSplit.TestSeeds : PromptSplit.DevelopmentSeeds);
        if (!SeedList.TryParse(seedText, out IReadOnlyList<ulong> seeds, out string? seedError))
        {
            throw new UsageException(seedError!);
        }

        if (o.Steps is < 1)
        {
            throw new UsageException($"--steps must be at least 1 (got {o.Steps})");
        }

        if (o.Execution.Validate() is string executionError)
        {
            throw new UsageException(executionError);
        }

        string promptsFile = o.PromptsFile ?? Path.GetFullPath(test ? PromptSplit.TestPromptsFile(modelDir) : PromptSplit.DevelopmentPromptsFile(modelDir));
        if (!File.Exists(promptsFile))
        {
            throw new UsageException(o.PromptsFile is null
                ? $"no --prompts given and the model has no '{promptsFile}'; pass --prompts FILE (one prompt per line)"
                : $"--prompts file '{promptsFile}' does not exist");
        }

        IReadOnlyList<string> prompts = PromptFile.Read(promptsFile);
        if (prompts.Count == 0)
        {
            throw new UsageException($"--prompts file '{promptsFile}' has no prompts (one per line; blank lines and # comments are skipped)");
        }

        string outDir = Path.GetFullPath(o.Out ?? $"eval-{DateTime.Now:yyyyMMdd-HHmmss}");
        if (Directory.Exists(outDir) || File.Exists(outDir))
        {
            throw new UsageException($"output directory '{outDir}' already exists; choose another --out or remove it");
        }

        if (!Directory.Exists(Path.GetDirectoryName(outDir)))
        {
            throw new UsageException($"the parent directory of --out '{outDir}' does not exist");
        }

        (int Index, int Count) shard = (1, 1);
        if (o.Shard is not null)
        {
            shard = EvaluationShards.ParseShard(o.Shard)
                ?? throw new UsageException($"--shard must be I/N with 1 <= I <= N, e.g. 1/2 (got '{o.Shard}')");
        }

        return new Plan(prompts, promptsFile, seeds, methods, outDir, shard);
    }

    private static void CheckPrompts(TextToVideoPipeline pipeline, IReadOnlyList<string> prompts)
    {
        for (int i = 0; i < prompts.Count; i++)
        {
            if (pipeline.Prompts.Tokenizer.Words(prompts[i]).Count == 0)
            {
                throw new UsageException($"prompt {i + 1} ('{prompts[i]}') has no words the model can read (letters a-z)");
            }

            IReadOnlyList<string> unknown = pipeline.Prompts.Tokenizer.UnknownWordsAsTyped(prompts[i]);
            if (unknown.Count > 0)
            {
                throw new UsageException($"prompt {i + 1} ('{prompts[i]}') has words the model does not know: {string.Join(", ", unknown.Select(w => $"'{w}'"))}");
            }
        }
    }

    private static IReadOnlyList<EvaluationRecord> RunQuietly(EvaluationRunner runner, IReadOnlyList<EvaluationJob> jobs, string warmupPrompt,
        int stepCount, int? steps, TextWriter stderr, CancellationToken cancellationToken)
    {
        stderr.WriteLine($"mixcache eval: {jobs.Count} runs of {stepCount} steps, after one untimed warm-up");
        runner.WarmUp(warmupPrompt, Math.Min(WarmupSteps, stepCount), cancellationToken);
        int done = 0; // position in this run (a slice's jobs keep their global indices)
        var observer = new EvaluationObserver
        {
            JobCompleted = (job, r) => stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{++done}/{jobs.Count}] {job.Method}, seed {job.Seed}, '{job.Prompt}': {r.TotalMs:F1} ms, {r.Speedup:F2}x, " +
                $"PSNR {(r.IsReference ? "reference" : r.IdenticalToReference ? "identical" : $"{r.Psnr:F2} dB")}")),
        };
        return runner.Run(jobs, steps, observer, cancellationToken);
    }

    private static IReadOnlyList<EvaluationRecord> RunWithProgress(EvaluationRunner runner, IReadOnlyList<EvaluationJob> jobs, string warmupPrompt,
        int stepCount, int? steps, CancellationToken cancellationToken)
    {
        IReadOnlyList<EvaluationRecord> records = [];
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                // Started after the warm-up, so the ETA only sees measured runs.
                ProgressTask task = ctx.AddTask("warm-up (untimed)", autoStart: false, maxValue: (double)jobs.Count * stepCount);
                runner.WarmUp(warmupPrompt, Math.Min(WarmupSteps, stepCount), cancellationToken);
                task.StartTask();
                int started = 0;
                var observer = new EvaluationObserver
                {
                    JobStarting = job => task.Description = Markup.Escape($"[{++started}/{jobs.Count}] {job.Method} · seed {job.Seed} · {Shorten(job.Prompt, 40)}"),
                    Step = _ => task.Increment(1),
                };
                records = runner.Run(jobs, steps, observer, cancellationToken);
            });
        return records;
    }

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    /// <summary>A token as a POSIX shell would need it (for the command line in the report).</summary>
    internal static string ShellQuote(string token) =>
        token.Length > 0 && token.All(c => char.IsAsciiLetterOrDigit(c) || "-_./,=:+@%".Contains(c))
            ? token
            : "'" + token.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private sealed record Plan(IReadOnlyList<string> Prompts, string PromptsFile, IReadOnlyList<ulong> Seeds, IReadOnlyList<string> Methods, string OutDir,
        (int Index, int Count) Shard);

    /// <summary><c>mixcache eval merge DIR... --out X</c>: one report from the --out folders of every slice of an evaluation.</summary>
    private static Command CreateMerge()
    {
        var inputs = new Argument<string[]>("slices") { Description = "The --out folders of 'mixcache eval --shard i/n' runs (all n of them).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out", "-o") { Description = "Output directory of the merged report (must not exist).", Required = true };
        var merge = new Command("merge", "Merge the outputs of 'mixcache eval --shard i/n' into one report (the same table as one unsharded run).") { inputs, output };
        merge.SetAction(parse => Merge(parse.GetValue(inputs) ?? [], parse.GetValue(output)!, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return merge;
    }

    internal static int Merge(IReadOnlyList<string> slices, string outDir, TextWriter stdout, TextWriter stderr)
    {
        string target = Path.GetFullPath(outDir);
        if (Directory.Exists(target) || File.Exists(target))
        {
            stderr.WriteLine($"mixcache eval merge: output directory '{target}' already exists; choose another --out or remove it");
            return ExitCodes.Usage;
        }

        EvaluationReport report;
        try
        {
            report = EvaluationShards.Merge([.. slices.Select(EvaluationShards.Read)]);
        }
        catch (InvalidDataException e)
        {
            stderr.WriteLine($"mixcache eval merge: {e.Message}");
            return ExitCodes.Usage;
        }

        stdout.Write(EvaluationOutput.Write(target, report));
        stderr.WriteLine($"mixcache eval merge: wrote {target} from {slices.Count} slices ({report.Records.Count} runs)");
        return ExitCodes.Success;
    }

    private sealed class UsageException(string message) : Exception(message);
}

/// <summary>Parsed options of <c>mixcache eval</c>.</summary>
internal sealed record EvalOptions
{
    public string? Model { get; init; }

    /// <summary>Sampler (<c>euler</c>, <c>unipc</c>); null = the model's.</summary>
    public string? Scheduler { get; init; }

    public string? PromptsFile { get; init; }

    /// <summary>Comma-separated seeds; null = the split's.</summary>
    public string? Seeds { get; init; }

    /// <summary><c>dev</c> (default) or <c>test</c> (<see cref="PromptSplit"/>).</summary>
    public string Split { get; init; } = "dev";

    /// <summary>Comma-separated method names; null = the default set.</summary>
    public string? Methods { get; init; }

    public bool Ablation { get; init; }

    /// <summary>Trace frontiers: <see cref="Methods"/> names families (<see cref="FrontierSweep"/>).</summary>
    public bool Sweep { get; init; }

    /// <summary>Run one slice, <c>I/N</c> (<see cref="EvaluationShards"/>); null for the whole evaluation.</summary>
    public string? Shard { get; init; }

    public string? Out { get; init; }

    public int? Steps { get; init; }

    /// <summary>Provider, device, threads, CUDA options.</summary>
    public ExecutionChoice Execution { get; init; } = new();

    /// <summary>The command line, for the report.</summary>
    public string? CommandLine { get; init; }
}
