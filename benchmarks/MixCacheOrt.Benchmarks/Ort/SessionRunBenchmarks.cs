using BenchmarkDotNet.Attributes;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Benchmarks.Ort;

/// <summary>
/// Per-call overhead of the binding on a tiny graph (y = 2x + 1): plain <see cref="OrtSession.Run(ReadOnlySpan{string}, ReadOnlySpan{OrtValue}, ReadOnlySpan{string}, OrtRunOptions?)"/>
/// against a reused <see cref="OrtIoBinding"/>, and a two-session chain through IO binding as the pipeline uses it.
/// </summary>
public class SessionRunBenchmarks
{
    private OrtSession scale = null!;
    private OrtSession addMul = null!;
    private OrtValue input = null!;
    private OrtIoBinding binding = null!;
    private OrtIoBinding first = null!;
    private OrtIoBinding second = null!;

    [Params(1, 2)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string data = Path.Combine(AppContext.BaseDirectory, "TestData");
        this.scale = OrtSession.FromFile(Path.Combine(data, "scale.onnx"));
        this.addMul = OrtSession.FromFile(Path.Combine(data, "add_mul.onnx"));
        this.input = OrtValue.CreateTensor(new float[this.Batch * 3], [this.Batch, 3]);

        this.binding = this.scale.CreateIoBinding();
        this.binding.BindInput("x", this.input);
        this.binding.BindOutputToDevice("y", OrtMemoryInfo.Cpu);

        this.first = this.addMul.CreateIoBinding();
        this.first.BindInput("a", this.input);
        this.first.BindInput("b", this.input);
        this.first.BindOutputToDevice("sum", OrtMemoryInfo.Cpu);
        this.second = this.scale.CreateIoBinding();
        this.second.BindOutputToDevice("y", OrtMemoryInfo.Cpu);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        this.second.Dispose();
        this.first.Dispose();
        this.binding.Dispose();
        this.input.Dispose();
        this.addMul.Dispose();
        this.scale.Dispose();
    }

    [Benchmark(Baseline = true)]
    public float Run()
    {
        using OrtOutputs outputs = this.scale.Run(["x"], [this.input]);
        return outputs[0].GetTensorReadOnlySpan<float>()[0];
    }

    [Benchmark]
    public float RunWithBinding()
    {
        this.binding.Run();
        using OrtOutputs outputs = this.binding.GetBoundOutputValues();
        return outputs[0].GetTensorReadOnlySpan<float>()[0];
    }

    [Benchmark]
    public float ChainTwoSessions()
    {
        this.first.Run();
        using OrtOutputs sum = this.first.GetBoundOutputValues();
        this.second.BindInput("x", sum[0]);
        this.second.Run();
        using OrtOutputs y = this.second.GetBoundOutputValues();
        return y[0].GetTensorReadOnlySpan<float>()[0];
    }
}
