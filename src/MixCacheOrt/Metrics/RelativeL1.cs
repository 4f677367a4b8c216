using System.Numerics.Tensors;

namespace MixCacheOrt.Metrics;

/// <summary>
/// The relative L1 distance the MixCache paper uses to decide whether a cached result is still good enough:
/// <c>D = sum |current - previous| / sum |previous|</c>.
/// </summary>
public static class RelativeL1
{
    /// <summary>Elements per block; each block's sum is taken by <see cref="TensorPrimitives"/> in float, blocks add up in double.</summary>
    private const int BlockLength = 1024;

    /// <summary>
    /// <c>sum |current - previous| / sum |previous|</c> over all elements.
    /// </summary>
    /// <returns>
    /// The distance (0 for identical inputs). When <c>sum |previous|</c> is 0, the result is 0 if
    /// <paramref name="current"/> is all zeros too (nothing changed; also for empty inputs) and
    /// <see cref="double.PositiveInfinity"/> otherwise (any change from nothing is infinitely large), so a cache
    /// comparing D with a threshold reuses only truly unchanged zero tensors. NaN in either input gives NaN.
    /// </returns>
    /// <exception cref="ArgumentException">The inputs differ in length.</exception>
    public static double Distance(ReadOnlySpan<float> current, ReadOnlySpan<float> previous)
    {
        if (current.Length != previous.Length)
        {
            throw new ArgumentException(
                $"The tensors differ in length: {current.Length} and {previous.Length} elements.", nameof(current));
        }

        Span<float> difference = stackalloc float[BlockLength];
        double changed = 0;
        double magnitude = 0;
        for (int start = 0; start < current.Length; start += BlockLength)
        {
            int length = Math.Min(BlockLength, current.Length - start);
            ReadOnlySpan<float> before = previous.Slice(start, length);
            Span<float> delta = difference[..length];
            TensorPrimitives.Subtract(current.Slice(start, length), before, delta);
            changed += TensorPrimitives.SumOfMagnitudes<float>(delta);
            magnitude += TensorPrimitives.SumOfMagnitudes(before);
        }

        if (magnitude == 0)
        {
            return changed == 0 ? 0 : double.IsNaN(changed) ? double.NaN : double.PositiveInfinity;
        }

        return changed / magnitude;
    }
}
