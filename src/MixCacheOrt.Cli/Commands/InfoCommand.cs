using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using MixCacheOrt.Ort;
using Spectre.Console;

namespace MixCacheOrt.Cli.Commands;

/// <summary>
/// <c>mixcache info [--json]</c>: ONNX Runtime version, loaded library, compiled-in providers and whether the
/// CUDA execution provider actually works here (with the reason when it does not).
/// </summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print machine-readable JSON instead of a table." };
        var device = new Option<int>("--device")
        {
            Description = "CUDA device to probe.",
            DefaultValueFactory = _ => 0,
        };
        device.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError("--device must be 0 or greater.");
            }
        });

        var command = new Command("info", "Show the ONNX Runtime in use and whether CUDA is usable.") { json, device };
        command.SetAction(parseResult =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            RuntimeInfo info = Collect(parseResult.GetValue(device));
            if (parseResult.GetValue(json))
            {
                output.WriteLine(ToJson(info));
            }
            else
            {
                WriteTable(info, output);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Gathers the facts; loading ONNX Runtime may throw <see cref="OrtLibraryException"/> with a fix-it message.</summary>
    internal static RuntimeInfo Collect(int cudaDevice = 0)
    {
        string version = OrtRuntime.Version;
        OrtProviderProbe cuda = OrtRuntime.ProbeCuda(cudaDevice);
        return new RuntimeInfo(
            version,
            OrtRuntime.LibraryPath,
            Environment.GetEnvironmentVariable("MIXCACHE_ORT_DIR") is { Length: > 0 } ? "MIXCACHE_ORT_DIR" : "application directory",
            OrtRuntime.BuildInfo,
            OrtRuntime.AvailableProviders,
            cuda.Usable,
            cuda.Error,
            cudaDevice);
    }

    internal static string ToJson(RuntimeInfo info) => JsonSerializer.Serialize(info, s_jsonContext.RuntimeInfo);

    // Relaxed escaping keeps paths and ORT messages readable ('&' stays '&'); the output is not embedded in HTML.
    private static readonly InfoJsonContext s_jsonContext = new(new JsonSerializerOptions(InfoJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    private static void WriteTable(RuntimeInfo info, TextWriter output)
    {
        // Colours only on a terminal: piped or captured output stays plain text.
        bool terminal = output == Console.Out && !Console.IsOutputRedirected;
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });

        var table = new Table().Border(TableBorder.Rounded).AddColumn("ONNX Runtime").AddColumn(string.Empty);
        table.AddRow("Version", Markup.Escape(info.OrtVersion));
        table.AddRow("Library", Markup.Escape(info.LibraryPath));
        table.AddRow("Found via", Markup.Escape(info.LibrarySource));
        table.AddRow("Build", Markup.Escape(info.BuildInfo));
        table.AddRow("Providers (compiled in)", Markup.Escape(string.Join(", ", info.Providers)));
        table.AddRow(
            $"CUDA usable (device {info.CudaDevice})",
            info.CudaUsable ? "[green]yes[/]" : $"[red]no[/]: {Markup.Escape(info.CudaError ?? "unknown")}");
        console.Write(table);
        if (!info.CudaUsable)
        {
            console.MarkupLine(
                "[grey]To use CUDA, set MIXCACHE_ORT_DIR to an ONNX Runtime 1.30 GPU directory with " +
                "libonnxruntime_providers_shared.so and libonnxruntime_providers_cuda.so next to libonnxruntime.so.1.[/]");
        }
    }
}

/// <summary>What <c>mixcache info</c> reports (JSON names are snake_case).</summary>
internal sealed record RuntimeInfo(
    string OrtVersion,
    string LibraryPath,
    string LibrarySource,
    string BuildInfo,
    IReadOnlyList<string> Providers,
    bool CudaUsable,
    string? CudaError,
    int CudaDevice);

[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RuntimeInfo))]
internal sealed partial class InfoJsonContext : JsonSerializerContext;
