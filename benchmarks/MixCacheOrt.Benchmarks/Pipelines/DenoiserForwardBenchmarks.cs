using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Benchmarks.Pipelines;

/// <summary>
/// One denoiser forward at batch 2 (cond + uncond), velocity to host: the chained per-block executor
/// (pre → 12 blocks → post through IO binding) against the monolithic <c>denoiser.onnx</c> (one graph, one run).
/// The ratio is the cost of chaining that makes block caching possible.
/// </summary>
[MemoryDiagnoser]
public class DenoiserForwardBenchmarks
{
    private ModelPackage package = null!;
    private DenoiserExecutor executor = null!;
    private OrtValue context = null!;
    private float[] latent = [];
    private OrtIoBinding monolithic = null!;
    private OrtValue latentBatch = null!;
    private OrtValue timesteps = null!;

    [Params(2)]
    public int Threads { get; set; }

    /// <summary>ORT's intra-op spin-waiting; see <see cref="ExecutionSettings.AllowSpinning"/>.</summary>
    [Params(false, true)]
    public bool AllowSpinning { get; set; }

    /// <summary>All sessions on the environment's shared pool (<see cref="ExecutionSettings.SharedThreadPool"/>); AllowSpinning then does not apply.</summary>
    [Params(false, true)]
    public bool SharedPool { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        OrtRuntime.ConfigureSharedThreadPool(this.Threads);
        this.package = ModelPackage.Load(
            ModelLocation.Directory(),
            new ExecutionSettings { Threads = this.Threads, AllowSpinning = this.AllowSpinning, SharedThreadPool = this.SharedPool },
            loadDenoiser: true);
        this.executor = new DenoiserExecutor(this.package);
        this.context = new PromptEncoder(this.package).Encode(["a red circle moving right", string.Empty]);
        int n = this.package.Manifest.Geometry.LatentElementCount;
        this.latent = SeededNoise.Create(1, n);
        this.latentBatch = OrtValues.Tensor([.. this.latent, .. this.latent], [2, .. this.package.Manifest.Geometry.LatentShape]);
        this.timesteps = OrtValues.Tensor(new[] { 500f, 500f }, 2);
        this.monolithic = this.package.Denoiser!.CreateIoBinding();
    }

    [Benchmark(Baseline = true)]
    public float Monolithic()
    {
        // Same work per call as the chained pass: bind host inputs, run, bring the velocity to the host.
        this.monolithic.BindInput("latent", this.latentBatch);
        this.monolithic.BindInput("timestep", this.timesteps);
        this.monolithic.BindInput("context_raw", this.context);
        this.monolithic.BindOutputToDevice("velocity", OrtDevices.Cpu);
        using OrtOutputs o = OrtOutputs.Run(this.package.Denoiser!, this.monolithic);
        return o[0].ToArray<float>()[0];
    }

    [Benchmark]
    public float Chained()
    {
        using DenoiserOutput pass = this.executor.Run(new DenoiserRequest { Latent = this.latent, Timestep = 500f, Context = this.context, Batch = 2 });
        return pass.Conditional[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        this.monolithic.Dispose();
        this.latentBatch.Dispose();
        this.timesteps.Dispose();
        this.context.Dispose();
        this.executor.Dispose();
        this.package.Dispose();
    }
}
