using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MixCacheOrt.Models;

/// <summary>
/// A loaded model package: the validated manifest and one ONNX Runtime session per graph
/// (text encoder, pre, blocks, post, decoder; the monolithic denoiser only on request).
/// </summary>
/// <remarks>
/// Everything is checked before any compute: the manifest's fields, every file's presence and sha256, and that each
/// session's inputs and outputs agree with the manifest (names, element types, concrete dimensions). Failures throw
/// <see cref="ModelPackageException"/> naming the file and field.
/// </remarks>
public sealed class ModelPackage : IDisposable
{
    private readonly List<InferenceSession> sessions = [];

    private ModelPackage(string directory, ModelManifest manifest, ExecutionSettings settings)
    {
        this.Directory = directory;
        this.Manifest = manifest;
        this.Settings = settings;
    }

    /// <summary>Name of the default embedded model, shipped in <c>models/tiny-wan</c>.</summary>
    public const string DefaultModelName = "tiny-wan";

    /// <summary>Environment variable that points at the default model package.</summary>
    public const string ModelVariable = "MIXCACHE_MODEL";

    /// <summary>
    /// The default model package: <paramref name="variable"/>'s value when set, else the first
    /// <c>models/tiny-wan</c> holding a manifest found walking up from the current directory and from the
    /// application's directory (so it works from a clone, from build output and from BenchmarkDotNet's generated
    /// projects); null when there is none.
    /// </summary>
    public static string? LocateDefault(string variable = ModelVariable)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        return FindUpwards(Path.Combine("models", DefaultModelName, "manifest.json")) is string manifest ? Path.GetDirectoryName(manifest) : null;
    }

    /// <summary>
    /// The first <paramref name="relativePath"/> found walking up from the current directory, then from the
    /// application's directory (a clone, its build output, BenchmarkDotNet's generated projects); null when none.
    /// </summary>
    internal static string? FindUpwards(string relativePath)
    {
        foreach (string start in new[] { System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, relativePath);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    public string Directory { get; }

    public ModelManifest Manifest { get; }

    public ExecutionSettings Settings { get; }

    public InferenceSession? TextEncoder { get; private set; }

    public InferenceSession Pre { get; private set; } = null!;

    public IReadOnlyList<InferenceSession> Blocks { get; private set; } = [];

    public InferenceSession Post { get; private set; } = null!;

    public InferenceSession? Decoder { get; private set; }

    /// <summary>The single-graph denoiser (same computation as pre → blocks → post), when loaded.</summary>
    public InferenceSession? Denoiser { get; private set; }

    /// <summary>
    /// Loads and validates the package in <paramref name="directory"/>.
    /// </summary>
    /// <param name="directory">Folder holding <c>manifest.json</c> and the graphs.</param>
    /// <param name="settings">Provider, threads (0 = <see cref="ThreadRule"/> for this model; <see cref="Settings"/> holds the count chosen).</param>
    /// <param name="loadDenoiser">Also load the monolithic <c>denoiser.onnx</c> (benchmarks only).</param>
    /// <param name="verifyChecksums">Hash every file against the manifest (a few ms per MB).</param>
    public static ModelPackage Load(string directory, ExecutionSettings? settings = null, bool loadDenoiser = false, bool verifyChecksums = true)
    {
        settings ??= new ExecutionSettings();
        ModelManifest manifest = ReadManifest(directory);
        if (settings.Threads == 0 && !settings.SharedThreadPool)
        {
            settings = settings with { Threads = ThreadRule.Choose(manifest.Geometry.Tokens, HiddenDim(manifest), System.Environment.ProcessorCount) };
        }

        var package = new ModelPackage(Path.GetFullPath(directory), manifest, settings);
        try
        {
            package.Open(loadDenoiser, verifyChecksums);
            return package;
        }
        catch
        {
            package.Dispose();
            throw;
        }
    }

    /// <summary>The transformer width (<c>architecture.dim</c>), or 1 when the manifest does not record it.</summary>
    internal static int HiddenDim(ModelManifest manifest) =>
        manifest.Architecture.ValueKind == JsonValueKind.Object && manifest.Architecture.TryGetProperty("dim", out JsonElement dim) && dim.TryGetInt32(out int d) && d > 0
            ? d
            : 1;

    /// <summary>Reads and checks <c>manifest.json</c> without loading any graph.</summary>
    public static ModelManifest ReadManifest(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new ModelPackageException(
                $"model directory '{directory}' does not exist; pass --model with a folder that holds manifest.json " +
                "(the default model is models/tiny-wan in the repository)");
        }

        string path = Path.Combine(directory, "manifest.json");
        if (!File.Exists(path))
        {
            throw new ModelPackageException($"'{path}' is missing; a model package needs a manifest.json (see exporters/export.py)");
        }

        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), ModelManifest.JsonOptions);
        }
        catch (JsonException e)
        {
            throw new ModelPackageException($"'{path}' is not a valid manifest: {e.Message} (re-export the package)", e);
        }

        if (manifest is null)
        {
            throw new ModelPackageException($"'{path}' is empty; re-export the package");
        }

        Validate(manifest, path);
        return manifest;
    }

    private static void Validate(ModelManifest m, string path)
    {
        void Require(bool ok, string field, string problem)
        {
            if (!ok)
            {
                throw new ModelPackageException($"'{path}': field '{field}' {problem}; re-export the package with exporters/export.py");
            }
        }

        Require(m.Format == ModelManifest.ExpectedFormat, "format", $"is '{m.Format}', expected '{ModelManifest.ExpectedFormat}'");
        Require(m.FormatVersion == 1, "format_version", $"is {m.FormatVersion}, this build reads version 1");
        Require(m.Blocks.Count > 0, "blocks.count", "must be positive");
        Require(m.Blocks.Candidates.All(c => c >= 0 && c < m.Blocks.Count - 1), "blocks.candidates",
            $"must be block indices in [0, {m.Blocks.Count - 2}] (a cached block needs a block after it)");
        Require(Schedulers.FlowSchedulers.Names.Contains(Schedulers.FlowSchedulers.Normalize(m.Scheduler.Type)), "scheduler.type",
            $"is '{m.Scheduler.Type}'; supported: 'flow_match_euler', 'flow_match_unipc'");
        Require(m.Scheduler.Steps > 0, "scheduler.steps", "must be positive");
        Require(m.Scheduler.Shift > 0, "scheduler.shift", "must be positive");
        Require(m.Geometry.LatentElementCount > 0, "geometry", "must have positive latent dimensions");
        string[] required = ["pre", "post", .. Enumerable.Range(0, m.Blocks.Count).Select(BlockLayout.GraphName)];
        foreach (string graph in required)
        {
            Require(m.Graphs.ContainsKey(graph), $"graphs.{graph}", "is missing");
        }

        if (m.Tokenizer is { } t)
        {
            Require(t.Vocab.Length > Math.Max(t.PadId, t.UnkId), "tokenizer.vocab", "must contain the pad and unk ids");
            Require(t.TextLen > 0, "tokenizer.text_len", "must be positive");
        }
    }

    private void Open(bool loadDenoiser, bool verifyChecksums)
    {
        ModelManifest m = this.Manifest;
        this.TextEncoder = m.Graphs.ContainsKey("text_encoder") ? this.OpenGraph("text_encoder", verifyChecksums) : null;
        this.Pre = this.OpenGraph("pre", verifyChecksums);
        this.Blocks = [.. Enumerable.Range(0, m.Blocks.Count).Select(i => this.OpenGraph(BlockLayout.GraphName(i), verifyChecksums))];
        this.Post = this.OpenGraph("post", verifyChecksums);
        this.Decoder = m.Graphs.ContainsKey("decoder") ? this.OpenGraph("decoder", verifyChecksums) : null;
        if (loadDenoiser)
        {
            if (!m.Graphs.ContainsKey("denoiser"))
            {
                throw new ModelPackageException($"'{Path.Combine(this.Directory, "manifest.json")}': graph 'denoiser' is not part of this package");
            }

            this.Denoiser = this.OpenGraph("denoiser", verifyChecksums);
        }
    }

    private InferenceSession OpenGraph(string name, bool verifyChecksum)
    {
        GraphSpec spec = this.Manifest.Graphs[name];
        string path = Path.Combine(this.Directory, spec.File);
        if (!File.Exists(path))
        {
            throw new ModelPackageException($"graph file '{path}' (graphs.{name}.file in manifest.json) is missing; restore it or re-export the package");
        }

        if (spec.ExternalData is { } data)
        {
            string dataPath = Path.Combine(this.Directory, data.File);
            if (!File.Exists(dataPath))
            {
                throw new ModelPackageException(
                    $"weights '{dataPath}' (graphs.{name}.external_data) are missing; generate them with /usr/bin/python3 exporters/regen_weights.py {this.Directory}");
            }

            if (verifyChecksum && !string.Equals(Sha256Of(dataPath), data.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelPackageException(
                    $"weights '{dataPath}' do not match graphs.{name}.external_data.sha256; regenerate them with /usr/bin/python3 exporters/regen_weights.py {this.Directory}");
            }
        }

        if (verifyChecksum)
        {
            string actual = Sha256Of(path);
            if (!string.Equals(actual, spec.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelPackageException(
                    $"graph file '{path}' is corrupt or was changed: sha256 {actual} does not match graphs.{name}.sha256 {spec.Sha256} " +
                    "in manifest.json; restore the file (git checkout) or re-export the package");
            }
        }

        InferenceSession session;
        using (SessionOptions options = this.Settings.CreateSessionOptions())
        {
            try
            {
                session = new InferenceSession(path, options);
            }
            catch (OnnxRuntimeException e)
            {
                throw new ModelPackageException($"graph file '{path}' cannot be loaded by ONNX Runtime: {Ort.OrtErrors.Describe(e)}", e);
            }
        }

        this.sessions.Add(session);
        CheckSignature(name, path, spec, session);
        return session;
    }

    private static void CheckSignature(string name, string path, GraphSpec spec, InferenceSession session)
    {
        Compare("input", spec.Inputs, session.InputNames, session.InputMetadata);
        Compare("output", spec.Outputs, session.OutputNames, session.OutputMetadata);

        void Compare(string kind, TensorSpec[] declared, IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata)
        {
            IReadOnlyList<string> actual = names;
            string Where(string field) => $"graph '{path}' disagrees with manifest.json graphs.{name}.{kind}s: {field}";
            if (declared.Length != actual.Count)
            {
                throw new ModelPackageException(Where($"the manifest declares {declared.Length} {kind}s, the graph has {actual.Count}") + "; re-export the package");
            }

            for (int i = 0; i < declared.Length; i++)
            {
                TensorSpec d = declared[i];
                string actualName = actual[i];
                if (d.Name != actualName)
                {
                    throw new ModelPackageException(Where($"{kind} {i} is named '{actualName}', the manifest says '{d.Name}'") + "; re-export the package");
                }

                NodeMetadata a = metadata[actualName];
                TensorElementType declaredType = ParseDtype(d.Dtype, path, name);
                TensorElementType actualType = a.IsTensor ? a.ElementDataType : TensorElementType.DataTypeMax;
                if (declaredType != actualType)
                {
                    throw new ModelPackageException(Where($"'{d.Name}' has element type {actualType}, the manifest says {d.Dtype}") + "; re-export the package");
                }

                long[] dims = d.Dimensions();
                int[] shape = a.Dimensions;
                if (dims.Length != shape.Length || dims.Where((v, k) => v != shape[k]).Any())
                {
                    throw new ModelPackageException(
                        Where($"'{d.Name}' has shape [{string.Join(", ", shape)}], the manifest says [{string.Join(", ", dims)}]") +
                        " (-1 = symbolic); re-export the package");
                }
            }
        }
    }

    internal static TensorElementType ParseDtype(string dtype, string path, string graph) => dtype switch
    {
        "float32" => TensorElementType.Float,
        "float16" => TensorElementType.Float16,
        "int64" => TensorElementType.Int64,
        _ => throw new ModelPackageException($"'{path}': manifest.json graphs.{graph} uses dtype '{dtype}', supported: float32, float16, int64"),
    };

    private static string Sha256Of(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public void Dispose()
    {
        foreach (InferenceSession session in this.sessions)
        {
            session.Dispose();
        }

        this.sessions.Clear();
    }
}
