using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using MixCacheOrt.Caching;
using MixCacheOrt.Models;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Benchmarks.Pipelines;

/// <summary>
/// What a cached step of each mode allocates: generations of <see cref="Steps"/> steps (three full steps, then
/// <see cref="Mode"/> for the rest) with the per-step trace off, so BenchmarkDotNet's Allocated column is the
/// pipeline's own. The difference between 53 and 13 steps, divided by 40, is what one more step of the mode costs;
/// the per-generation part (prompt encoding, buffers and bindings of the first steps, the decoder) cancels out.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project benchmarks/MixCacheOrt.Benchmarks -- --filter '*CachedStep*'</c>
/// </remarks>
[SimpleJob(RunStrategy.Monitoring, warmupCount: 2, iterationCount: 5)]
public class CachedStepBenchmarks
{
    private ModelPackage package = null!;
    private TextToVideoPipeline pipeline = null!;
    private ModePolicy policy = null!;

    [Params("full", "step", "cfg", "block", "residual", "branch_block", "forecast_step", "forecast_block")]
    public string Mode { get; set; } = "full";

    [Params(13, 53)]
    public int Steps { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        this.package = ModelPackage.Load(ModelLocation.Directory(), new ExecutionSettings { Threads = 2 });
        this.pipeline = new TextToVideoPipeline(this.package);
        CacheDecision decision = this.Mode switch
        {
            "step" => CacheDecision.ReuseStep,
            "cfg" => CacheDecision.ReuseCfg,
            "block" => CacheDecision.ReuseBlock(this.package.Manifest.Blocks.Candidates[1]),
            "residual" => CacheDecision.ReuseResidual,
            "branch_block" => CacheDecision.ReuseBranchBlock(this.package.Manifest.Blocks.Candidates[1]),
            "forecast_step" => CacheDecision.ReuseStep.Forecasting(),
            "forecast_block" => CacheDecision.ReuseBlock(this.package.Manifest.Blocks.Candidates[1]).Forecasting(),
            _ => CacheDecision.Full,
        };
        this.policy = new ModePolicy(decision, this.package.Manifest.Blocks.Candidates[1], this.Mode == "branch_block");
    }

    [Benchmark]
    public float Generate() =>
        this.pipeline.Generate(
            new GenerationRequest { Prompt = "a red circle moving right", Seed = 1, Steps = this.Steps, RecordTrace = false, SkipDecode = true },
            this.policy).Latent[0];

    [GlobalCleanup]
    public void Cleanup()
    {
        this.pipeline.Dispose();
        this.package.Dispose();
    }

    /// <summary>Three full steps, then one mode; keeps what every mode needs and observes nothing (allocates nothing).</summary>
    private sealed class ModePolicy(CacheDecision mode, int block, bool branchBlocks) : ICachePolicy
    {
        public string Name => "mode";

        public IReadOnlySet<int> BlockCandidates { get; } = new HashSet<int> { block };

        public CacheNeeds Needs => CacheNeeds.Residual | CacheNeeds.Forecast | (branchBlocks ? CacheNeeds.BranchBlocks : CacheNeeds.None);

        public void Reset(int steps, int blockCount)
        {
        }

        public CacheDecision Decide(int step, CacheAvailability cache) => step < 3 ? CacheDecision.Full : mode;

        public void Observe(StepObservation observation)
        {
        }
    }
}
