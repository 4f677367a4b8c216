using MixCacheOrt.Ort.Native;

namespace MixCacheOrt.Ort;

public sealed unsafe partial class OrtSession
{
    private const int StackallocLimit = 64;

    /// <summary>
    /// Runs the model on named inputs and returns all outputs, allocated by ORT, in <see cref="Outputs"/> order.
    /// The caller owns the result (dispose it, or <see cref="OrtOutputs.Take(string)"/> values to keep).
    /// </summary>
    /// <exception cref="OrtException">ORT rejected the inputs (unknown name, wrong shape or element type, ...) or the run failed or was terminated.</exception>
    public OrtOutputs Run(IReadOnlyDictionary<string, OrtValue> inputs, OrtRunOptions? runOptions = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        string[] names = new string[inputs.Count];
        OrtValue[] values = new OrtValue[inputs.Count];
        int i = 0;
        foreach ((string name, OrtValue value) in inputs)
        {
            names[i] = name;
            values[i++] = value;
        }

        return this.Run(names, values, default, runOptions);
    }

    /// <summary>
    /// Runs the model. <paramref name="inputNames"/>[i] names <paramref name="inputValues"/>[i]; the outputs listed in
    /// <paramref name="outputNames"/> (all outputs when empty) are allocated by ORT and returned in that order.
    /// </summary>
    /// <inheritdoc cref="Run(IReadOnlyDictionary{string, OrtValue}, OrtRunOptions?)" path="/exception"/>
    public OrtOutputs Run(
        ReadOnlySpan<string> inputNames,
        ReadOnlySpan<OrtValue> inputValues,
        ReadOnlySpan<string> outputNames = default,
        OrtRunOptions? runOptions = null)
    {
        if (inputNames.Length != inputValues.Length)
        {
            throw new ArgumentException($"{inputNames.Length} input names but {inputValues.Length} input values.", nameof(inputValues));
        }

        string[] resultNames = outputNames.IsEmpty ? [.. this.OutputNames.Strings] : outputNames.ToArray();
        int inputCount = inputNames.Length;
        int outputCount = resultNames.Length;
        Span<nint> inputNamePointers = inputCount <= StackallocLimit ? stackalloc nint[inputCount] : new nint[inputCount];
        Span<nint> inputPointers = inputCount <= StackallocLimit ? stackalloc nint[inputCount] : new nint[inputCount];
        Span<nint> outputNamePointers = outputCount <= StackallocLimit ? stackalloc nint[outputCount] : new nint[outputCount];
        Span<nint> outputPointers = outputCount <= StackallocLimit ? stackalloc nint[outputCount] : new nint[outputCount];
        outputPointers.Clear();

        // Names the model does not know are still passed on, so ORT reports them with its own error.
        Utf8StringTable? unknownInputs = ResolveNames(this.InputNames, inputNames, inputNamePointers);
        Utf8StringTable? unknownOutputs = ResolveNames(this.OutputNames, resultNames, outputNamePointers);
        for (int i = 0; i < inputCount; i++)
        {
            inputPointers[i] = inputValues[i].Pointer;
        }

        nint runOptionsPointer = runOptions?.Pointer ?? 0;
        fixed (nint* inNames = inputNamePointers, inValues = inputPointers, outNames = outputNamePointers, outValues = outputPointers)
        {
            OrtStatus.ThrowIfFailed(OrtApi.Run(
                this.Pointer, runOptionsPointer, (byte**)inNames, inValues, (nuint)inputCount, (byte**)outNames, (nuint)outputCount, outValues));
        }

        foreach (OrtValue input in inputValues)
        {
            GC.KeepAlive(input);
        }

        GC.KeepAlive(runOptions);
        GC.KeepAlive(unknownInputs);
        GC.KeepAlive(unknownOutputs);
        return new OrtOutputs(resultNames, this.WrapOutputs(outputPointers));
    }

    /// <summary>Runs the session on everything bound to <paramref name="binding"/> (<c>RunWithBinding</c>).</summary>
    /// <exception cref="ArgumentException">The binding belongs to another session.</exception>
    public void RunWithBinding(OrtIoBinding binding, OrtRunOptions? runOptions = null)
    {
        ArgumentNullException.ThrowIfNull(binding);
        if (binding.Session != this)
        {
            throw new ArgumentException("The IO binding was created by another session.", nameof(binding));
        }

        OrtStatus.ThrowIfFailed(OrtApi.RunWithBinding(this.Pointer, runOptions?.Pointer ?? 0, binding.Pointer));
        GC.KeepAlive(this);
        GC.KeepAlive(binding);
        GC.KeepAlive(runOptions);
    }

    /// <summary>Wraps ORT-allocated output values; each keeps this session's native object alive until disposed.</summary>
    internal OrtValue[] WrapOutputs(ReadOnlySpan<nint> values)
    {
        var result = new OrtValue[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = new OrtValue(new OrtHandle(values[i], OrtHandleKind.Value, owner: this.Handle));
        }

        return result;
    }

    /// <summary>
    /// Fills <paramref name="pointers"/> with the cached UTF-8 copies of <paramref name="names"/>. Names not in
    /// <paramref name="known"/> are encoded into the returned table, which the caller keeps alive over the native call.
    /// </summary>
    internal static Utf8StringTable? ResolveNames(Utf8StringTable known, ReadOnlySpan<string> names, Span<nint> pointers)
    {
        List<int>? unknownAt = null;
        for (int i = 0; i < names.Length; i++)
        {
            int index = known.IndexOf(names[i] ?? throw new ArgumentNullException(nameof(names), "A name is null."));
            if (index >= 0)
            {
                pointers[i] = (nint)known[index];
            }
            else
            {
                (unknownAt ??= []).Add(i);
            }
        }

        if (unknownAt is null)
        {
            return null;
        }

        string[] unknownNames = new string[unknownAt.Count];
        for (int j = 0; j < unknownAt.Count; j++)
        {
            unknownNames[j] = names[unknownAt[j]];
        }

        var table = new Utf8StringTable(unknownNames);
        for (int j = 0; j < unknownAt.Count; j++)
        {
            pointers[unknownAt[j]] = (nint)table[j];
        }

        return table;
    }
}
