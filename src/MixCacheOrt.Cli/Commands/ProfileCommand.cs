using System.CommandLine;
using MixCacheOrt.Caching.MixCache;
using MixCacheOrt.Models;
using MixCacheOrt.Profiling;
using Spectre.Console;

namespace MixCacheOrt.Cli.Commands;

/// <summary>
/// <c>mixcache profile</c>: MixCache's offline profiling of a model (θ, δ1, δ2, perturbation statistics, impacts and
/// the raw curves), written atomically to <c>profile.json</c> next to the manifest unless <c>--out</c> says otherwise.
/// </summary>
internal static class ProfileCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model package directory (default: models/tiny-wan)." };
        var prompts = new Option<FileInfo?>("--prompts") { Description = "Prompts, one per line (default: <model>/prompts/profile.txt)." };
        var count = new Option<int?>("--count") { Description = "Use only the first N prompts." };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated noise seeds.", DefaultValueFactory = _ => "1" };
        var steps = new Option<int?>("--steps") { Description = "Sampling steps (default: the model's)." };
        var stride = new Option<int>("--impact-stride") { Description = "Measure perturbation impacts every K steps.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads per session (0 = one per core).", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out", "-o") { Description = "Output file (default: <model>/profile.json)." };
        var command = new Command("profile", "Offline MixCache profiling of a model (writes profile.json).")
        {
            model, prompts, count, seeds, steps, stride, threads, output,
        };
        command.SetAction(parse =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            TextWriter stderr = parse.InvocationConfiguration.Error;
            string modelDir = parse.GetValue(model) ?? ModelLocator.DefaultModelDirectory();
            string promptFile = parse.GetValue(prompts)?.FullName ?? Path.Combine(modelDir, "prompts", "profile.txt");
            if (!File.Exists(promptFile))
            {
                stderr.WriteLine($"mixcache profile: prompt file '{promptFile}' does not exist; pass --prompts FILE (one prompt per line)");
                return ExitCodes.Usage;
            }

            List<string> list = [.. File.ReadAllLines(promptFile).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];
            if (parse.GetValue(count) is int n)
            {
                if (n < 1)
                {
                    stderr.WriteLine("mixcache profile: --count must be at least 1");
                    return ExitCodes.Usage;
                }

                list = [.. list.Take(n)];
            }

            ulong[] seedList;
            try
            {
                seedList = [.. parse.GetValue(seeds)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ulong.Parse)];
            }
            catch (FormatException)
            {
                stderr.WriteLine("mixcache profile: --seeds must be comma-separated non-negative integers, e.g. --seeds 1,2");
                return ExitCodes.Usage;
            }

            if (list.Count == 0 || seedList.Length == 0 || parse.GetValue(stride) < 1 || parse.GetValue(steps) is < 2)
            {
                stderr.WriteLine("mixcache profile: need at least one prompt and one seed, --impact-stride >= 1 and --steps >= 2");
                return ExitCodes.Usage;
            }

            using ModelPackage package = ModelPackage.Load(modelDir, new ExecutionSettings { Threads = parse.GetValue(threads) });
            string target = parse.GetValue(output) ?? Path.Combine(package.Directory, MixCacheProfile.FileName);
            int stepCount = parse.GetValue(steps) ?? package.Manifest.Scheduler.Steps;
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                using var profiler = new MixCacheProfiler(package);
                var runs = new List<RunProfile>();
                var jobs = list.SelectMany(p => seedList.Select(s => (Prompt: p, Seed: s))).ToList();
                bool interactive = stdout == Console.Out && !Console.IsOutputRedirected;
                void RunAll(Action? advance)
                {
                    foreach ((string p, ulong s) in jobs)
                    {
                        runs.Add(profiler.ProfileRun(p, s, stepCount, parse.GetValue(stride), cancel.Token));
                        advance?.Invoke();
                    }
                }

                if (interactive)
                {
                    AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new RemainingTimeColumn())
                        .Start(ctx =>
                        {
                            ProgressTask task = ctx.AddTask("profiling", maxValue: jobs.Count);
                            RunAll(() => task.Increment(1));
                        });
                }
                else
                {
                    RunAll(null);
                }

                MixCacheProfile profile = MixCacheProfiler.Aggregate(runs, package.Manifest.Blocks.Candidates);
                profile.Save(target);
                stdout.WriteLine(FormattableString.Invariant(
                    $"theta {profile.Theta:F4}, delta1 {profile.Delta1:F4}, delta2 {profile.Delta2:F4}, I_step {profile.Impact.Step:F4}, I_cfg {profile.Impact.Cfg:F4} -> {target}"));
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                stderr.WriteLine("mixcache profile: cancelled; no profile was written");
                return ExitCodes.Cancelled;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command;
    }
}
