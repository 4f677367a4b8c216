using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace MixCacheOrt.Tests.TestUtilities;

/// <summary>
/// A minimal PNG decoder for the tests (8-bit RGB, non-interlaced), written from the PNG specification independently
/// of <c>MixCacheOrt.Media.PngWriter</c>: it checks every chunk's CRC with a bit-by-bit CRC-32 (no table),
/// inflates with <see cref="ZLibStream"/> and undoes all five scanline filters.
/// </summary>
internal static class PngDecoder
{
    public static (int Width, int Height, byte[] Rgb, List<string> Chunks) Decode(byte[] file)
    {
        Assert.That(file.AsSpan(0, 8).ToArray(), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), "signature");
        int position = 8;
        int width = 0, height = 0;
        List<string> chunks = [];
        using MemoryStream idat = new();
        while (position < file.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(position));
            string type = Encoding.ASCII.GetString(file, position + 4, 4);
            byte[] data = file.AsSpan(position + 8, length).ToArray();
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(position + 8 + length));
            Assert.That(crc, Is.EqualTo(BitwiseCrc32(file.AsSpan(position + 4, 4 + length))), $"CRC of chunk {type}");
            chunks.Add(type);
            position += 12 + length;
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
                    Assert.That(data[8..], Is.EqualTo(new byte[] { 8, 2, 0, 0, 0 }), "bit depth 8, RGB, deflate, filter 0, no interlace");
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    Assert.That(position, Is.EqualTo(file.Length), "IEND is the last chunk");
                    break;
            }
        }

        idat.Position = 0;
        using ZLibStream zlib = new(idat, CompressionMode.Decompress);
        using MemoryStream raw = new();
        zlib.CopyTo(raw);
        byte[] filtered = raw.ToArray();
        int stride = width * 3;
        Assert.That(filtered, Has.Length.EqualTo((stride + 1) * height), "inflated size");

        byte[] rgb = new byte[stride * height];
        for (int y = 0; y < height; y++)
        {
            byte filter = filtered[y * (stride + 1)];
            for (int x = 0; x < stride; x++)
            {
                int value = filtered[(y * (stride + 1)) + 1 + x];
                int a = x >= 3 ? rgb[(y * stride) + x - 3] : 0;
                int b = y > 0 ? rgb[((y - 1) * stride) + x] : 0;
                int c = x >= 3 && y > 0 ? rgb[((y - 1) * stride) + x - 3] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new AssertionException($"filter type {filter}"),
                };
                rgb[(y * stride) + x] = (byte)(value + predictor);
            }
        }

        return (width, height, rgb, chunks);
    }

    /// <summary>CRC-32 (reflected 0xEDB88320) computed one bit at a time.</summary>
    public static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
            }
        }

        return ~crc;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
