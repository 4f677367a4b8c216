using System.CommandLine;
using MixCacheOrt.Caching.Baselines;
using MixCacheOrt.Models;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Profiling;

namespace MixCacheOrt.Cli.Commands;

/// <summary>
/// <c>mixcache calibrate</c>: fits TeaCache's rescaling polynomial and MagCache's magnitude ratios for a model from
/// full-compute runs and writes them atomically to <c>teacache.json</c> and <c>magcache.json</c> next to the manifest.
/// </summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model package directory (default: models/tiny-wan)." };
        var runOptions = new ProfilingRunOptions();
        var steps = new Option<int?>("--steps") { Description = "Sampling steps (default: the model's)." };
        var input = new Option<string>("--input") { Description = "Compared embedding: e0 (TeaCache's use_ret_steps) or e.", DefaultValueFactory = _ => "e0" };
        var execution = new ExecutionOptions();
        var output = new Option<string?>("--out", "-o") { Description = "TeaCache output file (default: <model>/teacache.json); magcache.json is written next to it." };
        var command = new Command("calibrate", "Calibrate the TeaCache and MagCache baselines for a model (writes teacache.json and magcache.json).")
        {
            model, steps, input, output,
        };
        runOptions.AddTo(command);
        execution.AddTo(command);
        command.SetAction(parse =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            TextWriter stderr = parse.InvocationConfiguration.Error;
            string modelDir = parse.GetValue(model) ?? ModelLocator.DefaultModelDirectory();
            (IReadOnlyList<(string Prompt, ulong Seed)> runs, string? runError) = runOptions.Resolve(parse, modelDir);
            runError ??= Evaluation.PromptSplit.TestSetUse(modelDir, runs, "calibrate");
            if (runError is not null)
            {
                stderr.WriteLine($"mixcache calibrate: {runError}");
                return ExitCodes.Usage;
            }

            string inputName = parse.GetValue(input)!;
            if (parse.GetValue(steps) is < 6 || inputName is not ("e0" or "e"))
            {
                stderr.WriteLine("mixcache calibrate: need --steps >= 6 and --input e0 or e");
                return ExitCodes.Usage;
            }

            ExecutionChoice choice = execution.Read(parse);
            if (choice.Validate() is string executionError)
            {
                stderr.WriteLine($"mixcache calibrate: {executionError}");
                return ExitCodes.Usage;
            }

            using ModelPackage package = ModelPackage.Load(modelDir, choice.ToSettings());
            using var pipeline = new TextToVideoPipeline(package);
            string target = parse.GetValue(output) ?? Path.Combine(package.Directory, TeaCacheCalibration.FileName);
            using var cancel = new ConsoleCancellation();
            try
            {
                TeaCacheCalibration result = null!;
                MagCacheCalibration mag = null!;
                OfflineProgress.Run(stdout, "calibrating", runs.Count, advance =>
                    (result, mag) = BaselineCalibrator.Calibrate(pipeline, runs, parse.GetValue(steps), inputName, advance, cancel.Token));
                string magTarget = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(target))!, MagCacheCalibration.FileName);
                result.Save(target);
                mag.Save(magTarget);
                stdout.WriteLine(FormattableString.Invariant(
                    $"TeaCache polynomial ({result.Input}, {result.Points} points, rmse {result.Rmse:G3}): [{string.Join(", ", result.Coefficients.Select(c => c.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)))}] -> {target}; MagCache ratios ({mag.Ratios.Length} steps) -> {magTarget}"));
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                stderr.WriteLine("mixcache calibrate: cancelled; nothing was written");
                return ExitCodes.Cancelled;
            }
        });
        return command;
    }
}
