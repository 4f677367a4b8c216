// Hand-written: SkiaSharp and ScottPlot cannot write animated GIFs, and the other .NET GIF encoders are either
// commercially licensed (ImageSharp) or pull in System.Drawing; GIF89a with a fixed palette is ~350 lines here.
using System.Buffers.Binary;

namespace MixCacheOrt.Media;

/// <summary>
/// Writes a clip as an animated GIF89a that loops forever: a NETSCAPE2.0 application extension with loop count 0,
/// then per frame a graphic control extension (delay, disposal "do not dispose", no transparency) and a full-size
/// image compressed with GIF's LZW.
/// </summary>
/// <remarks>
/// <para>
/// Samples are converted to bytes as in <see cref="VideoFrames.ToBytes"/>. Colours: when the pixels a table is built
/// for (the whole clip for <see cref="GifColorTables.Global"/>, one frame for <see cref="GifColorTables.PerFrame"/>)
/// have at most 256 distinct colours, the table holds exactly those colours and the GIF reproduces the 8-bit frames
/// pixel for pixel. Otherwise the table comes from a deterministic median cut of those pixels, without dithering
/// (see <see cref="ColorPalette"/>): the same clip always gives the same file.
/// </para>
/// <para>
/// Colours are chosen before scaling, and scaling repeats each pixel's palette index (nearest neighbour), so
/// <c>scale</c> never changes which colours appear.
/// </para>
/// </remarks>
public static class GifWriter
{
    private const byte ExtensionIntroducer = 0x21;
    private const byte ImageSeparator = 0x2C;
    private const byte Trailer = 0x3B;

    /// <summary>Writes <paramref name="frames"/> as a looping animated GIF to <paramref name="stream"/>.</summary>
    /// <param name="stream">Where the file goes; left open.</param>
    /// <param name="frames">The clip.</param>
    /// <param name="delayCs">Time each frame is shown, in hundredths of a second (0..65535; viewers often treat
    /// values below 2 as 10).</param>
    /// <param name="scale">Each pixel becomes scale x scale pixels.</param>
    /// <param name="colorTables">One global colour table or one local table per frame.</param>
    /// <exception cref="ArgumentOutOfRangeException">A delay or scale outside its range, or a scaled size above
    /// GIF's 65535 pixels.</exception>
    public static void Write(
        Stream stream, VideoFrames frames, int delayCs = 10, int scale = 1, GifColorTables colorTables = GifColorTables.Global)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfNegative(delayCs);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delayCs, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        if (!Enum.IsDefined(colorTables))
        {
            throw new ArgumentOutOfRangeException(nameof(colorTables), colorTables, "Unknown colour table mode.");
        }

        long width = (long)frames.Width * scale;
        long height = (long)frames.Height * scale;
        if (width > ushort.MaxValue || height > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(
                nameof(scale), $"A {width} x {height} image is larger than GIF's 65535 x 65535 pixels.");
        }

        int[] pixels = PackPixels(frames);
        int pixelsPerFrame = frames.Height * frames.Width;
        ColorPalette? global = colorTables == GifColorTables.Global ? ColorPalette.Build(pixels) : null;

        WriteHeader(stream, (int)width, (int)height, global);
        WriteLoopExtension(stream);
        byte[] indices = new byte[pixelsPerFrame];
        for (int f = 0; f < frames.Frames; f++)
        {
            ReadOnlySpan<int> framePixels = pixels.AsSpan(f * pixelsPerFrame, pixelsPerFrame);
            ColorPalette palette = global ?? ColorPalette.Build(framePixels);
            for (int i = 0; i < framePixels.Length; i++)
            {
                indices[i] = palette.IndexOf(framePixels[i]);
            }

            WriteGraphicControl(stream, delayCs);
            WriteImage(
                stream,
                Scale(indices, frames.Width, frames.Height, scale),
                (int)width,
                (int)height,
                global is null ? palette : null,
                TableBits(palette.Colors.Length));
        }

        stream.WriteByte(Trailer);
    }

    /// <summary>Writes the GIF to <paramref name="path"/> atomically (<see cref="AtomicFile.Write"/>).</summary>
    public static void WriteFile(
        string path, VideoFrames frames, int delayCs = 10, int scale = 1, GifColorTables colorTables = GifColorTables.Global) =>
        AtomicFile.Write(path, stream => Write(stream, frames, delayCs, scale, colorTables));

    /// <summary>Bits per index of a colour table for <paramref name="colors"/> entries: 1..8 (tables hold 2^bits).</summary>
    internal static int TableBits(int colors)
    {
        int bits = 1;
        while ((1 << bits) < colors)
        {
            bits++;
        }

        return bits;
    }

    private static int[] PackPixels(VideoFrames frames)
    {
        float[] data = frames.Data;
        int[] pixels = new int[data.Length / VideoFrames.Channels];
        for (int p = 0, i = 0; p < pixels.Length; p++, i += VideoFrames.Channels)
        {
            pixels[p] = ColorPalette.Pack(
                VideoFrames.ToByte(data[i]), VideoFrames.ToByte(data[i + 1]), VideoFrames.ToByte(data[i + 2]));
        }

        return pixels;
    }

    private static byte[] Scale(byte[] indices, int width, int height, int scale)
    {
        if (scale == 1)
        {
            return indices;
        }

        int scaledWidth = width * scale;
        byte[] scaled = new byte[scaledWidth * height * scale];
        for (int y = 0; y < height; y++)
        {
            Span<byte> firstRow = scaled.AsSpan(y * scale * scaledWidth, scaledWidth);
            for (int x = 0; x < width; x++)
            {
                firstRow.Slice(x * scale, scale).Fill(indices[(y * width) + x]);
            }

            for (int r = 1; r < scale; r++)
            {
                firstRow.CopyTo(scaled.AsSpan(((y * scale) + r) * scaledWidth, scaledWidth));
            }
        }

        return scaled;
    }

    private static void WriteHeader(Stream stream, int width, int height, ColorPalette? global)
    {
        stream.Write("GIF89a"u8);
        Span<byte> screen = stackalloc byte[7];
        BinaryPrimitives.WriteUInt16LittleEndian(screen, (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(screen[2..], (ushort)height);
        // Packed: global table flag, colour resolution 8 bits (7), not sorted, table size 2^(n+1).
        screen[4] = 0x70;
        if (global is not null)
        {
            screen[4] |= (byte)(0x80 | (TableBits(global.Colors.Length) - 1));
        }

        screen[5] = 0; // background colour index
        screen[6] = 0; // no pixel aspect ratio
        stream.Write(screen);
        if (global is not null)
        {
            WriteColorTable(stream, global, TableBits(global.Colors.Length));
        }
    }

    private static void WriteLoopExtension(Stream stream)
    {
        stream.WriteByte(ExtensionIntroducer);
        stream.WriteByte(0xFF); // application extension
        stream.WriteByte(11);
        stream.Write("NETSCAPE2.0"u8);
        stream.Write([3, 1, 0, 0]); // sub-block of 3 bytes: id 1, loop count 0 (forever, little endian)
        stream.WriteByte(0); // block terminator
    }

    private static void WriteGraphicControl(Stream stream, int delayCs)
    {
        Span<byte> block = stackalloc byte[8];
        block[0] = ExtensionIntroducer;
        block[1] = 0xF9; // graphic control label
        block[2] = 4; // block size
        block[3] = 1 << 2; // disposal method 1 (do not dispose), no user input, no transparency
        BinaryPrimitives.WriteUInt16LittleEndian(block[4..], (ushort)delayCs);
        block[6] = 0; // transparent colour index (unused)
        block[7] = 0; // block terminator
        stream.Write(block);
    }

    private static void WriteImage(Stream stream, byte[] indices, int width, int height, ColorPalette? local, int bits)
    {
        Span<byte> descriptor = stackalloc byte[10];
        descriptor[0] = ImageSeparator;
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor[1..], 0); // left
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor[3..], 0); // top
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor[5..], (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor[7..], (ushort)height);
        descriptor[9] = local is null ? (byte)0 : (byte)(0x80 | (bits - 1)); // local table flag and size, no interlace
        stream.Write(descriptor);
        if (local is not null)
        {
            WriteColorTable(stream, local, bits);
        }

        int minimumCodeSize = Math.Max(2, bits);
        stream.WriteByte((byte)minimumCodeSize);
        byte[] data = GifLzw.Encode(indices, minimumCodeSize);
        for (int offset = 0; offset < data.Length; offset += 255)
        {
            int length = Math.Min(255, data.Length - offset);
            stream.WriteByte((byte)length);
            stream.Write(data, offset, length);
        }

        stream.WriteByte(0); // block terminator
    }

    private static void WriteColorTable(Stream stream, ColorPalette palette, int bits)
    {
        byte[] table = new byte[3 << bits]; // unused entries stay black
        for (int i = 0; i < palette.Colors.Length; i++)
        {
            int color = palette.Colors[i];
            table[3 * i] = (byte)(color >> 16);
            table[(3 * i) + 1] = (byte)(color >> 8);
            table[(3 * i) + 2] = (byte)color;
        }

        stream.Write(table);
    }
}
