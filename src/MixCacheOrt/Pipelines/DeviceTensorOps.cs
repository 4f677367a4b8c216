using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Pipelines;

/// <summary>
/// Tensor operations on activations wherever they live (CPU memory or CUDA device memory), done by tiny ONNX graphs
/// run on the package's execution provider, so no activation passes through managed arrays:
/// batch slicing (the conditional half of a batch-2 activation), element-wise add/subtract (residual caches),
/// first-order extrapolation (forecasting caches), relative L1 distances (only the scalar comes back) and the explicit
/// copy to host. Block hooks (<see cref="Caching.IBlockHook"/>) get one to work on the activations they see.
/// </summary>
public sealed class DeviceTensorOps : IDisposable
{
    private static readonly int[] SupportedRanks = [3, 5];
    private readonly Dictionary<int, InferenceSession> slicers = [];
    private readonly Dictionary<int, InferenceSession> hostCopiers = [];
    private readonly InferenceSession adder;
    private readonly InferenceSession subtractor;
    private readonly InferenceSession extrapolator;
    private readonly InferenceSession relativeL1;
    private readonly float[] factor = new float[1];
    private readonly OrtMemoryInfo activationMemory;
    private readonly long[] start = new long[1];
    private readonly long[] end = new long[1];

    public DeviceTensorOps(ExecutionSettings settings, TransferCounter? transfers = null)
    {
        this.activationMemory = settings.ActivationMemory;
        this.Transfers = transfers ?? new TransferCounter();
        try
        {
            using SessionOptions options = settings.CreateSessionOptions();
            foreach (int rank in SupportedRanks)
            {
                this.slicers[rank] = new InferenceSession(Resource($"slice_batch_r{rank}.onnx"), options);
                this.hostCopiers[rank] = new InferenceSession(Resource($"to_host_r{rank}.onnx"), options);
            }

            this.adder = new InferenceSession(Resource("add_r3.onnx"), options);
            this.subtractor = new InferenceSession(Resource("sub_r3.onnx"), options);
            this.extrapolator = new InferenceSession(Resource("extrapolate_r3.onnx"), options);
            this.relativeL1 = new InferenceSession(Resource("rel_l1_r3.onnx"), options);
        }
        catch
        {
            this.Dispose();
            throw;
        }
    }

    /// <summary>Where host copies are counted.</summary>
    public TransferCounter Transfers { get; }

    /// <summary>Rows [<paramref name="first"/>, first + count) of <paramref name="value"/>'s batch axis, as a new value on the activation device.</summary>
    public OrtValue SliceBatch(OrtValue value, int first, int count)
    {
        InferenceSession session = Lookup(this.slicers, value.Rank());
        this.start[0] = first;
        this.end[0] = first + count;
        this.Transfers.AddHostToDevice(2 * sizeof(long));
        using OrtValue startValue = OrtValues.Tensor(this.start, 1);
        using OrtValue endValue = OrtValues.Tensor(this.end, 1);
        using OrtIoBinding binding = session.CreateIoBinding();
        binding.BindInput("x", value);
        binding.BindInput("start", startValue);
        binding.BindInput("end", endValue);
        binding.BindOutputToDevice("y", this.activationMemory);
        using OrtOutputs outputs = OrtOutputs.Run(session, binding);
        return outputs.Take(0);
    }

    /// <summary><paramref name="a"/> + <paramref name="b"/> (rank 3, equal shapes) as a new value on the activation device.</summary>
    public OrtValue Add(OrtValue a, OrtValue b) => this.Binary(this.adder, a, b);

    /// <summary><paramref name="a"/> − <paramref name="b"/> (rank 3, equal shapes) as a new value on the activation device.</summary>
    public OrtValue Subtract(OrtValue a, OrtValue b) => this.Binary(this.subtractor, a, b);

    /// <summary>
    /// <paramref name="latest"/> + (<paramref name="latest"/> − <paramref name="older"/>) · <paramref name="scale"/> (rank 3,
    /// equal shapes) as a new value on the activation device: a first-order forecast, where <paramref name="scale"/> is
    /// the step distance ahead divided by the step distance between the two values. Only the scalar crosses from the host.
    /// </summary>
    public OrtValue Extrapolate(OrtValue latest, OrtValue older, float scale)
    {
        this.factor[0] = scale;
        this.Transfers.AddHostToDevice(sizeof(float));
        using OrtValue factorValue = OrtValues.Tensor(this.factor, 1);
        using OrtIoBinding binding = this.extrapolator.CreateIoBinding();
        binding.BindInput("a", latest);
        binding.BindInput("b", older);
        binding.BindInput("s", factorValue);
        binding.BindOutputToDevice("y", this.activationMemory);
        using OrtOutputs outputs = OrtOutputs.Run(this.extrapolator, binding);
        return outputs.Take(0);
    }

    /// <summary>
    /// Relative L1 distance Σ|<paramref name="a"/> − <paramref name="b"/>| / Σ|<paramref name="b"/>| (rank 3, equal shapes),
    /// reduced where the values live; only the scalar comes to the host.
    /// </summary>
    public float RelativeL1(OrtValue a, OrtValue b)
    {
        using OrtIoBinding binding = this.relativeL1.CreateIoBinding();
        binding.BindInput("a", a);
        binding.BindInput("b", b);
        binding.BindOutputToDevice("y", OrtDevices.Cpu);
        using OrtOutputs outputs = OrtOutputs.Run(this.relativeL1, binding);
        this.Transfers.AddDeviceToHost(sizeof(float));
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }

    private OrtValue Binary(InferenceSession session, OrtValue a, OrtValue b)
    {
        using OrtIoBinding binding = session.CreateIoBinding();
        binding.BindInput("a", a);
        binding.BindInput("b", b);
        binding.BindOutputToDevice("y", this.activationMemory);
        using OrtOutputs outputs = OrtOutputs.Run(session, binding);
        return outputs.Take(0);
    }

    /// <summary>Copies <paramref name="value"/> to <paramref name="destination"/> on the host (direct read when CPU-resident).</summary>
    public void CopyToHost(OrtValue value, Span<float> destination)
    {
        this.Transfers.AddDeviceToHost(value.GetTensorSizeInBytes());
        if (OrtDevices.IsHostAccessible(value))
        {
            value.GetTensorDataAsSpan<float>().CopyTo(destination);
            return;
        }

        InferenceSession session = Lookup(this.hostCopiers, value.Rank());
        using OrtIoBinding binding = session.CreateIoBinding();
        binding.BindInput("x", value);
        binding.BindOutputToDevice("y", OrtDevices.Cpu);
        using OrtOutputs outputs = OrtOutputs.Run(session, binding);
        outputs[0].GetTensorDataAsSpan<float>().CopyTo(destination);
    }

    public float[] ToHost(OrtValue value)
    {
        float[] host = new float[value.ElementCount()];
        this.CopyToHost(value, host);
        return host;
    }

    private static InferenceSession Lookup(Dictionary<int, InferenceSession> sessions, int rank) =>
        sessions.TryGetValue(rank, out InferenceSession? s)
            ? s
            : throw new NotSupportedException($"device tensor ops support ranks {string.Join(", ", SupportedRanks)}, not {rank}");

    private static byte[] Resource(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"MixCacheOrt.Pipelines.{name}")
            ?? throw new InvalidOperationException($"embedded graph {name} is missing from the assembly");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    public void Dispose()
    {
        foreach (InferenceSession s in this.slicers.Values.Concat(this.hostCopiers.Values))
        {
            s.Dispose();
        }

        this.adder?.Dispose();
        this.subtractor?.Dispose();
        this.extrapolator?.Dispose();
        this.relativeL1?.Dispose();

        this.slicers.Clear();
        this.hostCopiers.Clear();
    }
}
