using System.Text.Json;
using System.Text.Json.Serialization;

namespace MixCacheOrt.Models;

/// <summary>
/// <c>manifest.json</c> of a model package, as written by <c>exporters/export.py</c>: architecture, frame
/// geometry, block layout, scheduler defaults, tokenizer and one <see cref="GraphSpec"/> per ONNX graph.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>The only format this reader understands.</summary>
    public const string ExpectedFormat = "mixcacheort-dit-package";

    public required string Format { get; init; }

    public required int FormatVersion { get; init; }

    public required string Name { get; init; }

    public required ModelGeometry Geometry { get; init; }

    public required BlockLayout Blocks { get; init; }

    public required SchedulerSpec Scheduler { get; init; }

    public TokenizerSpec? Tokenizer { get; init; }

    public required Dictionary<string, GraphSpec> Graphs { get; init; }

    /// <summary>Architecture config as exported (Wan2.1 field names); kept verbatim for reports.</summary>
    public JsonElement Architecture { get; init; }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };
}

/// <summary>Latent and pixel geometry of one generated clip.</summary>
public sealed record ModelGeometry
{
    public required int LatentChannels { get; init; }

    public required int LatentFrames { get; init; }

    public required int LatentHeight { get; init; }

    public required int LatentWidth { get; init; }

    public required int Tokens { get; init; }

    public required int Frames { get; init; }

    public required int Height { get; init; }

    public required int Width { get; init; }

    public int Fps { get; init; } = 8;

    /// <summary>Shape of one latent, [C, F, H, W].</summary>
    [JsonIgnore]
    public long[] LatentShape => [this.LatentChannels, this.LatentFrames, this.LatentHeight, this.LatentWidth];

    [JsonIgnore]
    public int LatentElementCount => this.LatentChannels * this.LatentFrames * this.LatentHeight * this.LatentWidth;

    /// <summary>Pixels of one latent plane, H·W.</summary>
    [JsonIgnore]
    public int PlaneSize => this.LatentHeight * this.LatentWidth;
}

/// <summary>Transformer blocks: count, default cache candidates, and the tensor names that chain them.</summary>
public sealed record BlockLayout
{
    public required int Count { get; init; }

    /// <summary>Default block-cache candidates (indices whose output may be reused), 1/4, 1/2, 3/4 of depth.</summary>
    public required int[] Candidates { get; init; }

    public string HiddenInput { get; init; } = "hidden";

    public string HiddenOutput { get; init; } = "hidden_out";

    public string FilePattern { get; init; } = "block_{index:02d}.onnx";

    /// <summary>Graph name of block <paramref name="index"/> (<c>block_07</c>).</summary>
    public static string GraphName(int index) => $"block_{index:D2}";
}

/// <summary>Sampler defaults declared by the model.</summary>
public sealed record SchedulerSpec
{
    public required string Type { get; init; }

    public required int Steps { get; init; }

    public required double Shift { get; init; }

    public required double Guidance { get; init; }

    public double TimestepScale { get; init; } = 1000.0;

    /// <summary>The step count a run uses: the caller's, or the model's default when none was given.</summary>
    public int StepsOr(int? requested) => requested ?? this.Steps;
}

/// <summary>Word-level tokenizer of the package's text encoder.</summary>
public sealed record TokenizerSpec
{
    public required string Type { get; init; }

    public required string[] Vocab { get; init; }

    public required int TextLen { get; init; }

    public int PadId { get; init; }

    public int UnkId { get; init; } = 1;

    public bool Lowercase { get; init; } = true;

    public string WordPattern { get; init; } = "[a-z]+";
}

/// <summary>One ONNX graph of the package.</summary>
public sealed record GraphSpec
{
    public required string File { get; init; }

    public required string Sha256 { get; init; }

    public required TensorSpec[] Inputs { get; init; }

    public required TensorSpec[] Outputs { get; init; }

    /// <summary>The graph's weights as ONNX external data beside it (generated packages), with their sha256; null when inline.</summary>
    public ExternalDataSpec? ExternalData { get; init; }
}

/// <summary>An external-data file of a graph: name (relative to the package), sha256 and size.</summary>
public sealed record ExternalDataSpec
{
    public required string File { get; init; }

    public required string Sha256 { get; init; }

    public long Bytes { get; init; }
}

/// <summary>A graph input or output: name, dtype ("float32", "int64", "float16") and shape (numbers or symbolic names).</summary>
public sealed record TensorSpec
{
    public required string Name { get; init; }

    public required string Dtype { get; init; }

    public required JsonElement[] Shape { get; init; }

    /// <summary>Dimensions with -1 for symbolic ones (as ONNX Runtime reports them in <c>NodeMetadata.Dimensions</c>).</summary>
    public long[] Dimensions() =>
        [.. this.Shape.Select(d => d.ValueKind == JsonValueKind.Number ? d.GetInt64() : -1L)];
}
