// Hand-written: the low band has a handful of frequencies, so projecting on them (a masked DFT) is cheaper than any
// full FFT a library offers (MathNet's included), and it matches numpy's fftshift/ifft2 result (tested).
namespace MixCacheOrt.Numerics;

/// <summary>
/// FasterCache's low/high-frequency split of a latent, per (channel, frame) plane of H×W: the low band is the
/// centred disc of radius <c>min(H, W) / 5</c> of the <c>fftshift</c>-ed 2-D spectrum, the high band the rest.
/// Both bands are returned in the spatial domain (the split is linear, so <c>low + high = input</c>).
/// </summary>
/// <remarks>
/// The low band holds few frequencies (5 on an 8×8 latent), so it is computed by projecting each plane on them
/// (a masked DFT, O(H·W·|disc|) per plane) instead of a full FFT; the high band is <c>input − low</c>. Frequency
/// (ky, kx) lies in the disc when its signed offsets from the fftshift centre satisfy dy² + dx² ≤ r².
/// </remarks>
public sealed class FrequencySplit
{
    private readonly int height;
    private readonly int width;
    private readonly float[] cosTable; // [frequency, pixel]
    private readonly float[] sinTable;
    private readonly int frequencies;

    public FrequencySplit(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        this.height = height;
        this.width = width;
        this.Radius = Math.Min(height, width) / 5;
        var disc = new List<(int Ky, int Kx)>();
        for (int ky = 0; ky < height; ky++)
        {
            for (int kx = 0; kx < width; kx++)
            {
                int dy = Signed(ky, height), dx = Signed(kx, width);
                if ((dy * dy) + (dx * dx) <= this.Radius * this.Radius)
                {
                    disc.Add((ky, kx));
                }
            }
        }

        this.frequencies = disc.Count;
        int pixels = height * width;
        this.cosTable = new float[this.frequencies * pixels];
        this.sinTable = new float[this.frequencies * pixels];
        for (int f = 0; f < this.frequencies; f++)
        {
            (int ky, int kx) = disc[f];
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    double phase = 2 * Math.PI * ((ky * (double)y / height) + (kx * (double)x / width));
                    this.cosTable[(f * pixels) + (y * width) + x] = (float)Math.Cos(phase);
                    this.sinTable[(f * pixels) + (y * width) + x] = (float)Math.Sin(phase);
                }
            }
        }
    }

    /// <summary>Radius of the low-frequency disc (<c>min(H, W) / 5</c>, integer division as in the reference).</summary>
    public int Radius { get; }

    /// <summary>Number of frequencies in the low band.</summary>
    public int LowFrequencyCount => this.frequencies;

    /// <summary>
    /// The low band's frequencies as a [2K, H·W] matrix, row-major: K rows cos φ then K rows sin φ. The low band of a
    /// plane x is (x·Bᵀ)·B / (H·W), which the pipeline computes on the device (<c>DeviceTensorOps.LowPass</c>).
    /// </summary>
    public float[] LowBandBasis() => [.. this.cosTable, .. this.sinTable];

    /// <summary>
    /// Splits <paramref name="input"/> (whole planes of H×W, any number of them) into <paramref name="low"/> and
    /// <paramref name="high"/>.
    /// </summary>
    public void Split(ReadOnlySpan<float> input, Span<float> low, Span<float> high)
    {
        int pixels = this.height * this.width;
        if (input.Length % pixels != 0 || low.Length != input.Length || high.Length != input.Length)
        {
            throw new ArgumentException($"input must be whole {this.height}x{this.width} planes and low/high as long as input");
        }

        for (int start = 0; start < input.Length; start += pixels)
        {
            ReadOnlySpan<float> plane = input.Slice(start, pixels);
            Span<float> lowPlane = low.Slice(start, pixels);
            lowPlane.Clear();
            for (int f = 0; f < this.frequencies; f++)
            {
                ReadOnlySpan<float> c = this.cosTable.AsSpan(f * pixels, pixels);
                ReadOnlySpan<float> s = this.sinTable.AsSpan(f * pixels, pixels);

                // X[k] = Σ x·e^{-iφ} = Σ x·cos φ − i Σ x·sin φ; the inverse adds Re(X[k]·e^{iφ}) / (H·W).
                float re = System.Numerics.Tensors.TensorPrimitives.Dot(plane, c) / pixels;
                float im = -System.Numerics.Tensors.TensorPrimitives.Dot(plane, s) / pixels;
                for (int p = 0; p < pixels; p++)
                {
                    lowPlane[p] += (re * c[p]) - (im * s[p]);
                }
            }

            System.Numerics.Tensors.TensorPrimitives.Subtract(plane, lowPlane, high.Slice(start, pixels));
        }
    }

    // Offset of DFT index k from the fftshift centre (k + n/2 mod n) − n/2, i.e. k or k − n.
    private static int Signed(int k, int n) => k <= n - 1 - (n / 2) ? k : k - n;
}
