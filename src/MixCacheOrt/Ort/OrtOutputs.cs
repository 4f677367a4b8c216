using System.Collections;
using Microsoft.ML.OnnxRuntime;

namespace MixCacheOrt.Ort;

/// <summary>
/// The outputs of an IO-binding run with their names, where single values can change owner. Disposing the collection
/// disposes every value that was not <see cref="Take(string)"/>n out of it.
/// </summary>
/// <remarks>
/// Why not the official <see cref="IDisposableReadOnlyCollection{T}"/> alone: it has no names and disposes every value
/// with the collection, while the executor keeps single block outputs across steps. And why
/// <see cref="FromBinding"/> clears the outputs: an official binding whose outputs were bound with
/// <see cref="OrtIoBinding.BindOutputToDevice"/> hands the first run's buffers to every later run as preallocated
/// outputs, which would overwrite values kept from earlier steps; callers bind outputs again before each run.
/// </remarks>
public sealed class OrtOutputs : IReadOnlyList<OrtValue>, IDisposable
{
    private readonly string[] names;
    private readonly OrtValue[] values;
    private readonly bool[] taken;

    /// <summary>
    /// Takes the outputs of <paramref name="binding"/>'s last run and unbinds them, so that the next run allocates new
    /// buffers (bind outputs again before it).
    /// </summary>
    public static OrtOutputs FromBinding(OrtIoBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        string[] names = binding.GetOutputNames();
        IDisposableReadOnlyCollection<OrtValue> values = binding.GetOutputValues();
        binding.ClearBoundOutputs();
        return new OrtOutputs(names, [.. values]); // the values change owner: the official collection is not disposed
    }

    /// <summary>Runs <paramref name="session"/> on <paramref name="binding"/> and takes the outputs (see <see cref="FromBinding"/>).</summary>
    public static OrtOutputs Run(InferenceSession session, OrtIoBinding binding, RunOptions? runOptions = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        session.RunWithBinding(runOptions ?? DefaultRunOptions, binding);
        return FromBinding(binding);
    }

    /// <summary>Run options with ORT's defaults, shared by runs that pass none (the official API needs an instance).</summary>
    internal static RunOptions DefaultRunOptions { get; } = new();

    internal OrtOutputs(string[] names, OrtValue[] values)
    {
        this.names = names;
        this.values = values;
        this.taken = new bool[values.Length];
    }

    public int Count => this.values.Length;

    /// <summary>Output names, in the same order as the values.</summary>
    public IReadOnlyList<string> Names => this.names;

    public OrtValue this[int index] => this.values[index];

    /// <summary>The value of output <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is no such output.</exception>
    public OrtValue this[string name] => this.values[this.IndexOf(name)];

    /// <summary>
    /// Transfers ownership of one value to the caller (e.g. a block output kept for later steps): the collection
    /// no longer disposes it. The value stays reachable through the indexers.
    /// </summary>
    public OrtValue Take(string name) => this.Take(this.IndexOf(name));

    /// <inheritdoc cref="Take(string)"/>
    public OrtValue Take(int index)
    {
        this.taken[index] = true;
        return this.values[index];
    }

    public IEnumerator<OrtValue> GetEnumerator() => ((IEnumerable<OrtValue>)this.values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => this.GetEnumerator();

    public void Dispose()
    {
        for (int i = 0; i < this.values.Length; i++)
        {
            if (!this.taken[i])
            {
                this.values[i].Dispose();
            }
        }
    }

    private int IndexOf(string name)
    {
        int index = Array.IndexOf(this.names, name);
        return index >= 0
            ? index
            : throw new KeyNotFoundException($"No output named '{name}'; the outputs are: {string.Join(", ", this.names)}.");
    }
}
