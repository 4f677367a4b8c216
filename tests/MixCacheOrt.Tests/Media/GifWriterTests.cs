using MixCacheOrt.Media;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Media;

/// <summary>GIFs are read back with the independent <see cref="GifDecoder"/> (and Pillow, where installed).</summary>
public sealed class GifWriterTests
{
    private static VideoFrames MovingDisk() =>
        TestClips.Moving(TestClips.Disk, TestClips.Red, TestClips.Dark, radius: 5, x0: 8, y0: 16, vx: 2, vy: 0);

    private static byte[] WriteGif(VideoFrames clip, int delayCs = 10, int scale = 1, GifColorTables tables = GifColorTables.Global)
    {
        using MemoryStream stream = new();
        GifWriter.Write(stream, clip, delayCs, scale, tables);
        return stream.ToArray();
    }

    private static byte[] FrameBytes(VideoFrames clip, int frame) =>
        clip.ToBytes().AsSpan(frame * clip.FrameLength, clip.FrameLength).ToArray();

    [Test]
    public void FewColours_GlobalTable_RoundTripsPixelExactly()
    {
        VideoFrames clip = MovingDisk();

        GifFile gif = GifDecoder.Decode(WriteGif(clip, delayCs: 7));

        Assert.Multiple(() =>
        {
            Assert.That((gif.Width, gif.Height), Is.EqualTo((32, 32)));
            Assert.That(gif.LoopCount, Is.EqualTo(0), "NETSCAPE2.0 loop count 0 = forever");
            Assert.That(gif.GlobalTable, Is.Not.Null);
            Assert.That(gif.GlobalTable!, Has.Length.EqualTo(3 * 2), "two colours need a 2-entry table");
            Assert.That(gif.Frames, Has.Count.EqualTo(8));
            Assert.That(gif.Frames.Select(f => f.DelayCs), Is.All.EqualTo(7));
            Assert.That(gif.Frames.Select(f => f.LocalTable), Is.All.Null);
            Assert.That(gif.Frames.Select(f => f.Disposal), Is.All.EqualTo(1), "do not dispose");
            for (int f = 0; f < 8; f++)
            {
                Assert.That(gif.Frames[f].Rgb, Is.EqualTo(FrameBytes(clip, f)), $"frame {f}");
            }
        });
    }

    [Test]
    public void Scale_RepeatsPixels()
    {
        VideoFrames clip = MovingDisk();

        GifFile gif = GifDecoder.Decode(WriteGif(clip, scale: 3));

        VideoFrames big = clip.Upscale(3);
        Assert.That((gif.Width, gif.Height), Is.EqualTo((96, 96)));
        for (int f = 0; f < 8; f++)
        {
            Assert.That(gif.Frames[f].Rgb, Is.EqualTo(FrameBytes(big, f)), $"frame {f}");
        }
    }

    [Test]
    public void ExactlyTwoHundredFiftySixColours_StayExact()
    {
        // 16 x 16 pixels, every one a different grey-ish colour: 256 distinct colours, the most an exact table holds.
        VideoFrames clip = TestClips.Generate(2, 16, 16, (t, y, x, c) => c == 1 ? ((y * 16) + x) / 255f : t * 0.5f);

        GifFile gif = GifDecoder.Decode(WriteGif(clip, tables: GifColorTables.PerFrame));

        Assert.That(gif.GlobalTable, Is.Null);
        for (int f = 0; f < 2; f++)
        {
            Assert.That(gif.Frames[f].LocalTable, Has.Length.EqualTo(3 * 256));
            Assert.That(gif.Frames[f].Rgb, Is.EqualTo(FrameBytes(clip, f)), $"frame {f}");
        }
    }

    [Test]
    public void PerFrameTables_ExactWhenEachFrameHasFewColours()
    {
        // Each frame has 2 colours, but the clip has 2 x 200 = 400, so only local tables can be exact.
        VideoFrames clip = TestClips.Generate(200, 4, 4, (t, y, x, c) => x < 2 ? t / 255f : 1f - (t / 255f));

        GifFile gif = GifDecoder.Decode(WriteGif(clip, delayCs: 3, tables: GifColorTables.PerFrame));

        Assert.That(gif.GlobalTable, Is.Null);
        Assert.That(gif.Frames, Has.Count.EqualTo(200));
        for (int f = 0; f < 200; f++)
        {
            Assert.That(gif.Frames[f].LocalTable, Has.Length.EqualTo(3 * 2), $"frame {f} table");
            Assert.That(gif.Frames[f].Rgb, Is.EqualTo(FrameBytes(clip, f)), $"frame {f}");
        }
    }

    [Test]
    public void ManyColours_QuantisedDeterministicallyAndClose()
    {
        // A smooth 64 x 64 gradient: 4096 distinct colours in one frame, so median cut has to choose 256.
        VideoFrames clip = TestClips.Generate(1, 64, 64, (t, y, x, c) => c switch { 0 => x / 63f, 1 => y / 63f, _ => 0.5f });

        byte[] first = WriteGif(clip);
        byte[] second = WriteGif(clip);
        GifFile gif = GifDecoder.Decode(first);

        Assert.That(second, Is.EqualTo(first), "same clip, same bytes");
        Assert.That(gif.GlobalTable, Has.Length.EqualTo(3 * 256));
        byte[] expected = FrameBytes(clip, 0);
        int[] errors = [.. expected.Zip(gif.Frames[0].Rgb, (a, b) => Math.Abs(a - b))];
        // 4096 colours spread evenly over a 256 x 256 square of the R-G plane fall into 256 boxes of about 16 x 16
        // values each, so no channel should be off by more than about half a box side.
        Assert.That(errors.Max(), Is.LessThanOrEqualTo(12));
        Assert.That(errors.Average(), Is.LessThan(4));
        Assert.That(gif.Frames[0].Rgb.Chunk(3).Select(p => (p[0], p[1], p[2])).Distinct().Count(), Is.GreaterThan(200));
    }

    [Test]
    public void LongNoisyImage_ResetsTheCodeTableAndStillRoundTrips()
    {
        // 128 x 128 pixels of pseudo-random grey levels from 200 values: LZW runs out of its 4096 codes many times.
        Random random = new(1234);
        float[] levels = [.. Enumerable.Range(0, 200).Select(i => i / 255f)];
        int[] pick = [.. Enumerable.Range(0, 128 * 128).Select(_ => random.Next(200))];
        VideoFrames clip = TestClips.Generate(1, 128, 128, (t, y, x, c) => levels[pick[(y * 128) + x]]);

        GifFile gif = GifDecoder.Decode(WriteGif(clip));

        Assert.That(gif.Frames[0].ClearCodes, Is.GreaterThan(2), "clear codes: one at the start plus table resets");
        Assert.That(gif.Frames[0].Rgb, Is.EqualTo(FrameBytes(clip, 0)));
    }

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(5)]
    [TestCase(8)]
    public void Lzw_RoundTripsThroughTheTestDecoder(int minimumCodeSize)
    {
        Random random = new(minimumCodeSize);
        // Runs of repeated indices mixed with noise exercise both long table strings and the KwKwK case.
        byte[] indices = new byte[50_000];
        for (int i = 0; i < indices.Length; i++)
        {
            indices[i] = (i / 97) % 3 == 0 ? (byte)random.Next(1 << minimumCodeSize) : (byte)((i / 13) % (1 << minimumCodeSize));
        }

        byte[] encoded = GifLzw.Encode(indices, minimumCodeSize);
        (byte[] decoded, int clears) = GifDecoder.DecodeLzw(encoded, minimumCodeSize, indices.Length);

        Assert.That(decoded, Is.EqualTo(indices));
        Assert.That(clears, Is.GreaterThanOrEqualTo(1));
    }

    [TestCase(new byte[] { 0 })]
    [TestCase(new byte[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 })]
    [TestCase(new byte[] { 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 3 })]
    public void Lzw_ShortInputs(byte[] indices)
    {
        byte[] encoded = GifLzw.Encode(indices, 2);

        Assert.That(GifDecoder.DecodeLzw(encoded, 2, indices.Length).Indices, Is.EqualTo(indices));
    }

    [Test]
    public void Lzw_KnownCodeStream()
    {
        // Worked by hand from the GIF89a spec (appendix F), minimum code size 2: clear = 4, end = 5, codes start at
        // 3 bits. Indices 0 0 0 0 are sent as clear(4), 0, 6 (= "00", the entry added after the first 0), 0; the
        // entries added are 6 = "00" and 7 = "000", after which the next free code is 8 = 2^3, so the end code (5)
        // goes out with 4 bits. Packed LSB first: 001 000 011 000 1010 -> 0b1000_0100 = 0x84, 0b0101_0001 = 0x51.
        byte[] encoded = GifLzw.Encode([0, 0, 0, 0], 2);

        Assert.That(encoded, Is.EqualTo(new byte[] { 0x84, 0x51 }));
    }

    [Test]
    public void Write_RejectsBadArguments()
    {
        VideoFrames clip = MovingDisk();
        using MemoryStream stream = new();

        Assert.Throws<ArgumentOutOfRangeException>(() => GifWriter.Write(stream, clip, delayCs: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => GifWriter.Write(stream, clip, delayCs: 65536));
        Assert.Throws<ArgumentOutOfRangeException>(() => GifWriter.Write(stream, clip, scale: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GifWriter.Write(stream, clip, scale: 3000));
        Assert.That(stream.Length, Is.Zero, "nothing written before the arguments are checked");
    }

    [Test]
    public void WriteFile_WritesAtomically()
    {
        string directory = Directory.CreateTempSubdirectory("gif-").FullName;
        try
        {
            string path = Path.Combine(directory, "clip.gif");

            GifWriter.WriteFile(path, MovingDisk(), delayCs: 12, scale: 2);

            Assert.That(Directory.GetFileSystemEntries(directory), Is.EqualTo(new[] { path }));
            GifFile gif = GifDecoder.Decode(File.ReadAllBytes(path));
            Assert.That((gif.Width, gif.Frames.Count, gif.Frames[0].DelayCs), Is.EqualTo((64, 8, 12)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void Pillow_ReadsTheSameFramesLoopAndDurations()
    {
        Python.AssumeModules("PIL");
        VideoFrames clip = TestClips.Moving(TestClips.Square, TestClips.Blue, TestClips.Gray, radius: 4, x0: 16, y0: 24, vx: 0, vy: -2);
        string path = Path.Combine(Path.GetTempPath(), $"mixcache-gif-{Guid.NewGuid():N}.gif");
        try
        {
            File.WriteAllBytes(path, WriteGif(clip, delayCs: 8, scale: 2));

            string output = Python.Run(
                """
                import sys
                from PIL import Image, ImageSequence
                im = Image.open(sys.argv[1])
                print(im.n_frames, im.info.get("loop"), im.size[0], im.size[1])
                for frame in ImageSequence.Iterator(im):
                    print(frame.info.get("duration"), frame.convert("RGB").tobytes().hex())
                """,
                path);

            string[] lines = output.Trim().Split('\n');
            VideoFrames big = clip.Upscale(2);
            Assert.That(lines[0], Is.EqualTo("8 0 64 64"));
            for (int f = 0; f < 8; f++)
            {
                string[] parts = lines[f + 1].Split(' ');
                Assert.That(parts[0], Is.EqualTo("80"), $"frame {f} duration in ms");
                Assert.That(Convert.FromHexString(parts[1]), Is.EqualTo(FrameBytes(big, f)), $"frame {f} pixels");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
