using System.Collections;

namespace MixCacheOrt.Ort;

/// <summary>
/// Values produced by <see cref="OrtSession.Run(IReadOnlyDictionary{string, OrtValue}, OrtRunOptions?)"/> or
/// <see cref="OrtIoBinding.GetBoundOutputValues"/>, with their names. Disposing the collection disposes every value
/// that was not <see cref="Take(string)"/>n out of it.
/// </summary>
public sealed class OrtOutputs : IReadOnlyList<OrtValue>, IDisposable
{
    private readonly string[] names;
    private readonly OrtValue[] values;
    private readonly bool[] taken;

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
