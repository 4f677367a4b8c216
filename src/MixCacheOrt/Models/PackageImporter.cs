using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MixCacheOrt.Media;

namespace MixCacheOrt.Models;

/// <summary>What <see cref="PackageImporter"/> assembles into a package.</summary>
public sealed record ImportRequest
{
    /// <summary>A directory written by <c>exporters/partition.py</c> (<c>partition.json</c>, pre/block_XX/post graphs), or a monolithic denoiser <c>.onnx</c> to partition first.</summary>
    public required string Denoiser { get; init; }

    /// <summary>Text encoder graph: token ids [batch, text_len] int64 → <c>context_raw</c>.</summary>
    public required string TextEncoder { get; init; }

    /// <summary>Decoder graph: <c>latent</c> [batch, C, F, H, W] → <c>frames</c> [batch, F, H, W, 3] in [0, 1].</summary>
    public required string Decoder { get; init; }

    /// <summary>The tokenizer description: a JSON object like a manifest's <c>tokenizer</c> section, or a <c>manifest.json</c> holding one.</summary>
    public required string Tokenizer { get; init; }

    /// <summary>The package directory to write (must not exist).</summary>
    public required string Out { get; init; }

    public string? Name { get; init; }

    /// <summary>Sampling defaults; Wan2.1's T2V ones unless given.</summary>
    public SchedulerSpec Scheduler { get; init; } = new() { Type = "flow_match_unipc", Steps = 50, Shift = 5, Guidance = 5 };

    public int Fps { get; init; } = 16;
}

/// <summary>A one-line reason an import cannot be done, naming the option or file and how to fix it.</summary>
public sealed class PackageImportException(string message) : Exception(message);

/// <summary>
/// <c>mixcache import</c>: a complete package (graphs, <c>manifest.json</c> with signatures and sha256s) from a
/// partitioned (or monolithic) denoiser plus text-encoder and decoder graphs and a tokenizer description. The
/// geometry is read from the graphs' signatures (the latent from <c>pre</c>'s input, tokens from its <c>hidden</c>
/// output, frames from the decoder's output), the default block-cache candidates are 1/4, 1/2 and 3/4 of depth, and
/// the result is validated by <see cref="ModelPackage.Load"/> before the directory appears.
/// </summary>
public static class PackageImporter
{
    public static ModelManifest Import(ImportRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireFile(request.TextEncoder, "--text-encoder", "the text encoder graph (.onnx)");
        RequireFile(request.Decoder, "--decoder", "the decoder graph (.onnx)");
        RequireFile(request.Tokenizer, "--tokenizer", "a tokenizer JSON or a manifest.json with a \"tokenizer\" section");
        if (Directory.Exists(request.Out) || File.Exists(request.Out))
        {
            throw new PackageImportException($"--out '{request.Out}' already exists; choose a new directory");
        }

        TokenizerSpec tokenizer = ReadTokenizer(request.Tokenizer);
        string? partitionedTemp = null;
        try
        {
            string partitioned = request.Denoiser;
            if (File.Exists(request.Denoiser) && request.Denoiser.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                partitionedTemp = Path.Combine(Path.GetTempPath(), $"mixcache-import-{Guid.NewGuid():N}");
                Partition(request.Denoiser, partitionedTemp);
                partitioned = partitionedTemp;
            }
            else if (!File.Exists(Path.Combine(request.Denoiser, "partition.json")))
            {
                throw new PackageImportException(
                    $"--denoiser '{request.Denoiser}' is neither a monolithic .onnx nor a directory with partition.json; run exporters/partition.py on the denoiser first");
            }

            ModelManifest? manifest = null;
            AtomicFile.CreateDirectory(request.Out, temp => manifest = Assemble(request, partitioned, tokenizer, temp));
            return manifest!;
        }
        finally
        {
            if (partitionedTemp is not null && Directory.Exists(partitionedTemp))
            {
                Directory.Delete(partitionedTemp, recursive: true);
            }
        }
    }

    private static ModelManifest Assemble(ImportRequest request, string partitioned, TokenizerSpec tokenizer, string dir)
    {
        using JsonDocument partition = JsonDocument.Parse(File.ReadAllText(Path.Combine(partitioned, "partition.json")));
        int count = partition.RootElement.GetProperty("block_count").GetInt32();
        if (count < 2)
        {
            throw new PackageImportException($"'{Path.Combine(partitioned, "partition.json")}' has {count} block(s); a package needs at least 2");
        }

        // Graph files, plus whatever external-data files the partition wrote beside them.
        foreach (string file in Directory.EnumerateFiles(partitioned).Where(f => Path.GetFileName(f) != "partition.json"))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        CopyWithExternalData(request.TextEncoder, dir, "text_encoder.onnx");
        CopyWithExternalData(request.Decoder, dir, "decoder.onnx");
        var graphs = new Dictionary<string, GraphSpec>(StringComparer.Ordinal);
        foreach (string name in new[] { "text_encoder", "pre" }.Concat(Enumerable.Range(0, count).Select(BlockLayout.GraphName)).Concat(["post", "decoder"]))
        {
            string path = Path.Combine(dir, name + ".onnx");
            if (!File.Exists(path))
            {
                throw new PackageImportException($"'{partitioned}' has no {name}.onnx; re-run exporters/partition.py on the denoiser");
            }

            graphs[name] = Describe(path);
        }

        long[] latent = Static(graphs["pre"], "latent", input: true, rank: 5);
        long[] hidden = Static(graphs["pre"], "hidden", input: false, rank: 3);
        long[] frames = Static(graphs["decoder"], "frames", input: false, rank: 5);
        int[] candidates = [.. new[] { count / 4, count / 2, 3 * count / 4 }.Where(c => c >= 0 && c < count - 1).Distinct()];
        var manifest = new ModelManifest
        {
            Format = ModelManifest.ExpectedFormat,
            FormatVersion = 1,
            Name = request.Name ?? Path.GetFileName(Path.GetFullPath(request.Out).TrimEnd(Path.DirectorySeparatorChar)),
            Geometry = new ModelGeometry
            {
                LatentChannels = (int)latent[1], LatentFrames = (int)latent[2], LatentHeight = (int)latent[3], LatentWidth = (int)latent[4],
                Tokens = (int)hidden[1], Frames = (int)frames[1], Height = (int)frames[2], Width = (int)frames[3], Fps = request.Fps,
            },
            Blocks = new BlockLayout { Count = count, Candidates = candidates },
            Scheduler = request.Scheduler,
            Tokenizer = tokenizer,
            Graphs = graphs,
            Architecture = JsonSerializer.SerializeToElement(new { family = "imported", source = Path.GetFileName(Path.GetFullPath(request.Denoiser)) }),
        };
        JsonNode json = JsonSerializer.SerializeToNode(manifest, ModelManifest.JsonOptions)!;
        json["noise"] = new JsonObject { ["generator"] = "splitmix64-box-muller", ["doc"] = "exporters/tinywan/noise.py" };
        File.WriteAllText(Path.Combine(dir, "manifest.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        try
        {
            using ModelPackage check = ModelPackage.Load(dir);
        }
        catch (ModelPackageException e)
        {
            throw new PackageImportException($"the assembled package does not validate: {e.Message}");
        }

        return manifest;
    }

    /// <summary>The graph's inputs and outputs as ONNX Runtime reads them (names, dtypes, numeric or symbolic dims) and its sha256.</summary>
    private static GraphSpec Describe(string path)
    {
        InferenceSession session;
        try
        {
            session = new InferenceSession(path);
        }
        catch (OnnxRuntimeException e)
        {
            throw new PackageImportException($"'{path}' cannot be loaded by ONNX Runtime: {Ort.OrtErrors.Describe(e)}");
        }

        using (session)
        {
            TensorSpec[] Specs(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata) =>
                [.. names.Select(n => new TensorSpec
                {
                    Name = n,
                    Dtype = metadata[n].ElementDataType switch
                    {
                        TensorElementType.Float => "float32",
                        TensorElementType.Float16 => "float16",
                        TensorElementType.Int64 => "int64",
                        var other => throw new PackageImportException($"'{path}' tensor '{n}' is {other}; packages use float32, float16 and int64"),
                    },
                    Shape = [.. metadata[n].Dimensions.Select((d, i) => d > 0
                        ? JsonSerializer.SerializeToElement(d)
                        : JsonSerializer.SerializeToElement(metadata[n].SymbolicDimensions.ElementAtOrDefault(i) is { Length: > 0 } s ? s : $"d{i}"))],
                })];

            using FileStream stream = File.OpenRead(path);
            return new GraphSpec
            {
                File = Path.GetFileName(path),
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(stream)),
                Inputs = Specs(session.InputNames, session.InputMetadata),
                Outputs = Specs(session.OutputNames, session.OutputMetadata),
            };
        }
    }

    /// <summary>The dims of tensor <paramref name="name"/>, which must have <paramref name="rank"/> dims, all but the batch static.</summary>
    private static long[] Static(GraphSpec graph, string name, bool input, int rank)
    {
        TensorSpec? t = (input ? graph.Inputs : graph.Outputs).FirstOrDefault(x => x.Name == name);
        string where = $"{graph.File}'s {(input ? "input" : "output")} '{name}'";
        if (t is null)
        {
            throw new PackageImportException($"{where} is missing; the package layout names it so (see exporters/README.md)");
        }

        long[] dims = t.Dimensions();
        if (dims.Length != rank || dims.Skip(1).Any(d => d <= 0))
        {
            throw new PackageImportException($"{where} has shape [{string.Join(", ", t.Shape)}]; it needs {rank} dims, all but the batch fixed (export at one grid)");
        }

        return dims;
    }

    private static TokenizerSpec ReadTokenizer(string path)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement e = doc.RootElement.TryGetProperty("tokenizer", out JsonElement inner) ? inner : doc.RootElement;
            return e.Deserialize<TokenizerSpec>(ModelManifest.JsonOptions)
                   ?? throw new PackageImportException($"--tokenizer '{path}' is empty");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new PackageImportException($"--tokenizer '{path}' is not a tokenizer description (type, vocab, text_len, ...): {e.Message.Split('\n')[0]}");
        }
    }

    private static void RequireFile(string path, string option, string what)
    {
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new PackageImportException($"{option} '{path}' does not exist; give {what}");
        }
    }

    /// <summary>Copies a graph as <paramref name="name"/>, with the external-data files beside it that start with its file name.</summary>
    private static void CopyWithExternalData(string source, string dir, string name)
    {
        File.Copy(source, Path.Combine(dir, name));
        string folder = Path.GetDirectoryName(Path.GetFullPath(source))!;
        string stem = Path.GetFileName(source);
        foreach (string data in Directory.EnumerateFiles(folder, stem + ".*").Where(f => !f.EndsWith(".onnx", StringComparison.Ordinal)))
        {
            string target = Path.Combine(dir, Path.GetFileName(data));
            if (!File.Exists(target))
            {
                File.Copy(data, target);
            }
        }
    }

    /// <summary>Runs <c>exporters/partition.py</c> (found walking up from the current and the application directory) with Debian's python3.</summary>
    private static void Partition(string onnx, string outDir)
    {
        string? script = ModelPackage.FindUpwards(Path.Combine("exporters", "partition.py"));
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        if (script is null)
        {
            throw new PackageImportException($"--denoiser '{onnx}' is a monolithic graph and exporters/partition.py was not found; run it yourself and pass its --out directory");
        }

        var info = new ProcessStartInfo(python) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { script, onnx, "--out", outDir })
        {
            info.ArgumentList.Add(a);
        }

        using Process process = Process.Start(info) ?? throw new PackageImportException($"could not start {python} for exporters/partition.py");
        Task<string> errors = process.StandardError.ReadToEndAsync(); // both pipes at once: a full one would block the other
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = errors.Result;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            string last = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? stdout.Trim();
            throw new PackageImportException($"exporters/partition.py could not split '{onnx}': {last}");
        }
    }
}
