using System.Text.Json.Nodes;
using MixCacheOrt.Models;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Models;

public sealed class ModelPackageTests
{
    [Test]
    public void LoadsTheShippedPackage()
    {
        using ModelPackage p = ModelPackage.Load(ShippedModel.Directory);
        Assert.Multiple(() =>
        {
            Assert.That(p.Blocks, Has.Count.EqualTo(p.Manifest.Blocks.Count));
            Assert.That(p.Manifest.Blocks.Count, Is.GreaterThanOrEqualTo(12));
            Assert.That(p.TextEncoder, Is.Not.Null);
            Assert.That(p.Decoder, Is.Not.Null);
            Assert.That(p.Denoiser, Is.Null, "the monolithic graph is loaded only on request");
            Assert.That(p.Pre.InputMetadata["latent"].Dimensions[0], Is.EqualTo(-1), "batch is dynamic");
        });
    }

    [Test]
    public void StepCountDefaultsToTheManifestsScheduler()
    {
        using ModelPackage p = ModelPackage.Load(ShippedModel.Directory);
        int declared = JsonNode.Parse(File.ReadAllText(Path.Combine(ShippedModel.Directory, "manifest.json")))!["scheduler"]!["steps"]!.GetValue<int>();
        Assert.Multiple(() =>
        {
            Assert.That(p.Manifest.Scheduler.StepsOr(null), Is.EqualTo(declared));
            Assert.That(p.Manifest.Scheduler.StepsOr(17), Is.EqualTo(17));
        });
    }

    [Test]
    public void MissingDirectoryIsReported()
    {
        var e = Assert.Throws<ModelPackageException>(() => ModelPackage.Load("/nonexistent/model"));
        Assert.That(e!.Message, Does.Contain("/nonexistent/model").And.Contain("does not exist"));
    }

    [Test]
    public void MissingGraphFileIsReportedBeforeAnyCompute()
    {
        using TempDirectory copy = ShippedModel.Copy();
        File.Delete(Path.Combine(copy.Path, "block_05.onnx"));
        var e = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(copy.Path));
        Assert.That(e!.Message, Does.Contain("block_05.onnx").And.Contain("missing"));
    }

    [Test]
    public void CorruptGraphFileFailsTheChecksum()
    {
        using TempDirectory copy = ShippedModel.Copy();
        string path = Path.Combine(copy.Path, "block_03.onnx");
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(copy.Path));
        Assert.That(e!.Message, Does.Contain("block_03.onnx").And.Contain("sha256").And.Contain("graphs.block_03.sha256"));
    }

    [TestCase("shape", "the manifest says [-1, 128, 999]")]
    [TestCase("dtype", "the manifest says float16")]
    [TestCase("name", "the manifest says 'hidden_renamed'")]
    public void ManifestDisagreeingWithAGraphIsReported(string field, string expected)
    {
        using TempDirectory copy = ShippedModel.Copy();
        string manifestPath = Path.Combine(copy.Path, "manifest.json");
        JsonNode manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        JsonNode input = manifest["graphs"]!["block_02"]!["inputs"]![0]!;
        switch (field)
        {
            case "shape":
                input["shape"] = new JsonArray("batch", 128, 999);
                break;
            case "dtype":
                input["dtype"] = "float16";
                break;
            default:
                input["name"] = "hidden_renamed";
                break;
        }

        File.WriteAllText(manifestPath, manifest.ToJsonString());
        var e = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(copy.Path));
        Assert.That(e!.Message, Does.Contain("block_02").And.Contain(expected));
    }

    [Test]
    public void BadManifestFieldsAreNamed()
    {
        using TempDirectory copy = ShippedModel.Copy();
        string manifestPath = Path.Combine(copy.Path, "manifest.json");
        JsonNode manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        manifest["scheduler"]!["steps"] = 0;
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        var e = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(copy.Path));
        Assert.That(e!.Message, Does.Contain("scheduler.steps"));

        File.WriteAllText(manifestPath, "{ not json");
        e = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(copy.Path));
        Assert.That(e!.Message, Does.Contain("manifest.json").And.Contain("not a valid manifest"));
    }
}
