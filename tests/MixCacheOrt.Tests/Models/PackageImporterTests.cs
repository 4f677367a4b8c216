using MixCacheOrt.Models;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Models;

/// <summary><c>mixcache import</c>'s library side: the shipped model's monolithic denoiser, partitioned and imported, generates what the shipped package does.</summary>
public sealed class PackageImporterTests
{
    [Test]
    public void MonolithicDenoiser_PartitionedAndImported_GeneratesTheShippedPackagesVideo()
    {
        Python.AssumeModules("onnx", "numpy");
        using var temp = new TempDirectory();
        string output = Path.Combine(temp.Path, "imported");
        ModelManifest m = PackageImporter.Import(Request(output) with { Denoiser = ShippedModel.PathOf("denoiser.onnx") });

        ModelManifest shipped = ModelPackage.ReadManifest(ShippedModel.Directory);
        Assert.That(m.Geometry, Is.EqualTo(shipped.Geometry), "geometry read from the graphs' signatures");
        Assert.That((m.Blocks.Count, m.Blocks.Candidates), Is.EqualTo((shipped.Blocks.Count, shipped.Blocks.Candidates)));
        var request = new GenerationRequest { Prompt = "a green square moving left", Seed = 11, Steps = 6 };
        float[] expected, actual;
        using (var package = ModelPackage.Load(ShippedModel.Directory))
        using (var pipeline = new TextToVideoPipeline(package))
        {
            expected = pipeline.Generate(request).Frames;
        }

        using (var package = ModelPackage.Load(output))
        using (var pipeline = new TextToVideoPipeline(package))
        {
            actual = pipeline.Generate(request).Frames;
        }

        Assert.That(actual.Zip(expected, (a, b) => Math.Abs(a - b)).Max(), Is.LessThanOrEqualTo(1e-5));
    }

    [Test]
    public void ExplicitBoundaries_PartitionedByHandAndImported_GenerateTheSameVideo()
    {
        // exporters/partition.py in explicit mode (block outputs named by hand, block 0's input derived), then import.
        Python.AssumeModules("onnx", "numpy");
        using var temp = new TempDirectory();
        string parts = Path.Combine(temp.Path, "parts");
        string[] outputs = [.. Enumerable.Range(0, 12).Select(i => $"/blocks.{i}/Add_8_output_0")];
        Python.Run("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
            Path.Combine(Python.RepoRoot(), "exporters", "partition.py"), ShippedModel.PathOf("denoiser.onnx"), "--out", parts,
            "--block-outputs", string.Join(",", outputs));
        string output = Path.Combine(temp.Path, "imported");
        PackageImporter.Import(Request(output) with { Denoiser = parts });

        var request = new GenerationRequest { Prompt = "a purple circle moving up", Seed = 4, Steps = 5 };
        using var shipped = ModelPackage.Load(ShippedModel.Directory);
        using var shippedPipeline = new TextToVideoPipeline(shipped);
        using var imported = ModelPackage.Load(output);
        using var importedPipeline = new TextToVideoPipeline(imported);
        float[] expected = shippedPipeline.Generate(request).Frames, actual = importedPipeline.Generate(request).Frames;
        Assert.That(actual.Zip(expected, (a, b) => Math.Abs(a - b)).Max(), Is.LessThanOrEqualTo(1e-5));
    }

    [Test]
    public void MissingPiecesAndAnExistingOutputAreOneLineErrorsNamingTheOption()
    {
        using var temp = new TempDirectory();
        string output = Path.Combine(temp.Path, "imported");
        Assert.That(() => PackageImporter.Import(Request(output) with { Tokenizer = Path.Combine(temp.Path, "nope.json") }),
            Throws.InstanceOf<PackageImportException>().With.Message.StartsWith("--tokenizer '").And.Message.Contains("does not exist"));
        Assert.That(() => PackageImporter.Import(Request(output) with { Decoder = string.Empty }),
            Throws.InstanceOf<PackageImportException>().With.Message.StartsWith("--decoder '' does not exist"));
        Assert.That(() => PackageImporter.Import(Request(output) with { Denoiser = temp.Path }),
            Throws.InstanceOf<PackageImportException>().With.Message.Contains("is neither a monolithic .onnx nor a directory with partition.json"));
        Assert.That(() => PackageImporter.Import(Request(temp.Path)),
            Throws.InstanceOf<PackageImportException>().With.Message.Contains("already exists"));
        Assert.That(Directory.Exists(output), Is.False, "nothing written");
    }

    private static ImportRequest Request(string output) => new()
    {
        Denoiser = ShippedModel.PathOf("denoiser.onnx"),
        TextEncoder = ShippedModel.PathOf("text_encoder.onnx"),
        Decoder = ShippedModel.PathOf("decoder.onnx"),
        Tokenizer = ShippedModel.PathOf("manifest.json"),
        Out = output,
        Scheduler = new SchedulerSpec { Type = "flow_match_euler", Steps = 50, Shift = 3, Guidance = 5 },
        Fps = 8,
    };
}
