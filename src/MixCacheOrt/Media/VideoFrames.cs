namespace MixCacheOrt.Media;

/// <summary>
/// An RGB clip: <see cref="Frames"/> frames of <see cref="Height"/> x <see cref="Width"/> pixels, stored as
/// <see cref="Data"/> in the layout [F, H, W, 3] (channel last, C order) with values meant to lie in [0, 1].
/// This is exactly one batch item of what a model package's <c>decoder.onnx</c> outputs.
/// </summary>
/// <remarks>
/// The clip is immutable by convention: the constructor keeps the array it is given (no copy, so a decoder output
/// can be wrapped for free) and nothing in this library writes to <see cref="Data"/> afterwards. Callers must not
/// modify the array either. Values outside [0, 1] are kept as they are; <see cref="ToBytes"/> clamps them.
/// </remarks>
public sealed class VideoFrames
{
    /// <summary>Colour channels per pixel (RGB).</summary>
    public const int Channels = 3;

    /// <summary>Wraps <paramref name="data"/> ([F, H, W, 3]) without copying it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="data"/> does not have F * H * W * 3 elements.</exception>
    public VideoFrames(int frames, int height, int width, float[] data)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentNullException.ThrowIfNull(data);
        long expected = (long)frames * height * width * Channels;
        if (data.LongLength != expected)
        {
            throw new ArgumentException(
                $"A clip of {frames} x {height} x {width} x {Channels} needs {expected} values but the data has {data.LongLength}.",
                nameof(data));
        }

        this.Frames = frames;
        this.Height = height;
        this.Width = width;
        this.Data = data;
    }

    /// <summary>Number of frames (F).</summary>
    public int Frames { get; }

    /// <summary>Frame height in pixels (H).</summary>
    public int Height { get; }

    /// <summary>Frame width in pixels (W).</summary>
    public int Width { get; }

    /// <summary>The samples, [F, H, W, 3] in C order. Do not modify.</summary>
    public float[] Data { get; }

    /// <summary>Values per frame: H * W * 3.</summary>
    public int FrameLength => this.Height * this.Width * Channels;

    /// <summary>
    /// Copies batch item <paramref name="index"/> out of a [B, F, H, W, 3] buffer such as a whole
    /// <c>decoder.onnx</c> output.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The item lies outside <paramref name="batch"/>.</exception>
    public static VideoFrames FromBatch(ReadOnlySpan<float> batch, int index, int frames, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        long itemLength = (long)frames * height * width * Channels;
        long start = index * itemLength;
        if (start + itemLength > batch.Length)
        {
            throw new ArgumentOutOfRangeException(
                nameof(index),
                $"Batch item {index} of {itemLength} values does not fit in a buffer of {batch.Length}.");
        }

        return new VideoFrames(frames, height, width, batch.Slice((int)start, (int)itemLength).ToArray());
    }

    /// <summary>The samples of frame <paramref name="index"/>, [H, W, 3].</summary>
    public ReadOnlySpan<float> GetFrame(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, this.Frames);
        return this.Data.AsSpan(index * this.FrameLength, this.FrameLength);
    }

    /// <summary>
    /// 8-bit samples in the same layout: each value is clamped to [0, 1], then mapped to
    /// <c>floor(v * 255 + 0.5)</c> (rounding halves up, as <c>exporters/evaluate.py</c> does). NaN becomes 0.
    /// </summary>
    public byte[] ToBytes()
    {
        byte[] bytes = new byte[this.Data.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = ToByte(this.Data[i]);
        }

        return bytes;
    }

    /// <summary>
    /// A clip <paramref name="factor"/> times larger in both directions, each pixel repeated factor x factor
    /// times (nearest neighbour). A factor of 1 returns this clip.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="factor"/> is not positive.</exception>
    public VideoFrames Upscale(int factor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        if (factor == 1)
        {
            return this;
        }

        int height = checked(this.Height * factor);
        int width = checked(this.Width * factor);
        float[] data = new float[checked((long)this.Frames * height * width * Channels)];
        int rowLength = width * Channels;
        for (int f = 0; f < this.Frames; f++)
        {
            ReadOnlySpan<float> source = this.GetFrame(f);
            Span<float> target = data.AsSpan(f * height * rowLength, height * rowLength);
            for (int y = 0; y < this.Height; y++)
            {
                Span<float> firstRow = target.Slice(y * factor * rowLength, rowLength);
                for (int x = 0; x < this.Width; x++)
                {
                    ReadOnlySpan<float> pixel = source.Slice(((y * this.Width) + x) * Channels, Channels);
                    for (int r = 0; r < factor; r++)
                    {
                        pixel.CopyTo(firstRow[(((x * factor) + r) * Channels)..]);
                    }
                }

                for (int r = 1; r < factor; r++)
                {
                    firstRow.CopyTo(target.Slice(((y * factor) + r) * rowLength, rowLength));
                }
            }
        }

        return new VideoFrames(this.Frames, height, width, data);
    }

    /// <inheritdoc/>
    public override string ToString() => $"VideoFrames [{this.Frames}, {this.Height}, {this.Width}, {Channels}]";

    /// <summary>One sample to 8 bits: clamp to [0, 1], then floor(v * 255 + 0.5); NaN gives 0.</summary>
    internal static byte ToByte(float value)
    {
        if (!(value > 0f))
        {
            return 0; // also NaN
        }

        return value >= 1f ? (byte)255 : (byte)((value * 255f) + 0.5f);
    }
}
