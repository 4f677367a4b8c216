using SkiaSharp;

namespace MixCacheOrt.Media;

/// <summary>
/// Writes 8-bit PNG images of clips, encoded by SkiaSharp: one frame, or a contact sheet with every frame in a grid.
/// This file only lays frames out (scaling, grid); the PNG encoding is SkiaSharp's.
/// </summary>
public static class PngWriter
{
    /// <summary>
    /// Writes frame <paramref name="frame"/> of <paramref name="frames"/>, each pixel repeated
    /// <paramref name="scale"/> x <paramref name="scale"/> times. Samples become bytes as in
    /// <see cref="VideoFrames.ToBytes"/>.
    /// </summary>
    public static void Write(Stream stream, VideoFrames frames, int frame = 0, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        ReadOnlySpan<float> source = frames.GetFrame(frame);
        int width = checked(frames.Width * scale);
        int height = checked(frames.Height * scale);
        byte[] rgb = new byte[checked(width * height * 3)];
        Blit(source, frames.Width, frames.Height, scale, rgb, width, 0, 0);
        WriteRgb(stream, rgb, width, height);
    }

    /// <summary>
    /// Writes all frames as a grid, left to right then top to bottom: <paramref name="columns"/> frames per row
    /// (0 = all frames in one row), <paramref name="gap"/> white pixels between cells, unused cells white.
    /// </summary>
    public static void WriteContactSheet(Stream stream, VideoFrames frames, int columns = 0, int scale = 1, int gap = 0)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        ArgumentOutOfRangeException.ThrowIfNegative(gap);
        columns = columns == 0 ? frames.Frames : Math.Min(columns, frames.Frames);
        int rows = (frames.Frames + columns - 1) / columns;
        int cellWidth = checked(frames.Width * scale);
        int cellHeight = checked(frames.Height * scale);
        int width = checked((columns * cellWidth) + ((columns - 1) * gap));
        int height = checked((rows * cellHeight) + ((rows - 1) * gap));
        byte[] rgb = new byte[checked(width * height * 3)];
        rgb.AsSpan().Fill(255);
        for (int f = 0; f < frames.Frames; f++)
        {
            int left = (f % columns) * (cellWidth + gap);
            int top = (f / columns) * (cellHeight + gap);
            Blit(frames.GetFrame(f), frames.Width, frames.Height, scale, rgb, width, left, top);
        }

        WriteRgb(stream, rgb, width, height);
    }

    /// <summary>Writes an image given as 8-bit RGB triples, row by row from the top ([H, W, 3]).</summary>
    /// <exception cref="ArgumentException"><paramref name="rgb"/> does not have width * height * 3 bytes.</exception>
    public static void WriteRgb(Stream stream, ReadOnlySpan<byte> rgb, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        int rowLength = checked(width * 3);
        if (rgb.Length != (long)rowLength * height)
        {
            throw new ArgumentException(
                $"A {width} x {height} RGB image needs {(long)rowLength * height} bytes but got {rgb.Length}.", nameof(rgb));
        }

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        Span<byte> rgba = bitmap.GetPixelSpan();
        for (int i = 0, o = 0; i < rgb.Length; i += 3, o += 4)
        {
            rgba[o] = rgb[i];
            rgba[o + 1] = rgb[i + 1];
            rgba[o + 2] = rgb[i + 2];
            rgba[o + 3] = 255;
        }

        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new IOException($"SkiaSharp could not encode a {width} x {height} PNG");
        png.SaveTo(stream);
    }

    /// <summary>Copies one [h, w, 3] float frame, scaled up, into an RGB byte image at (left, top).</summary>
    private static void Blit(
        ReadOnlySpan<float> frame, int frameWidth, int frameHeight, int scale, Span<byte> image, int imageWidth, int left, int top)
    {
        int rowLength = frameWidth * scale * 3;
        for (int y = 0; y < frameHeight; y++)
        {
            Span<byte> firstRow = image.Slice((((top + (y * scale)) * imageWidth) + left) * 3, rowLength);
            for (int x = 0; x < frameWidth; x++)
            {
                int i = ((y * frameWidth) + x) * 3;
                byte r = VideoFrames.ToByte(frame[i]);
                byte g = VideoFrames.ToByte(frame[i + 1]);
                byte b = VideoFrames.ToByte(frame[i + 2]);
                for (int s = 0; s < scale; s++)
                {
                    int o = ((x * scale) + s) * 3;
                    firstRow[o] = r;
                    firstRow[o + 1] = g;
                    firstRow[o + 2] = b;
                }
            }

            for (int s = 1; s < scale; s++)
            {
                firstRow.CopyTo(image.Slice((((top + (y * scale) + s) * imageWidth) + left) * 3, rowLength));
            }
        }
    }
}
