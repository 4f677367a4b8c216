using System.CommandLine;
using MixCacheOrt.Models;
using MixCacheOrt.Schedulers;

namespace MixCacheOrt.Cli.Commands;

/// <summary><c>mixcache import</c>: a package from a (partitioned) denoiser, text encoder, decoder and tokenizer (<see cref="PackageImporter"/>).</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var denoiser = new Option<string>("--denoiser") { Description = "A directory written by exporters/partition.py, or a monolithic denoiser .onnx (partitioned with it first).", Required = true };
        var text = new Option<string>("--text-encoder") { Description = "Text encoder graph: tokens [batch, text_len] int64 -> context_raw.", Required = true };
        var decoder = new Option<string>("--decoder") { Description = "Decoder graph: latent [batch, C, F, H, W] -> frames [batch, F, H, W, 3].", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "Tokenizer description (JSON like a manifest's tokenizer section, or a manifest.json).", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Package directory to write (must not exist).", Required = true };
        var name = new Option<string?>("--name") { Description = "Package name (default: the --out folder's name)." };
        Option<string?> scheduler = SchedulerOption.Create();
        scheduler.Description = "Default sampler of the package: euler or unipc (default: unipc, Wan2.1's).";
        var steps = new Option<int>("--steps") { Description = "Default steps.", DefaultValueFactory = _ => 50 };
        var shift = new Option<double>("--shift") { Description = "Default timestep shift (Wan2.1 T2V: 5).", DefaultValueFactory = _ => 5 };
        var guidance = new Option<double>("--guidance") { Description = "Default guidance scale (Wan2.1: 5).", DefaultValueFactory = _ => 5 };
        var fps = new Option<int>("--fps") { Description = "Frames per second of the videos (Wan2.1: 16).", DefaultValueFactory = _ => 16 };
        var command = new Command("import", "Assemble a model package (manifest, signatures, sha256s) from a denoiser, text encoder, decoder and tokenizer.")
        {
            denoiser, text, decoder, tokenizer, output, name, scheduler, steps, shift, guidance, fps,
        };
        command.SetAction(parse =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output, stderr = parse.InvocationConfiguration.Error;
            if (parse.GetValue(steps) < 1 || parse.GetValue(fps) < 1 || !GenerateCommand.ShiftRange.Contains(parse.GetValue(shift))
                || !GenerateCommand.GuidanceRange.Contains(parse.GetValue(guidance)))
            {
                stderr.WriteLine($"mixcache import: --steps and --fps must be at least 1, --shift {GenerateCommand.ShiftRange.Text}, --guidance {GenerateCommand.GuidanceRange.Text}");
                return ExitCodes.Usage;
            }

            var request = new ImportRequest
            {
                Denoiser = parse.GetValue(denoiser)!,
                TextEncoder = parse.GetValue(text)!,
                Decoder = parse.GetValue(decoder)!,
                Tokenizer = parse.GetValue(tokenizer)!,
                Out = parse.GetValue(output)!,
                Name = parse.GetValue(name),
                Scheduler = new SchedulerSpec
                {
                    Type = FlowSchedulers.Normalize(parse.GetValue(scheduler) ?? "unipc") == "euler" ? "flow_match_euler" : "flow_match_unipc",
                    Steps = parse.GetValue(steps),
                    Shift = parse.GetValue(shift),
                    Guidance = parse.GetValue(guidance),
                },
                Fps = parse.GetValue(fps),
            };
            try
            {
                ModelManifest m = PackageImporter.Import(request);
                stdout.WriteLine($"mixcache import: wrote {request.Out} ({m.Blocks.Count} blocks, latent [{string.Join(", ", m.Geometry.LatentShape)}], {m.Geometry.Tokens} tokens, {m.Scheduler.Type})");
                return ExitCodes.Success;
            }
            catch (PackageImportException e)
            {
                stderr.WriteLine($"mixcache import: {e.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }
}
