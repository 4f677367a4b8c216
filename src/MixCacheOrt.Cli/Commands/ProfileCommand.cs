using System.CommandLine;
using MixCacheOrt.Caching.MixCache;
using MixCacheOrt.Models;
using MixCacheOrt.Profiling;

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
        var runOptions = new ProfilingRunOptions();
        var steps = new Option<int?>("--steps") { Description = "Sampling steps (default: the model's)." };
        var stride = new Option<int>("--impact-stride") { Description = "Measure perturbation impacts every K steps.", DefaultValueFactory = _ => 1 };
        var execution = new ExecutionOptions();
        var output = new Option<string?>("--out", "-o") { Description = "Output file (default: <model>/profile.json)." };
        var command = new Command("profile", "Offline MixCache profiling of a model (writes profile.json).")
        {
            model, steps, stride, output,
        };
        runOptions.AddTo(command);
        execution.AddTo(command);
        command.SetAction(parse =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            TextWriter stderr = parse.InvocationConfiguration.Error;
            string modelDir = parse.GetValue(model) ?? ModelLocator.DefaultModelDirectory();
            (IReadOnlyList<(string Prompt, ulong Seed)> runs, string? runError) = runOptions.Resolve(parse, modelDir);
            runError ??= Evaluation.PromptSplit.TestSetUse(modelDir, runs, "profile");
            if (runError is not null)
            {
                stderr.WriteLine($"mixcache profile: {runError}");
                return ExitCodes.Usage;
            }

            if (parse.GetValue(stride) < 1 || parse.GetValue(steps) is < 2)
            {
                stderr.WriteLine("mixcache profile: need --impact-stride >= 1 and --steps >= 2");
                return ExitCodes.Usage;
            }

            ExecutionChoice choice = execution.Read(parse);
            if (choice.Validate() is string executionError)
            {
                stderr.WriteLine($"mixcache profile: {executionError}");
                return ExitCodes.Usage;
            }

            using ModelPackage package = ModelPackage.Load(modelDir, choice.ToSettings());
            string target = parse.GetValue(output) ?? Path.Combine(package.Directory, MixCacheProfile.FileName);
            int stepCount = package.Manifest.Scheduler.StepsOr(parse.GetValue(steps));
            using var cancel = new ConsoleCancellation();
            try
            {
                using var profiler = new MixCacheProfiler(package);
                var profiles = new List<RunProfile>();
                OfflineProgress.Run(stdout, "profiling", runs.Count, advance =>
                {
                    foreach ((string p, ulong s) in runs)
                    {
                        profiles.Add(profiler.ProfileRun(p, s, stepCount, parse.GetValue(stride), cancel.Token));
                        advance?.Invoke();
                    }
                });

                MixCacheProfile profile = MixCacheProfiler.Aggregate(profiles, package.Manifest.Blocks.Candidates);
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
        });
        return command;
    }
}
