using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using MixCacheOrt.Caching;
using MixCacheOrt.Models;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Benchmarks.Pipelines;

/// <summary>
/// End-to-end 50-step generation (text encoder, denoising, decoder) per cache method on the same prompt and seed, so
/// the ratios to <c>none</c> come from one BenchmarkDotNet run. Short job: a 50-step generation is ~1 s here.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project benchmarks/MixCacheOrt.Benchmarks -- --filter '*CacheMethod*'</c>
/// </remarks>
[SimpleJob(RunStrategy.Monitoring, warmupCount: 2, iterationCount: 8)]
public class CacheMethodBenchmarks
{
    private ModelPackage package = null!;
    private TextToVideoPipeline pipeline = null!;
    private CachePolicyContext context = null!;

    [Params("none", "mixcache-acc", "mixcache-eff", "mixcache-paper-eff", "teacache-0.1", "teacache-0.14", "fastercache", "pab", "blockdance", "magcache")]
    public string Method { get; set; } = "none";

    [GlobalSetup]
    public void Setup()
    {
        this.package = ModelPackage.Load(ModelLocation.Directory(), new ExecutionSettings { Threads = 2 });
        this.pipeline = new TextToVideoPipeline(this.package);
        this.context = CachePolicyContext.For(this.package);
    }

    [Benchmark]
    public float Generate50Steps() =>
        this.pipeline.Generate(
            new GenerationRequest { Prompt = "a purple triangle moving down quickly on a light background", Seed = 1, Steps = 50 },
            CachePolicyFactory.Create(this.Method, this.context)).Latent[0];

    [GlobalCleanup]
    public void Cleanup()
    {
        this.pipeline.Dispose();
        this.package.Dispose();
    }
}
