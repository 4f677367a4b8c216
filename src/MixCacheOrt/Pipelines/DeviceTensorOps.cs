using System.Reflection;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Pipelines;

/// <summary>
/// Tensor operations on activations wherever they live (CPU memory or CUDA device memory), done by tiny ONNX graphs
/// run on the package's execution provider, so no activation passes through managed arrays:
/// batch slicing (the conditional half of a batch-2 activation), element-wise add/subtract (residual caches) and the
/// explicit copy to host.
/// </summary>
internal sealed class DeviceTensorOps : IDisposable
{
    private static readonly int[] SupportedRanks = [3, 5];
    private readonly Dictionary<int, OrtSession> slicers = [];
    private readonly Dictionary<int, OrtSession> hostCopiers = [];
    private readonly OrtSession adder;
    private readonly OrtSession subtractor;
    private readonly OrtMemoryInfo activationMemory;
    private readonly long[] start = new long[1];
    private readonly long[] end = new long[1];

    public DeviceTensorOps(ExecutionSettings settings)
    {
        this.activationMemory = settings.ActivationMemory;
        try
        {
            using OrtSessionOptions options = settings.CreateSessionOptions();
            foreach (int rank in SupportedRanks)
            {
                this.slicers[rank] = OrtSession.FromBytes(Resource($"slice_batch_r{rank}.onnx"), options);
                this.hostCopiers[rank] = OrtSession.FromBytes(Resource($"to_host_r{rank}.onnx"), options);
            }

            this.adder = OrtSession.FromBytes(Resource("add_r3.onnx"), options);
            this.subtractor = OrtSession.FromBytes(Resource("sub_r3.onnx"), options);
        }
        catch
        {
            this.Dispose();
            throw;
        }
    }

    /// <summary>Rows [<paramref name="first"/>, first + count) of <paramref name="value"/>'s batch axis, as a new value on the activation device.</summary>
    public OrtValue SliceBatch(OrtValue value, int first, int count)
    {
        OrtSession session = Lookup(this.slicers, value.Rank);
        this.start[0] = first;
        this.end[0] = first + count;
        using OrtValue startValue = OrtValue.CreateTensor(this.start, [1]);
        using OrtValue endValue = OrtValue.CreateTensor(this.end, [1]);
        using OrtIoBinding binding = session.CreateIoBinding();
        binding.BindInput("x", value);
        binding.BindInput("start", startValue);
        binding.BindInput("end", endValue);
        binding.BindOutputToDevice("y", this.activationMemory);
        binding.Run();
        using OrtOutputs outputs = binding.GetBoundOutputValues();
        return outputs.Take(0);
    }

    /// <summary><paramref name="a"/> + <paramref name="b"/> (rank 3, equal shapes) as a new value on the activation device.</summary>
    public OrtValue Add(OrtValue a, OrtValue b) => this.Binary(this.adder, a, b);

    /// <summary><paramref name="a"/> − <paramref name="b"/> (rank 3, equal shapes) as a new value on the activation device.</summary>
    public OrtValue Subtract(OrtValue a, OrtValue b) => this.Binary(this.subtractor, a, b);

    private OrtValue Binary(OrtSession session, OrtValue a, OrtValue b)
    {
        using OrtIoBinding binding = session.CreateIoBinding();
        binding.BindInput("a", a);
        binding.BindInput("b", b);
        binding.BindOutputToDevice("y", this.activationMemory);
        binding.Run();
        using OrtOutputs outputs = binding.GetBoundOutputValues();
        return outputs.Take(0);
    }

    /// <summary>Copies <paramref name="value"/> to <paramref name="destination"/> on the host (direct read when CPU-resident).</summary>
    public void CopyToHost(OrtValue value, Span<float> destination)
    {
        if (value.MemoryLocation.IsCpuAccessible)
        {
            value.GetTensorReadOnlySpan<float>().CopyTo(destination);
            return;
        }

        OrtSession session = Lookup(this.hostCopiers, value.Rank);
        using OrtIoBinding binding = session.CreateIoBinding();
        binding.BindInput("x", value);
        binding.BindOutputToDevice("y", OrtMemoryInfo.Cpu);
        binding.Run();
        using OrtOutputs outputs = binding.GetBoundOutputValues();
        outputs[0].GetTensorReadOnlySpan<float>().CopyTo(destination);
    }

    public float[] ToHost(OrtValue value)
    {
        float[] host = new float[value.ElementCount];
        this.CopyToHost(value, host);
        return host;
    }

    private static OrtSession Lookup(Dictionary<int, OrtSession> sessions, int rank) =>
        sessions.TryGetValue(rank, out OrtSession? s)
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
        foreach (OrtSession s in this.slicers.Values.Concat(this.hostCopiers.Values))
        {
            s.Dispose();
        }

        this.adder?.Dispose();
        this.subtractor?.Dispose();

        this.slicers.Clear();
        this.hostCopiers.Clear();
    }
}
