using System.Text.Json;
using MixCacheOrt.Numerics;
using MixCacheOrt.Pipelines;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Pipelines;

/// <summary>C# full compute against the PyTorch reference sampler (models/tiny-wan/reference, written by exporters/export.py).</summary>
public sealed class TextToVideoPipelineTests : ShippedPipelineFixture
{
    private static (string Prompt, ulong Seed, double Guidance, float[] Noise) Reference()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(ShippedModel.PathOf("reference", "reference.json")));
        JsonElement r = doc.RootElement;
        float[] noise = NpyFile.Read<float>(ShippedModel.PathOf("reference", r.GetProperty("noise").GetString()!)).Data;
        return (r.GetProperty("prompt").GetString()!, r.GetProperty("seed").GetUInt64(), r.GetProperty("guidance").GetDouble(), noise);
    }

    [Test]
    public void NonFiniteLatent_StopsAtTheStepWhereItAppears_NamingIt()
    {
        float[] noise = new float[this.Package.Manifest.Geometry.LatentElementCount];
        noise[5] = float.PositiveInfinity;

        var e = Assert.Throws<NonFiniteLatentException>(() =>
            this.Pipeline.Generate(new GenerationRequest { Prompt = "a red circle moving right", Steps = 4, Guidance = 5, InitialNoise = noise }));

        Assert.That(e!.Step, Is.EqualTo(0));
        Assert.That(e.Message, Does.StartWith("the latent became non-finite (NaN or infinity) at step 0 of 4 (0-based); nothing was written"));
    }

    [Test]
    public void SeededNoiseIsTheReferenceNoise()
    {
        (_, ulong seed, _, float[] noise) = Reference();
        Assert.That(SeededNoise.Create(seed, noise.Length), Is.EqualTo(noise));
    }

    [Test]
    public void TenStepFullComputeMatchesPyTorch()
    {
        (string prompt, ulong seed, double guidance, float[] noise) = Reference();
        float[] expected = NpyFile.Read<float>(ShippedModel.PathOf("reference", "latent_steps10.npy")).Data;
        GenerationResult r = this.Pipeline.Generate(new GenerationRequest { Prompt = prompt, Seed = seed, Steps = 10, Guidance = guidance, InitialNoise = noise });
        double maxAbs = r.Latent.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        Assert.That(maxAbs, Is.LessThan(1e-3), $"max |C# - PyTorch| = {maxAbs:E2}");
        Assert.That(r.Trace, Has.Count.EqualTo(10));
        Assert.That(r.Trace.All(s => s.BlockEvaluations == 2 * this.Package.Manifest.Blocks.Count));
        Assert.That(r.Frames, Has.Length.EqualTo(this.Package.Manifest.Geometry.Frames * this.Package.Manifest.Geometry.Height * this.Package.Manifest.Geometry.Width * 3));
        Assert.That(r.Frames, Is.All.InRange(0f, 1f));
    }

    [Test]
    [Category("Slow")]
    public void FiftyStepFullComputeMatchesPyTorch()
    {
        (string prompt, ulong seed, double guidance, float[] noise) = Reference();
        float[] expected = NpyFile.Read<float>(ShippedModel.PathOf("reference", "latent_steps50.npy")).Data;
        GenerationResult r = this.Pipeline.Generate(new GenerationRequest { Prompt = prompt, Seed = seed, Steps = 50, Guidance = guidance, InitialNoise = noise });
        double maxAbs = r.Latent.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        Assert.That(maxAbs, Is.LessThan(1e-3), $"max |C# - PyTorch| = {maxAbs:E2}");
    }

    [Test]
    public void FiftyStepUniPCMatchesPyTorch()
    {
        // exporters/export.py --unipc-reference-only: the same noise and prompt through the Python UniPC sampler, shift 5.
        (string prompt, ulong seed, double guidance, float[] noise) = Reference();
        float[] expected = NpyFile.Read<float>(ShippedModel.PathOf("reference", "latent_unipc_steps50.npy")).Data;
        GenerationResult r = this.Pipeline.Generate(new GenerationRequest
        {
            Prompt = prompt, Seed = seed, Steps = 50, Guidance = guidance, Shift = 5, Scheduler = "unipc", InitialNoise = noise,
        });
        double maxAbs = r.Latent.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        Assert.That(maxAbs, Is.LessThan(1e-4), $"max |C# - PyTorch| = {maxAbs:E2}");
        Assert.That(r.Scheduler, Is.EqualTo("unipc"));
    }

    [Test]
    public void SameSeedGivesIdenticalOutputAndCancellationStopsAtAStepBoundary()
    {
        var request = new GenerationRequest { Prompt = "a yellow circle moving down", Seed = 9, Steps = 3 };
        GenerationResult a = this.Pipeline.Generate(request);
        GenerationResult b = this.Pipeline.Generate(request);
        Assert.That(b.Latent, Is.EqualTo(a.Latent));

        using var cts = new CancellationTokenSource();
        int seen = 0;
        Assert.Throws<OperationCanceledException>(() => this.Pipeline.Generate(request with { Steps = 10 }, onStep: _ =>
        {
            if (++seen == 2)
            {
                cts.Cancel();
            }
        }, cancellationToken: cts.Token));
        Assert.That(seen, Is.EqualTo(2), "no step runs after cancellation");
    }
}
