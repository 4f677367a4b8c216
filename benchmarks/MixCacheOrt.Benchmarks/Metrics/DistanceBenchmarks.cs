using BenchmarkDotNet.Attributes;
using MixCacheOrt.Metrics;

namespace MixCacheOrt.Benchmarks.Metrics;

/// <summary>
/// <see cref="RelativeL1.Distance"/> (the cache decision metric, evaluated once per cached block per step) on a
/// latent-sized buffer (2 x 4 x 8 x 8 x 8 = 4096 floats) and a hidden-state-sized one (128 x 128 = 16384 floats),
/// against a plain scalar loop.
/// </summary>
public class DistanceBenchmarks
{
    private float[] current = null!;
    private float[] previous = null!;

    [Params("2x4x8x8x8", "128x128")]
    public string Shape { get; set; } = "2x4x8x8x8";

    [GlobalSetup]
    public void Setup()
    {
        int length = this.Shape.Split('x').Select(int.Parse).Aggregate(1, (a, b) => a * b);
        Random random = new(42);
        this.previous = [.. Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        this.current = [.. this.previous.Select(v => v + (float)((random.NextDouble() - 0.5) * 0.02))];
    }

    [Benchmark(Baseline = true)]
    public double ScalarLoop()
    {
        double changed = 0, magnitude = 0;
        for (int i = 0; i < this.current.Length; i++)
        {
            changed += Math.Abs(this.current[i] - this.previous[i]);
            magnitude += Math.Abs(this.previous[i]);
        }

        return changed / magnitude;
    }

    [Benchmark]
    public double TensorPrimitives() => RelativeL1.Distance(this.current, this.previous);
}
