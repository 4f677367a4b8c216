using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using MixCacheOrt.Models;
using MixCacheOrt.Ort;

namespace MixCacheOrt.Pipelines;

/// <summary>
/// Tensor operations on activations wherever they live (CPU memory or CUDA device memory), done by tiny ONNX graphs
/// run on the package's execution provider, so no activation passes through managed arrays: batch slicing and
/// repetition, element-wise sums, linear combinations (the sampler updates, forecasts), classifier-free guidance, the
/// low-frequency projection FasterCache splits Δcfg with, relative L1 distances and a finiteness check (only the
/// scalar comes back), device copies and the explicit copy to host. Only scalar operands cross from the host.
/// Latent-shaped tensors (rank 5) are float32; activations (rank 3) may be float32 or float16 (packages exported in
/// fp16), each op running the graph variant of its input's element type (distances reduced in float32).
/// </summary>
/// <remarks>
/// Operations that take a <c>ref OrtValue?</c> destination write into it when it is set (a buffer allocated once and
/// reused every step) and allocate it on the activation device at first use when it is null. A destination must not
/// be one of the operation's inputs. Graphs: <c>Pipelines/Resources/make_tensor_ops.py</c>. Not thread-safe.
/// </remarks>
public sealed class DeviceTensorOps : IDisposable
{
    private static readonly int[] SupportedRanks = [3, 5];
    private static readonly int[] TermCounts = [2, 4, 6];
    private readonly List<InferenceSession> sessions = [];
    private readonly Dictionary<InferenceSession, OrtIoBinding> bindings = [];
    private readonly Dictionary<(int Rank, bool Half), InferenceSession> slicers = [];
    private readonly Dictionary<(int Rank, bool Half), InferenceSession> hostCopiers = [];
    private readonly Dictionary<(int Rank, bool Half), InferenceSession> copiers = [];
    private readonly Dictionary<(int Rank, bool Half), InferenceSession> distances = [];
    private readonly Dictionary<(int Rank, int Terms), InferenceSession> combiners = [];
    private readonly Dictionary<int, (float[] Host, OrtValue Value)> weights = [];
    private readonly InferenceSession[] adder = new InferenceSession[2]; // [float32, float16]
    private readonly InferenceSession[] subtractor = new InferenceSession[2];
    private readonly InferenceSession[] extrapolator = new InferenceSession[2];
    private readonly InferenceSession guide;
    private readonly InferenceSession guideDelta;
    private readonly InferenceSession repeat;
    private readonly InferenceSession nonFinite;
    private readonly InferenceSession lowPass;
    private readonly InferenceSession cfgDistance;
    private readonly float[] scalar = new float[1];
    private readonly OrtValue scalarValue;
    private readonly long[] range = new long[2];
    private readonly OrtValue startValue;
    private readonly OrtValue endValue;
    private readonly OrtMemoryInfo activationMemory;
    private readonly float[] result = new float[1];
    private readonly OrtValue resultValue; // host memory: where reductions put their scalar
    private readonly Dictionary<BindingKey, OrtIoBinding> prepared = [];
    private readonly HashSet<BindingKey> seen = []; // values bound once: prepared at their second meeting
    private readonly Dictionary<OrtValue, (long[] Shape, bool Half)> shapes = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<OrtValue, long> sizes = new(ReferenceEqualityComparer.Instance);
    private static readonly string[] TermNames = ["t0", "t1", "t2", "t3", "t4", "t5"];
    private const int MaxPreparedBindings = 512;

    public DeviceTensorOps(ExecutionSettings settings, TransferCounter? transfers = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        this.activationMemory = settings.ActivationMemory;
        this.Transfers = transfers ?? new TransferCounter();
        this.scalarValue = OrtValues.Tensor(this.scalar, 1);
        this.resultValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, this.result.AsMemory(), []);
        this.startValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, this.range.AsMemory(0, 1), [1]);
        this.endValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, this.range.AsMemory(1, 1), [1]);
        try
        {
            using SessionOptions options = settings.CreateSessionOptions();
            InferenceSession Load(string name)
            {
                var session = new InferenceSession(Resource(name), options);
                this.sessions.Add(session);
                return session;
            }

            foreach (int rank in SupportedRanks)
            {
                this.slicers[(rank, false)] = Load($"slice_batch_r{rank}.onnx");
                this.hostCopiers[(rank, false)] = Load($"to_host_r{rank}.onnx");
                this.copiers[(rank, false)] = Load($"copy_r{rank}.onnx");
                this.distances[(rank, false)] = Load($"rel_l1_r{rank}.onnx");
                foreach (int n in TermCounts)
                {
                    this.combiners[(rank, n)] = Load($"lincomb{n}_r{rank}.onnx");
                }
            }

            foreach (int n in TermCounts)
            {
                float[] host = new float[n];
                this.weights[n] = (host, OrtValues.Tensor(host, n));
            }

            // Rank-3 activations in float16 (fp16 packages): what caches do to block outputs and residuals.
            this.slicers[(3, true)] = Load("slice_batch_r3_f16.onnx");
            this.hostCopiers[(3, true)] = Load("to_host_r3_f16.onnx");
            this.copiers[(3, true)] = Load("copy_r3_f16.onnx");
            this.distances[(3, true)] = Load("rel_l1_r3_f16.onnx");
            (this.adder[0], this.adder[1]) = (Load("add_r3.onnx"), Load("add_r3_f16.onnx"));
            (this.subtractor[0], this.subtractor[1]) = (Load("sub_r3.onnx"), Load("sub_r3_f16.onnx"));
            (this.extrapolator[0], this.extrapolator[1]) = (Load("extrapolate_r3.onnx"), Load("extrapolate_r3_f16.onnx"));
            this.guide = Load("guide_r5.onnx");
            this.guideDelta = Load("guide_delta_r5.onnx");
            this.repeat = Load("repeat2_r5.onnx");
            this.nonFinite = Load("nonfinite_r5.onnx");
            this.lowPass = Load("lowpass_r5.onnx");
            this.cfgDistance = Load("cfg_distance_r5.onnx");
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
        ArgumentNullException.ThrowIfNull(value);
        OrtValue? result = null;
        this.SliceBatch(value, first, count, ref result);
        return result!;
    }

    /// <summary>Rows [<paramref name="first"/>, first + count) of <paramref name="value"/>'s batch axis into <paramref name="destination"/>.</summary>
    public void SliceBatch(OrtValue value, int first, int count, ref OrtValue? destination)
    {
        ArgumentNullException.ThrowIfNull(value);
        InferenceSession session = Lookup(this.slicers, this.KindOf(value));
        this.range[0] = first;
        this.range[1] = first + count;
        this.Transfers.AddHostToDevice(2 * sizeof(long));
        this.Run(session, [("x", value), ("start", this.startValue), ("end", this.endValue)], "y", ref destination);
    }

    /// <summary><paramref name="a"/> + <paramref name="b"/> (rank 3, equal shapes) as a new value on the activation device.</summary>
    public OrtValue Add(OrtValue a, OrtValue b) => this.Binary(this.adder[this.HalfIndex(a)], a, b);

    /// <summary><paramref name="a"/> + <paramref name="b"/> (rank 3, equal shapes) into <paramref name="destination"/>.</summary>
    public void Add(OrtValue a, OrtValue b, ref OrtValue? destination) => this.Run(this.adder[this.HalfIndex(a)], [("a", a), ("b", b)], "y", ref destination);

    /// <summary><paramref name="a"/> − <paramref name="b"/> (rank 3, equal shapes) as a new value on the activation device.</summary>
    public OrtValue Subtract(OrtValue a, OrtValue b) => this.Binary(this.subtractor[this.HalfIndex(a)], a, b);

    /// <summary><paramref name="a"/> − <paramref name="b"/> (rank 3, equal shapes) into <paramref name="destination"/>.</summary>
    public void Subtract(OrtValue a, OrtValue b, ref OrtValue? destination) => this.Run(this.subtractor[this.HalfIndex(a)], [("a", a), ("b", b)], "y", ref destination);

    /// <summary>
    /// <paramref name="latest"/> + (<paramref name="latest"/> − <paramref name="older"/>) · <paramref name="scale"/> (rank 3,
    /// equal shapes) as a new value on the activation device: a first-order forecast, where <paramref name="scale"/> is
    /// the step distance ahead divided by the step distance between the two values. Only the scalar crosses from the host.
    /// </summary>
    public OrtValue Extrapolate(OrtValue latest, OrtValue older, float scale)
    {
        OrtValue? result = null;
        this.Extrapolate(latest, older, scale, ref result);
        return result!;
    }

    /// <summary>The forecast of <see cref="Extrapolate(OrtValue, OrtValue, float)"/> into <paramref name="destination"/>.</summary>
    public void Extrapolate(OrtValue latest, OrtValue older, float scale, ref OrtValue? destination)
    {
        ArgumentNullException.ThrowIfNull(latest);
        ArgumentNullException.ThrowIfNull(older);
        this.Run(this.extrapolator[this.HalfIndex(latest)], [("a", latest), ("b", older), ("s", this.Scalar(scale))], "y", ref destination);
    }

    /// <summary>
    /// <paramref name="destination"/> = Σ value·weight over <paramref name="terms"/> (1 to 6 terms of equal shape,
    /// rank 3 or 5), accumulated left to right as <c>((t0·w0) + t1·w1) + …</c>: the same float32 operations, in the
    /// same order, as the host loops of the samplers and forecasts. Only the weights cross from the host.
    /// </summary>
    public void Combine(ReadOnlySpan<(OrtValue Value, float Weight)> terms, ref OrtValue? destination)
    {
        if (terms.Length is < 1 or > 6)
        {
            throw new ArgumentOutOfRangeException(nameof(terms), terms.Length, "a linear combination takes 1 to 6 terms");
        }

        int n = terms.Length <= 2 ? 2 : terms.Length <= 4 ? 4 : 6;
        InferenceSession session = this.combiners.TryGetValue((this.RankOf(terms[0].Value), n), out InferenceSession? s)
            ? s
            : throw new NotSupportedException($"device tensor ops support ranks {string.Join(", ", SupportedRanks)}, not {this.RankOf(terms[0].Value)}");
        (float[] host, OrtValue value) = this.weights[n];
        Span<(string Name, OrtValue Value)> inputs = [("t0", value), ("t1", value), ("t2", value), ("t3", value), ("t4", value), ("t5", value), ("s", value)];
        for (int i = 0; i < n; i++)
        {
            // Padding terms repeat the last value with weight 0 (adds +0: exact for the finite values a latent holds).
            (OrtValue term, float weight) = i < terms.Length ? terms[i] : (terms[^1].Value, 0f);
            if (ReferenceEquals(term, destination))
            {
                throw new ArgumentException("the destination of a linear combination must not be one of its terms", nameof(destination));
            }

            host[i] = weight;
            inputs[i] = (TermNames[i], term);
        }

        inputs[n] = ("s", value);
        this.Transfers.AddHostToDevice(sizeof(float) * (long)n);
        this.Run(session, inputs[..(n + 1)], "y", ref destination);
    }

    /// <summary>A device copy of <paramref name="source"/> into <paramref name="destination"/> (rank 3 or 5).</summary>
    public void Copy(OrtValue source, ref OrtValue? destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        this.Run(Lookup(this.copiers, this.KindOf(source)), [("x", source)], "y", ref destination);
    }

    /// <summary>
    /// Classifier-free guidance on a batch-2 model output <paramref name="both"/> (cond, uncond), rank 5:
    /// <paramref name="guided"/> = uncond + <paramref name="scale"/> · (cond − uncond) and <paramref name="delta"/> =
    /// uncond − cond (Δcfg, what the cfg and block caches reuse).
    /// </summary>
    public void Guide(OrtValue both, float scale, ref OrtValue? guided, ref OrtValue? delta)
    {
        ArgumentNullException.ThrowIfNull(both);
        OrtValue factor = this.Scalar(scale);
        if (guided is not null && delta is not null)
        {
            this.RunPrepared(this.guide, [("v", both), ("s", factor)], "guided", guided, "delta", delta);
            return;
        }

        OrtIoBinding binding = this.Binding(this.guide);
        binding.BindInput("v", both);
        binding.BindInput("s", factor);
        this.BindOutput(binding, "guided", guided);
        this.BindOutput(binding, "delta", delta);
        this.guide.RunWithBinding(OrtOutputs.DefaultRunOptions, binding);
        using (OrtOutputs outputs = OrtOutputs.FromBinding(binding))
        {
            guided ??= outputs.Take("guided");
            delta ??= outputs.Take("delta");
        }

        binding.ClearBoundOutputs();
        binding.ClearBoundInputs();
    }

    /// <summary>
    /// Guidance from the conditional output alone (rank 5, batch 1): uncond = <paramref name="cond"/> + <paramref name="delta"/>,
    /// <paramref name="guided"/> = uncond + <paramref name="scale"/> · (cond − uncond).
    /// </summary>
    public void GuideWithDelta(OrtValue cond, OrtValue delta, float scale, ref OrtValue? guided)
    {
        ArgumentNullException.ThrowIfNull(cond);
        ArgumentNullException.ThrowIfNull(delta);
        this.Run(this.guideDelta, [("cond", cond), ("delta", delta), ("s", this.Scalar(scale))], "guided", ref guided);
    }

    /// <summary>A batch-1 rank-5 value repeated to batch 2 (the latent of both CFG branches), into <paramref name="destination"/>.</summary>
    public void RepeatBatch(OrtValue value, ref OrtValue? destination)
    {
        ArgumentNullException.ThrowIfNull(value);
        this.Run(this.repeat, [("x", value)], "y", ref destination);
    }

    /// <summary>
    /// The projection of every H×W plane of <paramref name="value"/> (rank 5) on the frequencies of <paramref name="basis"/>
    /// ([1, 2K, H·W]: K cosine rows then K sine rows, on the device), scaled by <paramref name="scale"/> (1/(H·W)).
    /// </summary>
    public void LowPass(OrtValue value, OrtValue basis, float scale, ref OrtValue? destination)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(basis);
        this.Run(this.lowPass, [("x", value), ("basis", basis), ("inv", this.Scalar(scale))], "y", ref destination);
    }

    /// <summary>Whether every element of <paramref name="value"/> (rank 5) is finite, reduced on the device (one scalar to the host).</summary>
    public bool AllFinite(OrtValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return float.IsFinite(this.RunScalar(this.nonFinite, [("x", value)]));
    }

    /// <summary>
    /// Relative L1 distance Σ|<paramref name="a"/> − <paramref name="b"/>| / Σ|<paramref name="b"/>| (rank 3 or 5, equal
    /// shapes), reduced where the values live; only the scalar comes to the host.
    /// </summary>
    public float RelativeL1(OrtValue a, OrtValue b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return this.RunScalar(Lookup(this.distances, this.KindOf(a)), [("a", a), ("b", b)]);
    }

    /// <summary>
    /// Σ|uncond − cond| / Σ|cond| of a batch-2 model output <paramref name="both"/> (cond, uncond), rank 5, reduced on the
    /// device; only the scalar comes to the host.
    /// </summary>
    public float CfgDistance(OrtValue both)
    {
        ArgumentNullException.ThrowIfNull(both);
        return this.RunScalar(this.cfgDistance, [("v", both)]);
    }

    /// <summary>A new value on the activation device holding <paramref name="host"/> with <paramref name="shape"/> (rank 3 or 5); counted.</summary>
    public OrtValue Upload(float[] host, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(host);
        using OrtValue source = OrtValues.Tensor(host, shape);
        this.Transfers.AddTensorToDevice(sizeof(float) * (long)host.Length);
        OrtValue? result = null;
        this.Copy(source, ref result);
        return result!;
    }

    /// <summary>Copies <paramref name="value"/> to <paramref name="destination"/> on the host (direct read when CPU-resident).</summary>
    public void CopyToHost(OrtValue value, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(value);
        this.Transfers.AddTensorToHost(value.GetTensorSizeInBytes());
        (int rank, bool half) = this.KindOf(value);
        if (!half && OrtDevices.IsHostAccessible(value))
        {
            value.GetTensorDataAsSpan<float>().CopyTo(destination);
            return;
        }

        InferenceSession session = Lookup(this.hostCopiers, (rank, half)); // float16 is cast to float32 on the way
        using OrtIoBinding binding = session.CreateIoBinding();
        binding.BindInput("x", value);
        binding.BindOutputToDevice("y", OrtDevices.Cpu);
        using OrtOutputs outputs = OrtOutputs.Run(session, binding);
        outputs[0].GetTensorDataAsSpan<float>().CopyTo(destination);
    }

    public float[] ToHost(OrtValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        float[] host = new float[value.ElementCount()];
        this.CopyToHost(value, host);
        return host;
    }

    /// <summary>The shape of <paramref name="value"/>, remembered per value (reading it from ORT allocates; buffers recur every step).</summary>
    internal long[] ShapeOf(OrtValue value) => this.Describe(value).Shape;

    internal int RankOf(OrtValue value) => this.ShapeOf(value).Length;

    /// <summary>The rank and whether the elements are float16 (the graph variant an op on it runs).</summary>
    private (int Rank, bool Half) KindOf(OrtValue value)
    {
        (long[] shape, bool half) = this.Describe(value);
        return (shape.Length, half);
    }

    private int HalfIndex(OrtValue value) => this.Describe(value).Half ? 1 : 0;

    private (long[] Shape, bool Half) Describe(OrtValue value)
    {
        if (!this.shapes.TryGetValue(value, out var known))
        {
            if (this.shapes.Count >= 4 * MaxPreparedBindings)
            {
                this.shapes.Clear();
            }

            OrtTensorTypeAndShapeInfo info = value.GetTensorTypeAndShape();
            known = (info.Shape, info.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16);
            this.shapes[value] = known;
        }

        return known;
    }

    /// <summary>The size of <paramref name="value"/>'s buffer in bytes, remembered per value like <see cref="ShapeOf"/>.</summary>
    internal long BytesOf(OrtValue value)
    {
        if (!this.sizes.TryGetValue(value, out long bytes))
        {
            if (this.sizes.Count >= 4 * MaxPreparedBindings)
            {
                this.sizes.Clear();
            }

            bytes = value.GetTensorSizeInBytes();
            this.sizes[value] = bytes;
        }

        return bytes;
    }

    /// <summary>
    /// Disposes the bindings prepared for the values of past calls. The pipeline calls it when a generation ends: a
    /// prepared binding keeps its values' buffers alive.
    /// </summary>
    public void ReleasePreparedBindings()
    {
        foreach (OrtIoBinding b in this.prepared.Values)
        {
            b.Dispose();
        }

        this.prepared.Clear();
        this.seen.Clear();
        this.shapes.Clear();
        this.sizes.Clear();
    }

    public void Dispose()
    {
        this.ReleasePreparedBindings();
        foreach (OrtIoBinding b in this.bindings.Values)
        {
            b.Dispose();
        }

        foreach (InferenceSession s in this.sessions)
        {
            s.Dispose();
        }

        foreach ((float[] _, OrtValue v) in this.weights.Values)
        {
            v.Dispose();
        }

        this.bindings.Clear();
        this.sessions.Clear();
        this.weights.Clear();
        this.scalarValue?.Dispose();
        this.resultValue?.Dispose();
        this.startValue?.Dispose();
        this.endValue?.Dispose();
    }

    private OrtValue Scalar(float value)
    {
        this.scalar[0] = value;
        this.Transfers.AddHostToDevice(sizeof(float));
        return this.scalarValue;
    }

    private OrtIoBinding Binding(InferenceSession session)
    {
        if (!this.bindings.TryGetValue(session, out OrtIoBinding? binding))
        {
            binding = session.CreateIoBinding();
            this.bindings[session] = binding;
        }

        return binding;
    }

    private void BindOutput(OrtIoBinding binding, string name, OrtValue? destination)
    {
        if (destination is null)
        {
            binding.BindOutputToDevice(name, this.activationMemory);
        }
        else
        {
            binding.BindOutput(name, destination);
        }
    }

    /// <summary>
    /// Runs <paramref name="session"/> into <paramref name="destination"/>: when the destination exists, through a
    /// binding prepared for exactly these values once they meet a second time (bound once, then run as often as they
    /// recur: no per-step binding work, no managed allocation — the buffers a generation reuses every step); else
    /// allocating the destination on the activation device.
    /// </summary>
    private void Run(InferenceSession session, ReadOnlySpan<(string Name, OrtValue Value)> inputs, string output, ref OrtValue? destination)
    {
        if (destination is not null)
        {
            this.RunPrepared(session, inputs, output, destination, null, null);
            return;
        }

        OrtIoBinding binding = this.Binding(session);
        foreach ((string name, OrtValue value) in inputs)
        {
            binding.BindInput(name, value);
        }

        binding.BindOutputToDevice(output, this.activationMemory);
        session.RunWithBinding(OrtOutputs.DefaultRunOptions, binding);
        using (OrtOutputs outputs = OrtOutputs.FromBinding(binding))
        {
            destination = outputs.Take(0);
        }

        binding.ClearBoundOutputs();
        binding.ClearBoundInputs();
    }

    private void RunPrepared(InferenceSession session, ReadOnlySpan<(string Name, OrtValue Value)> inputs, string output, OrtValue destination,
        string? secondOutput, OrtValue? secondDestination)
    {
        var key = new BindingKey(session, At(inputs, 0), At(inputs, 1), At(inputs, 2), At(inputs, 3), At(inputs, 4), At(inputs, 5), At(inputs, 6),
            destination, secondDestination);
        if (!this.prepared.TryGetValue(key, out OrtIoBinding? binding))
        {
            if (this.prepared.Count >= MaxPreparedBindings || this.seen.Count >= 4 * MaxPreparedBindings)
            {
                this.ReleasePreparedBindings(); // a safety valve: generations release theirs at the end
            }

            if (this.seen.Add(key))
            {
                // First time these values meet: a one-off binding that keeps nothing alive (values that never recur,
                // such as a block output compared once, must not be pinned by a prepared binding).
                binding = this.Binding(session);
                foreach ((string name, OrtValue value) in inputs)
                {
                    binding.BindInput(name, value);
                }

                binding.BindOutput(output, destination);
                if (secondOutput is not null)
                {
                    binding.BindOutput(secondOutput, secondDestination!);
                }

                session.RunWithBinding(OrtOutputs.DefaultRunOptions, binding);
                binding.ClearBoundOutputs();
                binding.ClearBoundInputs();
                return;
            }

            binding = session.CreateIoBinding();
            foreach ((string name, OrtValue value) in inputs)
            {
                binding.BindInput(name, value);
            }

            binding.BindOutput(output, destination);
            if (secondOutput is not null)
            {
                binding.BindOutput(secondOutput, secondDestination!);
            }

            this.prepared[key] = binding;
        }

        session.RunWithBinding(OrtOutputs.DefaultRunOptions, binding);
    }

    private float RunScalar(InferenceSession session, ReadOnlySpan<(string Name, OrtValue Value)> inputs)
    {
        this.RunPrepared(session, inputs, "y", this.resultValue, null, null);
        this.Transfers.AddDeviceToHost(sizeof(float));
        return this.result[0];
    }

    private static OrtValue? At(ReadOnlySpan<(string Name, OrtValue Value)> inputs, int index) => index < inputs.Length ? inputs[index].Value : null;

    private OrtValue Binary(InferenceSession session, OrtValue a, OrtValue b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        OrtValue? result = null;
        this.Run(session, [("a", a), ("b", b)], "y", ref result);
        return result!;
    }

    private static InferenceSession Lookup(Dictionary<(int Rank, bool Half), InferenceSession> sessions, (int Rank, bool Half) kind) =>
        sessions.TryGetValue(kind, out InferenceSession? s)
            ? s
            : throw new NotSupportedException(
                $"device tensor ops support float32 tensors of rank {string.Join(" or ", SupportedRanks)} and float16 tensors of rank 3, not {(kind.Half ? "float16" : "float32")} of rank {kind.Rank}");

    private static byte[] Resource(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"MixCacheOrt.Pipelines.{name}")
            ?? throw new InvalidOperationException($"embedded graph {name} is missing from the assembly");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    /// <summary>The values a prepared binding was bound to (reference identity), up to seven inputs and two outputs.</summary>
    private readonly record struct BindingKey(InferenceSession Session, OrtValue? I0, OrtValue? I1, OrtValue? I2, OrtValue? I3, OrtValue? I4, OrtValue? I5,
        OrtValue? I6, OrtValue Output, OrtValue? Output2);
}
