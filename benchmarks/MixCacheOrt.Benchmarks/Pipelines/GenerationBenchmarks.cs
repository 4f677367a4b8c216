using BenchmarkDotNet.Attributes;
using MixCacheOrt.Models;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Benchmarks.Pipelines;

/// <summary>A full 50-step CFG generation (text encoder, denoising loop, decoder) with full compute.</summary>
public class GenerationBenchmarks
{
    private ModelPackage package = null!;
    private TextToVideoPipeline pipeline = null!;

    [Params(2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        this.package = ModelPackage.Load(ModelLocation.Directory(), new ExecutionSettings { Threads = this.Threads });
        this.pipeline = new TextToVideoPipeline(this.package);
    }

    [Benchmark]
    public float Generate50Steps() =>
        this.pipeline.Generate(new GenerationRequest { Prompt = "a red circle moving right", Seed = 0, Steps = 50 }).Latent[0];

    [GlobalCleanup]
    public void Cleanup()
    {
        this.pipeline.Dispose();
        this.package.Dispose();
    }
}
