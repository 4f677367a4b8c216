using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Pipelines;

/// <summary>The chained per-block executor against the monolithic denoiser.onnx (an independent graph of the same model).</summary>
public sealed class DenoiserExecutorTests
{
    private ModelPackage package = null!;
    private DenoiserExecutor executor = null!;
    private PromptEncoder prompts = null!;

    [OneTimeSetUp]
    public void Load()
    {
        this.package = ModelPackage.Load(ShippedModel.Directory, new ExecutionSettings { Threads = 2 }, loadDenoiser: true);
        this.executor = new DenoiserExecutor(this.package);
        this.prompts = new PromptEncoder(this.package);
    }

    [OneTimeTearDown]
    public void Unload()
    {
        this.executor.Dispose();
        this.package.Dispose();
    }

    private float[] Latent(ulong seed) => SeededNoise.Create(seed, this.package.Manifest.Geometry.LatentElementCount);

    private float[] Monolithic(float[] latent, float timestep, OrtValue context, int batch)
    {
        float[] latents = [.. Enumerable.Repeat(latent, batch).SelectMany(x => x)];
        using OrtValue l = OrtValues.Tensor(latents, [batch, .. this.package.Manifest.Geometry.LatentShape]);
        using OrtValue t = OrtValues.Tensor(Enumerable.Repeat(timestep, batch).ToArray(), batch);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> o = this.package.Denoiser!.Run(runOptions, ["latent", "timestep", "context_raw"], [l, t, context], ["velocity"]);
        return o[0].ToArray<float>();
    }

    [Test]
    public void TheLastBlocksOutput_WhenCaptured_BelongsToTheResultAndStaysReadable()
    {
        // The last block's output is also the hidden state post reads; the pass must hand it over, not dispose it.
        using OrtValue context = this.prompts.Encode(["a red circle moving right", string.Empty]);
        int last = this.package.Manifest.Blocks.Count - 1;
        float[] latent = Latent(8);
        using DenoiserOutput a = this.executor.Run(new DenoiserRequest { Latent = latent, Timestep = 500f, Context = context, Batch = 2, Capture = new HashSet<int> { last } });
        using DenoiserOutput b = this.executor.Run(new DenoiserRequest { Latent = latent, Timestep = 500f, Context = context, Batch = 2, Capture = new HashSet<int> { last }, CaptureResidual = true });
        GC.Collect();
        GC.WaitForPendingFinalizers();
        float[] first = a.Captured[last].ToArray<float>(), second = b.Captured[last].ToArray<float>();
        Assert.That(first, Has.Length.EqualTo(2 * this.package.Manifest.Geometry.Tokens * 128));
        Assert.That(second, Is.EqualTo(first), "the same pass twice");
        Assert.That(first, Is.All.Matches<float>(float.IsFinite));
    }

    [Test]
    public void ChainedBatch2MatchesTheMonolithicGraph()
    {
        float[] latent = this.Latent(3);
        using OrtValue context = this.prompts.Encode(["a red circle moving right", string.Empty]);
        using DenoiserOutput pass = this.executor.Run(new DenoiserRequest { Latent = latent, Timestep = 750f, Context = context, Batch = 2 });
        float[] expected = this.Monolithic(latent, 750f, context, 2);
        int n = latent.Length;
        Assert.That(MaxAbs(pass.Conditional, expected.AsSpan(0, n)), Is.LessThan(1e-4));
        Assert.That(MaxAbs(pass.Unconditional, expected.AsSpan(n, n)), Is.LessThan(1e-4));
        Assert.That(MaxAbs(pass.Conditional, pass.Unconditional), Is.GreaterThan(1e-4), "the prompt changes the output");
        Assert.That(pass.BlocksRun, Is.EqualTo(this.package.Manifest.Blocks.Count));
    }

    [Test]
    public void ConditionalOnlyPassEqualsRowZeroOfTheBatch2Pass()
    {
        float[] latent = this.Latent(4);
        using OrtValue both = this.prompts.Encode(["a blue square moving up", string.Empty]);
        using OrtValue cond = this.executor.Ops.SliceBatch(both, 0, 1);
        using DenoiserOutput full = this.executor.Run(new DenoiserRequest { Latent = latent, Timestep = 400f, Context = both, Batch = 2 });
        using DenoiserOutput single = this.executor.Run(new DenoiserRequest { Latent = latent, Timestep = 400f, Context = cond, Batch = 1 });
        Assert.That(MaxAbs(single.Conditional, full.Conditional), Is.LessThan(1e-4));
    }

    [Test]
    public void ResumingFromACapturedBlockReproducesTheFullPass()
    {
        float[] latent = this.Latent(5);
        using OrtValue both = this.prompts.Encode(["a green triangle moving left", string.Empty]);
        using OrtValue cond = this.executor.Ops.SliceBatch(both, 0, 1);
        int block = this.package.Manifest.Blocks.Candidates[1];
        using DenoiserOutput full = this.executor.Run(new DenoiserRequest
        {
            Latent = latent, Timestep = 600f, Context = cond, Batch = 1, Capture = new HashSet<int> { block },
        });
        OrtValue hidden = full.Captured[block];
        using DenoiserOutput resumed = this.executor.Run(new DenoiserRequest
        {
            Latent = latent, Timestep = 600f, Context = cond, Batch = 1, ResumeAfterBlock = block, ResumeHidden = hidden,
        });
        Assert.That(resumed.BlocksRun, Is.EqualTo(this.package.Manifest.Blocks.Count - block - 1));
        Assert.That(MaxAbs(resumed.Conditional, full.Conditional), Is.LessThan(1e-5));
        Assert.That(hidden.Shape(), Is.EqualTo(new long[] { 1, this.package.Manifest.Geometry.Tokens, ModelPackage.HiddenDim(this.package.Manifest) }),
            "an injected hidden state stays the caller's, alive");
    }

    [Test]
    public void SharedThreadPoolGivesTheSameVelocities()
    {
        float[] latent = this.Latent(6);
        using OrtValue context = this.prompts.Encode(["a purple square moving right", string.Empty]);
        using DenoiserOutput own = this.executor.Run(new DenoiserRequest { Latent = latent, Timestep = 300f, Context = context, Batch = 2 });
        using ModelPackage shared = ModelPackage.Load(ShippedModel.Directory, new ExecutionSettings { SharedThreadPool = true }, verifyChecksums: false);
        using var sharedExecutor = new DenoiserExecutor(shared);
        using DenoiserOutput pooled = sharedExecutor.Run(new DenoiserRequest { Latent = latent, Timestep = 300f, Context = context, Batch = 2 });
        Assert.That(MaxAbs(pooled.Conditional, own.Conditional), Is.LessThan(1e-5));
        Assert.That(MaxAbs(pooled.Unconditional, own.Unconditional), Is.LessThan(1e-5));
        Assert.Throws<InvalidOperationException>(() => OrtRuntime.ConfigureSharedThreadPool(OrtEnvironmentSize() + 3),
            "the shared pool cannot be resized once the environment exists");
    }

    private static int OrtEnvironmentSize() => OrtRuntime.SharedIntraOpThreads;

    [Test]
    public void SliceBatchKeepsTheRequestedRows()
    {
        using OrtValue both = this.prompts.Encode(["a red circle moving right", string.Empty]);
        float[] all = this.executor.Ops.ToHost(both);
        using OrtValue second = this.executor.Ops.SliceBatch(both, 1, 1);
        Assert.That(second.Shape()[0], Is.EqualTo(1));
        float[] row = this.executor.Ops.ToHost(second);
        Assert.That(row, Is.EqualTo(all.AsSpan(all.Length / 2).ToArray()));
        Assert.That(row, Is.All.EqualTo(0f), "the empty prompt's context is all zeros (padding is masked)");
    }

    private static double MaxAbs(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            m = Math.Max(m, Math.Abs(a[i] - b[i]));
        }

        return m;
    }
}
