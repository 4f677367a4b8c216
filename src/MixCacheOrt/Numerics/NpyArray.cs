namespace MixCacheOrt.Numerics;

/// <summary>An n-dimensional array as stored in a <c>.npy</c> file: its shape and its elements in C (row-major) order.</summary>
/// <typeparam name="T"><see cref="float"/> (<c>&lt;f4</c>) or <see cref="long"/> (<c>&lt;i8</c>).</typeparam>
/// <param name="Shape">Dimensions; empty for a scalar (one element).</param>
/// <param name="Data">Elements, as many as the product of <paramref name="Shape"/>.</param>
public sealed record NpyArray<T>(long[] Shape, T[] Data)
    where T : unmanaged
{
    /// <summary>Number of dimensions.</summary>
    public int Rank => this.Shape.Length;

    /// <inheritdoc/>
    public override string ToString() => $"NpyArray<{typeof(T).Name}> [{string.Join(", ", this.Shape)}]";
}
