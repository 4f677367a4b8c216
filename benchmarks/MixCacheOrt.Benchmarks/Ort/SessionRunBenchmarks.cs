using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Benchmarks.Ort;

/// <summary>
/// Per-call overhead of ONNX Runtime's C# API on a tiny graph (y = 2x + 1): a plain
/// <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// against an <see cref="OrtIoBinding"/> run as the executor does it (outputs bound to a device and taken after each
/// run), and a two-session chain through IO binding.
/// </summary>
[MemoryDiagnoser]
public class SessionRunBenchmarks
{
    private static readonly string[] InputNames = ["x"];
    private static readonly string[] OutputNames = ["y"];
    private InferenceSession scale = null!;
    private InferenceSession addMul = null!;
    private OrtValue input = null!;
    private OrtIoBinding binding = null!;
    private OrtIoBinding first = null!;
    private OrtIoBinding second = null!;
    private RunOptions runOptions = null!;

    [Params(1, 2)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string data = Path.Combine(AppContext.BaseDirectory, "TestData");
        _ = OrtRuntime.Environment;
        this.runOptions = new RunOptions();
        this.scale = new InferenceSession(Path.Combine(data, "scale.onnx"));
        this.addMul = new InferenceSession(Path.Combine(data, "add_mul.onnx"));
        this.input = OrtValues.Tensor(new float[this.Batch * 3], this.Batch, 3);

        this.binding = this.scale.CreateIoBinding();
        this.binding.BindInput("x", this.input);

        this.first = this.addMul.CreateIoBinding();
        this.first.BindInput("a", this.input);
        this.first.BindInput("b", this.input);
        this.second = this.scale.CreateIoBinding();
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
        this.runOptions.Dispose();
    }

    [Benchmark(Baseline = true)]
    public float Run()
    {
        using IDisposableReadOnlyCollection<OrtValue> outputs = this.scale.Run(this.runOptions, InputNames, [this.input], OutputNames);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }

    [Benchmark]
    public float RunWithBinding()
    {
        this.binding.BindOutputToDevice("y", OrtDevices.Cpu);
        using OrtOutputs outputs = OrtOutputs.Run(this.scale, this.binding, this.runOptions);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }

    [Benchmark]
    public float ChainTwoSessions()
    {
        this.first.BindOutputToDevice("sum", OrtDevices.Cpu);
        using OrtOutputs sum = OrtOutputs.Run(this.addMul, this.first, this.runOptions);
        this.second.BindInput("x", sum[0]);
        this.second.BindOutputToDevice("y", OrtDevices.Cpu);
        using OrtOutputs y = OrtOutputs.Run(this.scale, this.second, this.runOptions);
        this.second.ClearBoundInputs();
        return y[0].GetTensorDataAsSpan<float>()[0];
    }
}
