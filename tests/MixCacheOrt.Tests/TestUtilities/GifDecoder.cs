using System.Text;

namespace MixCacheOrt.Tests.TestUtilities;

/// <summary>
/// A minimal GIF decoder written for the tests from the GIF89a specification, independently of
/// <c>MixCacheOrt.Media.GifWriter</c>: it keeps the LZW string table as a list of byte strings and reports
/// everything the tests check (tables, loop count, delays, clear codes).
/// </summary>
internal static class GifDecoder
{
    public static GifFile Decode(byte[] file)
    {
        Reader r = new(file);
        string signature = Encoding.ASCII.GetString(r.Bytes(6));
        Assert.That(signature, Is.EqualTo("GIF89a"), "signature");
        int width = r.UInt16();
        int height = r.UInt16();
        byte packed = r.Byte();
        r.Byte(); // background colour index
        r.Byte(); // aspect ratio
        byte[]? globalTable = (packed & 0x80) != 0 ? r.Bytes(3 << ((packed & 7) + 1)) : null;

        byte[] canvas = new byte[width * height * 3];
        List<GifFrame> frames = [];
        int? loopCount = null;
        int pendingDelay = 0;
        int pendingDisposal = 0;
        while (true)
        {
            byte introducer = r.Byte();
            if (introducer == 0x3B)
            {
                break;
            }

            if (introducer == 0x21)
            {
                byte label = r.Byte();
                List<byte[]> blocks = r.SubBlocks();
                if (label == 0xFF && Encoding.ASCII.GetString(blocks[0]) == "NETSCAPE2.0")
                {
                    Assert.That(blocks[1], Has.Length.EqualTo(3), "NETSCAPE2.0 loop sub-block");
                    Assert.That(blocks[1][0], Is.EqualTo(1), "NETSCAPE2.0 loop sub-block id");
                    loopCount = blocks[1][1] | (blocks[1][2] << 8);
                }
                else if (label == 0xF9)
                {
                    Assert.That(blocks[0], Has.Length.EqualTo(4), "graphic control block size");
                    pendingDisposal = (blocks[0][0] >> 2) & 7;
                    pendingDelay = blocks[0][1] | (blocks[0][2] << 8);
                }

                continue;
            }

            Assert.That(introducer, Is.EqualTo(0x2C), $"unexpected block 0x{introducer:X2} at byte {r.Position - 1}");
            int left = r.UInt16();
            int top = r.UInt16();
            int w = r.UInt16();
            int h = r.UInt16();
            byte imagePacked = r.Byte();
            Assert.That(imagePacked & 0x40, Is.Zero, "interlaced images are not expected");
            byte[]? localTable = (imagePacked & 0x80) != 0 ? r.Bytes(3 << ((imagePacked & 7) + 1)) : null;
            byte[] table = localTable ?? globalTable ?? throw new AssertionException("image without a colour table");
            int minimumCodeSize = r.Byte();
            byte[] data = [.. r.SubBlocks().SelectMany(b => b)];
            (byte[] indices, int clearCodes) = DecodeLzw(data, minimumCodeSize, w * h);
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    int index = indices[(y * w) + x];
                    Assert.That(3 * index, Is.LessThan(table.Length), "palette index beyond the table");
                    int o = (((top + y) * width) + left + x) * 3;
                    canvas[o] = table[3 * index];
                    canvas[o + 1] = table[(3 * index) + 1];
                    canvas[o + 2] = table[(3 * index) + 2];
                }
            }

            frames.Add(new GifFrame((byte[])canvas.Clone(), pendingDelay, pendingDisposal, localTable, clearCodes));
        }

        return new GifFile(width, height, globalTable, loopCount, frames);
    }

    /// <summary>Decodes one image's LZW data into exactly <paramref name="pixelCount"/> indices.</summary>
    public static (byte[] Indices, int ClearCodes) DecodeLzw(byte[] data, int minimumCodeSize, int pixelCount)
    {
        int clear = 1 << minimumCodeSize;
        int end = clear + 1;
        List<byte[]> strings = [];
        int codeSize = 0;
        void Reset()
        {
            strings.Clear();
            for (int i = 0; i < clear; i++)
            {
                strings.Add([(byte)i]);
            }

            strings.Add([]); // clear
            strings.Add([]); // end
            codeSize = minimumCodeSize + 1;
        }

        Reset();
        List<byte> output = [];
        byte[]? previous = null;
        int clearCodes = 0;
        long bit = 0;
        bool ended = false;
        while (bit + codeSize <= data.Length * 8L)
        {
            int code = 0;
            for (int i = 0; i < codeSize; i++, bit++)
            {
                code |= ((data[bit / 8] >> (int)(bit % 8)) & 1) << i;
            }

            if (code == clear)
            {
                clearCodes++;
                Reset();
                previous = null;
                continue;
            }

            if (code == end)
            {
                ended = true;
                break;
            }

            byte[] entry;
            if (code < strings.Count)
            {
                entry = strings[code];
            }
            else if (code == strings.Count && previous is not null)
            {
                entry = [.. previous, previous[0]];
            }
            else
            {
                throw new AssertionException($"LZW code {code} is not in the table of {strings.Count}");
            }

            output.AddRange(entry);
            if (previous is not null && strings.Count < 4096)
            {
                strings.Add([.. previous, entry[0]]);
            }

            previous = entry;
            if (strings.Count == (1 << codeSize) && codeSize < 12)
            {
                codeSize++;
            }
        }

        Assert.That(ended, Is.True, "LZW data must finish with the end code");
        Assert.That(output, Has.Count.EqualTo(pixelCount), "decoded pixel count");
        return ([.. output], clearCodes);
    }

    private sealed class Reader(byte[] data)
    {
        public int Position { get; private set; }

        public byte Byte() => data[this.Position++];

        public int UInt16() => this.Byte() | (this.Byte() << 8);

        public byte[] Bytes(int count)
        {
            byte[] bytes = data.AsSpan(this.Position, count).ToArray();
            this.Position += count;
            return bytes;
        }

        public List<byte[]> SubBlocks()
        {
            List<byte[]> blocks = [];
            for (int length = this.Byte(); length != 0; length = this.Byte())
            {
                blocks.Add(this.Bytes(length));
            }

            return blocks;
        }
    }
}

/// <summary>A decoded GIF: screen size, global table (RGB triples), NETSCAPE2.0 loop count and frames.</summary>
internal sealed record GifFile(int Width, int Height, byte[]? GlobalTable, int? LoopCount, List<GifFrame> Frames);

/// <summary>One composed frame (RGB, screen size), its delay (1/100 s), disposal method, local table and clear codes seen.</summary>
internal sealed record GifFrame(byte[] Rgb, int DelayCs, int Disposal, byte[]? LocalTable, int ClearCodes);
