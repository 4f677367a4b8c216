using System.Numerics.Tensors;
using MixCacheOrt.Media;

namespace MixCacheOrt.Metrics;

/// <summary>
/// Full-reference quality of a generated clip against a reference clip (e.g. cached against uncached generation):
/// PSNR and SSIM.
/// </summary>
public static class VideoSimilarity
{
    /// <summary>Side of the SSIM window: 11 pixels (Gaussian radius 5).</summary>
    public const int SsimWindow = 11;

    /// <summary>Standard deviation of the SSIM Gaussian window, in pixels.</summary>
    public const double SsimSigma = 1.5;

    /// <summary>SSIM stabiliser constant K1 (C1 = (K1 L)^2).</summary>
    public const double SsimK1 = 0.01;

    /// <summary>SSIM stabiliser constant K2 (C2 = (K2 L)^2).</summary>
    public const double SsimK2 = 0.03;

    private const int BlockLength = 1024;

    /// <summary>The normalised 1-D Gaussian; the 2-D window is its outer product (also normalised).</summary>
    private static readonly double[] s_gaussian = BuildGaussian();

    /// <summary>
    /// Peak signal-to-noise ratio in decibels over all elements:
    /// <c>10 log10(dataRange^2 / MSE)</c> with <c>MSE = mean((reference - test)^2)</c>.
    /// </summary>
    /// <param name="reference">The reference samples.</param>
    /// <param name="test">The samples to compare, same length.</param>
    /// <param name="dataRange">Peak-to-peak range of the data: 1 for [0, 1] samples, 255 for bytes.</param>
    /// <returns>
    /// PSNR in dB; <see cref="double.PositiveInfinity"/> when the inputs are identical (MSE = 0). NaN in the inputs
    /// gives NaN.
    /// </returns>
    /// <exception cref="ArgumentException">The inputs are empty or differ in length, or the range is not positive.</exception>
    public static double Psnr(ReadOnlySpan<float> reference, ReadOnlySpan<float> test, float dataRange = 1f)
    {
        if (reference.Length != test.Length || reference.IsEmpty)
        {
            throw new ArgumentException(
                $"PSNR needs two non-empty inputs of the same length, got {reference.Length} and {test.Length} elements.",
                nameof(test));
        }

        if (!(dataRange > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(dataRange), dataRange, "The data range must be positive.");
        }

        // Squared distance block by block: TensorPrimitives sums each block in float, blocks add up in double.
        Span<float> difference = stackalloc float[BlockLength];
        double squaredError = 0;
        for (int start = 0; start < reference.Length; start += BlockLength)
        {
            int length = Math.Min(BlockLength, reference.Length - start);
            Span<float> delta = difference[..length];
            TensorPrimitives.Subtract(reference.Slice(start, length), test.Slice(start, length), delta);
            squaredError += TensorPrimitives.SumOfSquares<float>(delta);
        }

        if (squaredError == 0)
        {
            return double.PositiveInfinity;
        }

        double meanSquaredError = squaredError / reference.Length;
        return 10 * Math.Log10((double)dataRange * dataRange / meanSquaredError);
    }

    /// <summary><see cref="Psnr(ReadOnlySpan{float}, ReadOnlySpan{float}, float)"/> over two whole clips.</summary>
    /// <exception cref="ArgumentException">The clips differ in size.</exception>
    public static double Psnr(VideoFrames reference, VideoFrames test, float dataRange = 1f)
    {
        EnsureSameSize(reference, test);
        return Psnr(reference.Data, test.Data, dataRange);
    }

    /// <summary>
    /// Mean structural similarity (SSIM, Wang, Bovik, Sheikh and Simoncelli 2004) of two clips: 1 for identical
    /// clips, lower for less similar ones (it can be negative).
    /// </summary>
    /// <remarks>
    /// <para>
    /// Convention: that of <c>skimage.metrics.structural_similarity(reference, test, gaussian_weights=True,
    /// sigma=1.5, use_sample_covariance=False, data_range=dataRange, channel_axis=-1)</c> applied to each frame, on
    /// float64 data, averaged over frames. In detail, for every frame and every RGB channel separately:
    /// local means, variances and covariance are weighted by an 11 x 11 Gaussian window (sigma 1.5, weights
    /// normalised to sum 1; separable), the variances and covariance use the population form
    /// (<c>E[x^2] - E[x]^2</c>, no N/(N-1) correction), and
    /// <c>SSIM = ((2 mx my + C1)(2 sxy + C2)) / ((mx^2 + my^2 + C1)(sx^2 + sy^2 + C2))</c> with
    /// <c>C1 = (0.01 L)^2</c>, <c>C2 = (0.03 L)^2</c>, L = <paramref name="dataRange"/>. The SSIM map is averaged over
    /// the 'valid' window positions only (windows entirely inside the frame: (H - 10) x (W - 10) of them), which
    /// is what skimage's final crop by the window radius amounts to, so no padding mode is involved. The result is
    /// the mean over frames and channels of those per-channel means.
    /// </para>
    /// <para>Arithmetic is in double precision.</para>
    /// </remarks>
    /// <exception cref="ArgumentException">The clips differ in size, or frames are smaller than 11 x 11.</exception>
    public static double Ssim(VideoFrames reference, VideoFrames test, float dataRange = 1f)
    {
        EnsureSameSize(reference, test);
        if (!(dataRange > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(dataRange), dataRange, "The data range must be positive.");
        }

        int height = reference.Height;
        int width = reference.Width;
        if (height < SsimWindow || width < SsimWindow)
        {
            throw new ArgumentException(
                $"SSIM needs frames of at least {SsimWindow} x {SsimWindow} pixels; these are {height} x {width}.", nameof(reference));
        }

        SsimWorkspace workspace = new(height, width);
        double c1 = Math.Pow(SsimK1 * dataRange, 2);
        double c2 = Math.Pow(SsimK2 * dataRange, 2);
        double total = 0;
        for (int f = 0; f < reference.Frames; f++)
        {
            ReadOnlySpan<float> x = reference.GetFrame(f);
            ReadOnlySpan<float> y = test.GetFrame(f);
            for (int channel = 0; channel < VideoFrames.Channels; channel++)
            {
                total += workspace.MeanSsim(x, y, channel, c1, c2);
            }
        }

        return total / (reference.Frames * VideoFrames.Channels);
    }

    private static void EnsureSameSize(VideoFrames reference, VideoFrames test)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(test);
        if (reference.Frames != test.Frames || reference.Height != test.Height || reference.Width != test.Width)
        {
            throw new ArgumentException(
                $"The clips differ in size: [{reference.Frames}, {reference.Height}, {reference.Width}] and " +
                $"[{test.Frames}, {test.Height}, {test.Width}].",
                nameof(test));
        }
    }

    private static double[] BuildGaussian()
    {
        int radius = SsimWindow / 2;
        double[] weights = new double[SsimWindow];
        for (int i = 0; i < SsimWindow; i++)
        {
            double d = i - radius;
            weights[i] = Math.Exp(-0.5 * d * d / (SsimSigma * SsimSigma));
        }

        double sum = TensorPrimitives.Sum<double>(weights);
        TensorPrimitives.Divide(weights, sum, weights);
        return weights;
    }

    /// <summary>Buffers for one frame size, reused for every frame and channel.</summary>
    private sealed class SsimWorkspace
    {
        private readonly int height;
        private readonly int width;
        private readonly int outHeight;
        private readonly int outWidth;
        private readonly double[] x;
        private readonly double[] y;
        private readonly double[] product;
        private readonly double[] rows;
        private readonly double[] meanX;
        private readonly double[] meanY;
        private readonly double[] meanXx;
        private readonly double[] meanYy;
        private readonly double[] meanXy;

        public SsimWorkspace(int height, int width)
        {
            this.height = height;
            this.width = width;
            this.outHeight = height - SsimWindow + 1;
            this.outWidth = width - SsimWindow + 1;
            this.x = new double[height * width];
            this.y = new double[height * width];
            this.product = new double[height * width];
            this.rows = new double[height * this.outWidth];
            int outLength = this.outHeight * this.outWidth;
            this.meanX = new double[outLength];
            this.meanY = new double[outLength];
            this.meanXx = new double[outLength];
            this.meanYy = new double[outLength];
            this.meanXy = new double[outLength];
        }

        /// <summary>Mean SSIM over the valid windows of one channel of one frame pair ([H, W, 3] each).</summary>
        public double MeanSsim(ReadOnlySpan<float> frameX, ReadOnlySpan<float> frameY, int channel, double c1, double c2)
        {
            for (int i = 0, j = channel; i < this.x.Length; i++, j += VideoFrames.Channels)
            {
                this.x[i] = frameX[j];
                this.y[i] = frameY[j];
            }

            this.FilterValid(this.x, this.meanX);
            this.FilterValid(this.y, this.meanY);
            TensorPrimitives.Multiply<double>(this.x, this.x, this.product);
            this.FilterValid(this.product, this.meanXx);
            TensorPrimitives.Multiply<double>(this.y, this.y, this.product);
            this.FilterValid(this.product, this.meanYy);
            TensorPrimitives.Multiply<double>(this.x, this.y, this.product);
            this.FilterValid(this.product, this.meanXy);

            double sum = 0;
            for (int i = 0; i < this.meanX.Length; i++)
            {
                double mx = this.meanX[i];
                double my = this.meanY[i];
                double varianceX = this.meanXx[i] - (mx * mx);
                double varianceY = this.meanYy[i] - (my * my);
                double covariance = this.meanXy[i] - (mx * my);
                sum += ((2 * mx * my) + c1) * ((2 * covariance) + c2)
                    / (((mx * mx) + (my * my) + c1) * (varianceX + varianceY + c2));
            }

            return sum / this.meanX.Length;
        }

        /// <summary>Gaussian-weighted window means at every valid position: rows first, then columns.</summary>
        private void FilterValid(ReadOnlySpan<double> image, Span<double> result)
        {
            ReadOnlySpan<double> weights = s_gaussian;
            for (int r = 0; r < this.height; r++)
            {
                ReadOnlySpan<double> source = image.Slice(r * this.width, this.width);
                Span<double> target = this.rows.AsSpan(r * this.outWidth, this.outWidth);
                TensorPrimitives.Multiply(source[..this.outWidth], weights[0], target);
                for (int k = 1; k < SsimWindow; k++)
                {
                    TensorPrimitives.MultiplyAdd(source.Slice(k, this.outWidth), weights[k], target, target);
                }
            }

            for (int r = 0; r < this.outHeight; r++)
            {
                Span<double> target = result.Slice(r * this.outWidth, this.outWidth);
                TensorPrimitives.Multiply(this.rows.AsSpan(r * this.outWidth, this.outWidth), weights[0], target);
                for (int k = 1; k < SsimWindow; k++)
                {
                    TensorPrimitives.MultiplyAdd(this.rows.AsSpan((r + k) * this.outWidth, this.outWidth), weights[k], target, target);
                }
            }
        }
    }
}
