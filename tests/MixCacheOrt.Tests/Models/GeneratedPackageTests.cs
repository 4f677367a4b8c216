using MixCacheOrt.Caching;
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

    [Test]
    public void AnFp16LadderPackage_RunsEveryCacheMode_CloseToItsFp32Twin()
    {
        // fp16 packages pass float16 hidden states between blocks; block, residual and cfg caches work on them with the
        // float16 device ops. The fp32 twin (same seed: the fp16 weights are its weights rounded) is the reference.
        Python.AssumeModules("torch", "onnx", "numpy");
        using var temp = new TempDirectory();
        string exporters = Path.Combine(Python.RepoRoot(), "exporters");
        float[] Run(string dtype)
        {
            string package = Path.Combine(temp.Path, dtype);
            Python.Run(RunScript, Path.Combine(exporters, "ladder.py"), "--config", "S", "--grid", "small", "--blocks", "2", "--seed", "7", "--dtype", dtype, "--out", package);
            using var loaded = ModelPackage.Load(package);
            using var pipeline = new TextToVideoPipeline(loaded);
            var policy = new ScriptedCachePolicy([CacheDecision.Full, CacheDecision.Full, CacheDecision.ReuseBlock(0), CacheDecision.ReuseResidual, CacheDecision.ReuseCfg,
                CacheDecision.ReuseBlock(0).Forecasting(), CacheDecision.Full], new HashSet<int> { 0 }, CacheNeeds.Residual | CacheNeeds.Forecast);
            GenerationResult r = pipeline.Generate(new GenerationRequest { Prompt = "a red circle", Seed = 1, Steps = 7, SkipDecode = true }, policy);
            Assert.That(r.Trace.Select(t => t.Decision.ToString()), Is.EqualTo(new[] { "full", "full", "block_0", "residual", "cfg", "forecast_block_0", "full" }), dtype);
            return r.Latent;
        }

        float[] full = Run("fp32"), half = Run("fp16");
        double scale = full.Max(Math.Abs);
        Assert.That(half, Is.All.Matches<float>(float.IsFinite));
        Assert.That(full.Zip(half, (a, b) => Math.Abs(a - b)).Max() / scale, Is.LessThan(1e-2), "fp16 rounding of weights and activations");
    }
}
