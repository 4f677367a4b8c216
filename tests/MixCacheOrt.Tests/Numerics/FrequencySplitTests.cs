using System.Numerics;
using MixCacheOrt.Numerics;

namespace MixCacheOrt.Tests.Numerics;

public sealed class FrequencySplitTests
{
    [Test]
    public void LowBandOfAnEightByEightPlaneIsTheCentreAndItsFourNeighbours()
    {
        var split = new FrequencySplit(8, 8);
        Assert.That(split.Radius, Is.EqualTo(1), "min(8, 8) / 5 = 1");
        Assert.That(split.LowFrequencyCount, Is.EqualTo(5));
    }

    [Test]
    public void ConstantPlaneIsAllLowFrequencyAndCheckerboardAllHigh()
    {
        var split = new FrequencySplit(8, 8);
        float[] constant = Enumerable.Repeat(0.7f, 64).ToArray();
        float[] checker = [.. Enumerable.Range(0, 64).Select(i => ((i / 8) + (i % 8)) % 2 == 0 ? 1f : -1f)];
        float[] low = new float[64], high = new float[64];
        split.Split(constant, low, high);
        Assert.That(low, Is.EqualTo(constant).Within(1e-6));
        Assert.That(high, Is.All.EqualTo(0f).Within(1e-6));
        split.Split(checker, low, high);
        Assert.That(low, Is.All.EqualTo(0f).Within(1e-6));
        Assert.That(high, Is.EqualTo(checker).Within(1e-6));
    }

    [TestCase(8, 8)]
    [TestCase(6, 10)]
    [TestCase(15, 11)]
    public void MatchesAMaskedFullDftComputedIndependently(int height, int width)
    {
        var rng = new Random(3);
        int planes = 3, pixels = height * width;
        float[] input = [.. Enumerable.Range(0, planes * pixels).Select(_ => (float)((rng.NextDouble() * 2) - 1))];
        float[] low = new float[input.Length], high = new float[input.Length];
        new FrequencySplit(height, width).Split(input, low, high);
        for (int p = 0; p < planes; p++)
        {
            double[] expected = MaskedInverse(input.AsSpan(p * pixels, pixels).ToArray(), height, width);
            for (int i = 0; i < pixels; i++)
            {
                Assert.That(low[(p * pixels) + i], Is.EqualTo(expected[i]).Within(1e-5));
                Assert.That(low[(p * pixels) + i] + high[(p * pixels) + i], Is.EqualTo(input[(p * pixels) + i]).Within(1e-5));
            }
        }
    }

    [Test]
    public void RejectsPartialPlanes()
    {
        var split = new FrequencySplit(4, 4);
        Assert.Throws<ArgumentException>(() => split.Split(new float[17], new float[17], new float[17]));
    }

    // The reference's recipe spelled out: fft2, fftshift, keep the centred disc of radius min(H, W) // 5,
    // ifftshift, ifft2, real part — with a brute-force complex DFT.
    private static double[] MaskedInverse(float[] x, int h, int w)
    {
        var spectrum = new Complex[h, w];
        for (int ky = 0; ky < h; ky++)
        {
            for (int kx = 0; kx < w; kx++)
            {
                Complex sum = 0;
                for (int y = 0; y < h; y++)
                {
                    for (int xx = 0; xx < w; xx++)
                    {
                        sum += x[(y * w) + xx] * Complex.Exp(-Complex.ImaginaryOne * 2 * Math.PI * (((double)ky * y / h) + ((double)kx * xx / w)));
                    }
                }

                spectrum[ky, kx] = sum;
            }
        }

        int radius = Math.Min(h, w) / 5;
        var shifted = new Complex[h, w];
        for (int ky = 0; ky < h; ky++)
        {
            for (int kx = 0; kx < w; kx++)
            {
                shifted[(ky + (h / 2)) % h, (kx + (w / 2)) % w] = spectrum[ky, kx]; // fftshift
            }
        }

        for (int sy = 0; sy < h; sy++)
        {
            for (int sx = 0; sx < w; sx++)
            {
                int dy = sy - (h / 2), dx = sx - (w / 2);
                if ((dy * dy) + (dx * dx) > radius * radius)
                {
                    shifted[sy, sx] = 0;
                }
            }
        }

        var result = new double[h * w];
        for (int y = 0; y < h; y++)
        {
            for (int xx = 0; xx < w; xx++)
            {
                Complex sum = 0;
                for (int sy = 0; sy < h; sy++)
                {
                    for (int sx = 0; sx < w; sx++)
                    {
                        int ky = (sy - (h / 2) + h) % h, kx = (sx - (w / 2) + w) % w; // ifftshift
                        sum += shifted[sy, sx] * Complex.Exp(Complex.ImaginaryOne * 2 * Math.PI * (((double)ky * y / h) + ((double)kx * xx / w)));
                    }
                }

                result[(y * w) + xx] = sum.Real / (h * w);
            }
        }

        return result;
    }
}
