using MixCacheOrt.Models;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Models;

/// <summary>Packages from exporters/ladder.py (weights as external data generated from a seed): validated, run, refused when the weights are missing or changed.</summary>
public sealed class GeneratedPackageTests
{
    private const string RunScript = "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')";

    [Test]
    public void ASmallLadderPackage_ValidatesItsRegeneratedWeights_AndGenerates()
    {
        Python.AssumeModules("torch", "onnx", "numpy");
        using var temp = new TempDirectory();
        string package = Path.Combine(temp.Path, "s");
        string exporters = Path.Combine(Python.RepoRoot(), "exporters");
        Python.Run(RunScript, Path.Combine(exporters, "ladder.py"), "--config", "S", "--grid", "small", "--blocks", "2", "--seed", "7", "--out", package);

        ModelManifest m = ModelPackage.ReadManifest(package);
        Assert.That(m.Graphs.Values, Has.All.Matches<GraphSpec>(g => g!.ExternalData is not null), "every graph keeps its weights outside");
        using (var loaded = ModelPackage.Load(package))
        using (var pipeline = new TextToVideoPipeline(loaded))
        {
            GenerationResult r = pipeline.Generate(new GenerationRequest { Prompt = "a red circle", Seed = 1, Steps = 2 });
            Assert.That(r.Latent, Is.All.Matches<float>(float.IsFinite));
        }

        // Regenerated from the seed after deletion: the same bytes, so the package validates again.
        string blockData = Path.Combine(package, m.Graphs["block_01"].ExternalData!.File);
        File.Delete(blockData);
        var missing = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(package).Dispose());
        Assert.That(missing!.Message, Does.Contain("are missing; generate them with /usr/bin/python3 exporters/regen_weights.py"));
        Python.Run(RunScript, Path.Combine(exporters, "regen_weights.py"), package);
        ModelPackage.Load(package).Dispose();

        using (FileStream stream = File.OpenWrite(blockData))
        {
            stream.WriteByte(0x7f);
        }

        var changed = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(package).Dispose());
        Assert.That(changed!.Message, Does.Contain("do not match graphs.block_01.external_data.sha256"));
    }
}
