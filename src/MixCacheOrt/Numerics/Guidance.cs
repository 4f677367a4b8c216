using System.Buffers;
using System.Numerics.Tensors;

namespace MixCacheOrt.Numerics;

/// <summary>Classifier-free guidance kernels.</summary>
public static class Guidance
{
    /// <summary>
    /// <c>destination[i] = uncond[i] + scale · (cond[i] - uncond[i])</c>, Wan's form (the MixCache paper writes
    /// (1+g)·cond − g·uncond, the same with g = scale − 1). <paramref name="destination"/> may be either input.
    /// </summary>
    public static void Combine(ReadOnlySpan<float> cond, ReadOnlySpan<float> uncond, float scale, Span<float> destination)
    {
        if (cond.Length != uncond.Length || destination.Length != cond.Length)
        {
            throw new ArgumentException("cond, uncond and destination must have the same length");
        }

        float[] difference = ArrayPool<float>.Shared.Rent(cond.Length);
        try
        {
            Span<float> d = difference.AsSpan(0, cond.Length);
            TensorPrimitives.Subtract(cond, uncond, d);
            TensorPrimitives.MultiplyAdd(d, scale, uncond, destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(difference);
        }
    }
}
