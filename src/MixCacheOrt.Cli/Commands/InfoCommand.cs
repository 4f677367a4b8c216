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

    /// <summary>Gathers the facts (the CUDA probe loads the provider libraries, which then show in <c>ort_libraries</c>).</summary>
    internal static RuntimeInfo Collect(int cudaDevice = 0)
    {
        string version = OrtRuntime.Version;
        OrtProviderProbe cuda = OrtRuntime.ProbeCuda(cudaDevice);
        return new RuntimeInfo(
            version,
            OrtRuntime.LibraryPath,
            OrtRuntime.LoadedLibraries(),
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
        table.AddRow("Loaded", Markup.Escape(string.Join(", ", info.OrtLibraries.Select(Path.GetFileName))));
        table.AddRow("Providers (compiled in)", Markup.Escape(string.Join(", ", info.Providers)));
        table.AddRow(
            $"CUDA usable (device {info.CudaDevice})",
            info.CudaUsable ? "[green]yes[/]" : $"[red]no[/]: {Markup.Escape(info.CudaError ?? "unknown")}");
        console.Write(table);
        if (!info.CudaUsable)
        {
            console.MarkupLine(
                "[grey]CUDA needs an NVIDIA driver and, on the library path, the CUDA 13 runtime, cuBLAS, cuFFT, cuRAND and " +
                "cuDNN 9 (e.g. pip's nvidia-*-cu13 wheels); see the README's GPU section.[/]");
        }
    }
}

/// <summary>What <c>mixcache info</c> reports (JSON names are snake_case).</summary>
internal sealed record RuntimeInfo(
    string OrtVersion,
    string LibraryPath,
    IReadOnlyList<string> OrtLibraries,
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
