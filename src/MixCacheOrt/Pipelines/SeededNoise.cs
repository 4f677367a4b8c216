namespace MixCacheOrt.Pipelines;

/// <summary>
/// Seeded standard-normal noise, identical on every run and machine, and bit-identical to the exporters' reference
/// (<c>exporters/tinywan/noise.py</c>):
/// element pairs (2p, 2p+1) take u1 = u(2p), u2 = u(2p+1) with
/// u(j) = (splitmix64_finalize(seed + (j + 1) * 0x9E3779B97F4A7C15) &gt;&gt; 11) * 2^-53, then Box–Muller
/// r = sqrt(-2 ln(1 - u1)), x = (r cos 2πu2, r sin 2πu2), computed in double and rounded to float.
/// </summary>
public static class SeededNoise
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>Fills <paramref name="destination"/> (a flattened tensor, C order) with the noise of <paramref name="seed"/>.</summary>
    public static void Fill(ulong seed, Span<float> destination)
    {
        for (int p = 0; 2 * p < destination.Length; p++)
        {
            double u1 = Uniform(seed, 2 * (ulong)p);
            double u2 = Uniform(seed, (2 * (ulong)p) + 1);
            double r = Math.Sqrt(-2.0 * Math.Log(1.0 - u1));
            double angle = 2.0 * Math.PI * u2;
            destination[2 * p] = (float)(r * Math.Cos(angle));
            if ((2 * p) + 1 < destination.Length)
            {
                destination[(2 * p) + 1] = (float)(r * Math.Sin(angle));
            }
        }
    }

    public static float[] Create(ulong seed, int count)
    {
        float[] noise = new float[count];
        Fill(seed, noise);
        return noise;
    }

    private static double Uniform(ulong seed, ulong index)
    {
        ulong z = unchecked(seed + ((index + 1) * Golden));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
