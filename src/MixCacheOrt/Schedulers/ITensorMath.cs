using System.Numerics.Tensors;

namespace MixCacheOrt.Schedulers;

/// <summary>
/// The element-wise algebra the samplers are written in, so one update rule runs on host arrays (tests, tools) and on
/// ORT values on the execution device (the pipeline, <see cref="Pipelines.DeviceTensorMath"/>) with the same float32
/// operations in the same order.
/// </summary>
/// <typeparam name="T">A tensor handle: <c>float[]</c> on the host, an <c>OrtValue</c> on the device.</typeparam>
public interface ITensorMath<T>
    where T : class
{
    /// <summary>
    /// <paramref name="destination"/> = Σ value·weight, accumulated left to right as <c>((t0·w0) + t1·w1) + …</c>
    /// (1 to 6 terms of equal shape). The destination is allocated at first use (null) and reused after; it must not
    /// be one of the terms.
    /// </summary>
    void Combine(ReadOnlySpan<(T Value, float Weight)> terms, ref T? destination);

    /// <summary>A copy of <paramref name="source"/> into <paramref name="destination"/> (allocated at first use).</summary>
    void Copy(T source, ref T? destination);

    /// <summary>Frees a buffer this algebra allocated (no-op for null and for managed arrays).</summary>
    void Release(T? value);
}

/// <summary>The host algebra: <c>float[]</c> buffers and <see cref="TensorPrimitives"/> loops.</summary>
public sealed class HostTensorMath : ITensorMath<float[]>
{
    public static HostTensorMath Instance { get; } = new();

    public void Combine(ReadOnlySpan<(float[] Value, float Weight)> terms, ref float[]? destination)
    {
        if (terms.Length is < 1 or > 6)
        {
            throw new ArgumentOutOfRangeException(nameof(terms), terms.Length, "a linear combination takes 1 to 6 terms");
        }

        destination ??= new float[terms[0].Value.Length];
        foreach ((float[] value, float _) in terms)
        {
            if (ReferenceEquals(value, destination))
            {
                throw new ArgumentException("the destination of a linear combination must not be one of its terms", nameof(destination));
            }
        }

        TensorPrimitives.Multiply(terms[0].Value, terms[0].Weight, destination);
        for (int i = 1; i < terms.Length; i++)
        {
            TensorPrimitives.MultiplyAdd(terms[i].Value, terms[i].Weight, destination, destination);
        }
    }

    public void Copy(float[] source, ref float[]? destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        destination ??= new float[source.Length];
        source.CopyTo(destination, 0);
    }

    public void Release(float[]? value)
    {
    }
}

/// <summary>One generation's sampler state over tensors of type <typeparamref name="T"/> (the history a multistep solver keeps).</summary>
public interface IFlowSolver<T> : IDisposable
    where T : class
{
    /// <summary>
    /// Writes the latent after step <paramref name="k"/> into <paramref name="next"/> (allocated at first use; never
    /// <paramref name="latent"/>), from the current <paramref name="latent"/> and the step's model output
    /// <paramref name="velocity"/>. Steps run in order 0, 1, ….
    /// </summary>
    void Step(int k, T velocity, T latent, ref T? next);
}
