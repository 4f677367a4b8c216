using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Caching;
using MixCacheOrt.Caching.Baselines;
using MixCacheOrt.Ort;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Schedulers;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Pipelines;

/// <summary>Block hooks on the shipped model: the executor's jumps, and First-Block Cache checked against hand arithmetic.</summary>
public sealed class BlockHookTests : ShippedPipelineFixture
{
    private const string Prompt = "a blue circle moving down slowly";

    [Test]
    public void AHookThatJumpsToPostWithTheHiddenStateItWasGiven_ReproducesThePassWithoutTheSkippedBlocks()
    {
        // Jumping from block 4 to post with the hidden state entering block 4 = running blocks 0-3 only: the executor
        // counts 4 blocks and post sees that state. Checked against an injected resume of the same state after block 3.
        using var executor = new DenoiserExecutor(this.Package);
        var prompts = new PromptEncoder(this.Package);
        using OrtValue context = prompts.Encode([Prompt, string.Empty]);
        float[] latent = SeededNoise.Create(5, this.Package.Manifest.Geometry.LatentElementCount);
        var hook = new JumpHook(from: 4, to: this.Package.Manifest.Blocks.Count);
        using DenoiserOutput hooked = executor.Run(new DenoiserRequest { Latent = latent, Timestep = 600f, Context = context, Batch = 2, Hook = hook, Capture = new HashSet<int> { 3 } });
        Assert.That(hooked.BlocksRun, Is.EqualTo(4));
        Assert.That(hook.Calls, Is.EqualTo(new[] { 0, 1, 2, 3, 4, this.Package.Manifest.Blocks.Count }), "before every block run and before post");
        Assert.That(hook.Given, Is.EqualTo(hooked.Captured[3].ToArray<float>()), "block 4 was offered block 3's output");

        Assert.Throws<InvalidOperationException>(() => executor.Run(new DenoiserRequest
        {
            Latent = latent, Timestep = 600f, Context = context, Batch = 2, Hook = new JumpHook(from: 5, to: 2),
        }), "a hook may not jump back");
    }

    [Test]
    public void FirstBlockCacheSkipsTheRestOfTheStackWithTheTailResidualOfTheLastComputedStep()
    {
        var policy = new Recording(new DBCachePolicy("fbcache", DBCacheOptions.FirstBlock with { Threshold = 0.06 }, this.Package.Manifest.Blocks.Count));
        var request = new GenerationRequest { Prompt = Prompt, Seed = 1, Steps = 50, Guidance = 5 };
        GenerationResult r = this.Pipeline.Generate(request, policy);
        int l = this.Package.Manifest.Blocks.Count;
        List<StepTrace> trace = [.. r.Trace];
        int k = trace.FindIndex(s => s.Decision.Mode == StepMode.MiddleReuse);
        Assert.That(k, Is.GreaterThan(1), "some step skips the middle");
        int j = trace.FindLastIndex(k, s => s.Decision.Mode == StepMode.Full);
        Assert.That(r.Trace[k].Decision.ToString(), Is.EqualTo("middle_1"));
        Assert.That(r.Trace[k].BlockEvaluations, Is.EqualTo(2), "block 0 of both branches");
        Assert.That(r.Trace[k].DeviceToHostBytes, Is.EqualTo((4L * this.Package.Manifest.Geometry.LatentElementCount) + 4 + 4),
            "the output this test records, the hook's distance, the finiteness check");
        Assert.That(r.Trace[k].Metrics["residual_change"], Is.LessThan(0.06));

        // By hand: at step k the state entering post is H1(k) + H_L(j) − H1(j) (block 0 and block L−1 outputs).
        var scheduler = new FlowMatchEulerScheduler(50, this.Package.Manifest.Scheduler.Shift, this.Package.Manifest.Scheduler.TimestepScale);
        float[] latent = SeededNoise.Create(1, this.Package.Manifest.Geometry.LatentElementCount);
        float[] atJ = [], atK = [];
        for (int step = 0; step <= k; step++)
        {
            if (step == j)
            {
                atJ = (float[])latent.Clone();
            }

            if (step == k)
            {
                atK = (float[])latent.Clone();
                break;
            }

            scheduler.Step(step, policy.Outputs[step], latent);
        }

        using var executor = new DenoiserExecutor(this.Package);
        var prompts = new PromptEncoder(this.Package);
        using OrtValue context = prompts.Encode([Prompt, string.Empty]);
        float[] h1j, hlj;
        using (DenoiserOutput computed = executor.Run(new DenoiserRequest { Latent = atJ, Timestep = scheduler.Timestep(j), Context = context, Batch = 2, Capture = new HashSet<int> { 0, l - 1 } }))
        {
            (h1j, hlj) = (computed.Captured[0].ToArray<float>(), computed.Captured[l - 1].ToArray<float>());
        }

        var inject = new HostArithmeticHook(at: 1, l, h => [.. h.Select((x, i) => x + hlj[i] - h1j[i])]);
        using DenoiserOutput byHand = executor.Run(new DenoiserRequest { Latent = atK, Timestep = scheduler.Timestep(k), Context = context, Batch = 2, Hook = inject });
        float[] guided = new float[byHand.Conditional.Length];
        MixCacheOrt.Numerics.Guidance.Combine(byHand.Conditional, byHand.Unconditional, 5f, guided);
        Assert.That(guided.Zip(policy.Outputs[k], (a, b) => Math.Abs(a - b)).Max(), Is.LessThan(1e-4));
    }

    /// <summary>Records every step's output around a policy.</summary>
    private sealed class Recording(ICachePolicy inner) : ICachePolicy
    {
        public List<float[]> Outputs { get; } = [];

        public string Name => inner.Name;

        public IReadOnlySet<int> BlockCandidates => inner.BlockCandidates;

        public void Reset(int steps, int blockCount) => inner.Reset(steps, blockCount);

        public CacheDecision Decide(int step, CacheAvailability cache) => inner.Decide(step, cache);

        public void Observe(StepObservation observation)
        {
            this.Outputs.Add(observation.Output.ToArray());
            inner.Observe(observation);
        }

        public IBlockHook? CreateBlockHook(int blockCount) => inner.CreateBlockHook(blockCount);
    }

    /// <summary>Jumps once from one block to another with the hidden state it was given (copied).</summary>
    private sealed class JumpHook(int from, int to) : IBlockHook
    {
        public List<int> Calls { get; } = [];

        public float[] Given { get; private set; } = [];

        public CacheDecision? Outcome => null;

        public IReadOnlyDictionary<string, double> Metrics { get; } = new Dictionary<string, double>();

        public void BeginStep(int step)
        {
        }

        public BlockJump? BeforeBlock(int block, OrtValue hidden, OrtValue preHidden, DeviceTensorOps ops)
        {
            this.Calls.Add(block);
            if (block != from)
            {
                return null;
            }

            this.Given = ops.ToHost(hidden);
            this.returned?.Dispose();
            this.returned = OrtValues.Tensor(this.Given.ToArray(), hidden.Shape());
            return new BlockJump(to, this.returned);
        }

        private OrtValue? returned; // the hook owns what it hands over

        public void Dispose() => this.returned?.Dispose();
    }

    /// <summary>At one block, replaces the hidden state by a host computation on it and jumps to post.</summary>
    private sealed class HostArithmeticHook(int at, int blockCount, Func<float[], float[]> compute) : IBlockHook
    {
        public CacheDecision? Outcome => null;

        public IReadOnlyDictionary<string, double> Metrics { get; } = new Dictionary<string, double>();

        public void BeginStep(int step)
        {
        }

        private OrtValue? returned; // the hook owns what it hands over

        public BlockJump? BeforeBlock(int block, OrtValue hidden, OrtValue preHidden, DeviceTensorOps ops)
        {
            if (block != at)
            {
                return null;
            }

            this.returned?.Dispose();
            this.returned = OrtValues.Tensor(compute(ops.ToHost(hidden)), hidden.Shape());
            return new BlockJump(blockCount, this.returned);
        }

        public void Dispose() => this.returned?.Dispose();
    }
}
