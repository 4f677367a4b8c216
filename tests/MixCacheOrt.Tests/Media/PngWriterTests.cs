using MixCacheOrt.Media;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Media;

/// <summary>PNGs are read back with the independent <see cref="PngDecoder"/> (and Pillow, where installed).</summary>
public sealed class PngWriterTests
{
    private static VideoFrames Clip() =>
        TestClips.Generate(5, 3, 4, (t, y, x, c) => ((t * 40) + (y * 10) + x + (c * 100)) / 255f);

    private static byte[] Pixel(VideoFrames clip, int frame, int y, int x) =>
        clip.ToBytes().AsSpan((frame * clip.FrameLength) + (((y * clip.Width) + x) * 3), 3).ToArray();

    [Test]
    public void Write_OneFrame_RoundTrips()
    {
        VideoFrames clip = Clip();
        using MemoryStream stream = new();

        PngWriter.Write(stream, clip, frame: 2);

        (int width, int height, byte[] rgb, List<string> chunks) = PngDecoder.Decode(stream.ToArray());
        Assert.That((width, height), Is.EqualTo((4, 3)));
        Assert.That((chunks[0], chunks[^1]), Is.EqualTo(("IHDR", "IEND")));
        Assert.That(rgb, Is.EqualTo(clip.ToBytes().AsSpan(2 * clip.FrameLength, clip.FrameLength).ToArray()));
    }

    [Test]
    public void Write_Scaled_RepeatsPixels()
    {
        VideoFrames clip = Clip();
        using MemoryStream stream = new();

        PngWriter.Write(stream, clip, frame: 4, scale: 3);

        (int width, int height, byte[] rgb, _) = PngDecoder.Decode(stream.ToArray());
        VideoFrames big = clip.Upscale(3);
        Assert.That((width, height), Is.EqualTo((12, 9)));
        Assert.That(rgb, Is.EqualTo(big.ToBytes().AsSpan(4 * big.FrameLength, big.FrameLength).ToArray()));
    }

    [Test]
    public void ContactSheet_GridWithGapsAndEmptyCells()
    {
        // 5 frames of 3 x 4 in 2 columns, scale 2, gap 1: 3 rows; width 2 * 8 + 1 = 17, height 3 * 6 + 2 = 20.
        VideoFrames clip = Clip();
        using MemoryStream stream = new();

        PngWriter.WriteContactSheet(stream, clip, columns: 2, scale: 2, gap: 1);

        (int width, int height, byte[] rgb, _) = PngDecoder.Decode(stream.ToArray());
        byte[] At(int x, int y) => rgb.AsSpan(((y * width) + x) * 3, 3).ToArray();
        byte[] white = [255, 255, 255];
        Assert.Multiple(() =>
        {
            Assert.That((width, height), Is.EqualTo((17, 20)));
            Assert.That(At(0, 0), Is.EqualTo(Pixel(clip, 0, 0, 0)));
            Assert.That(At(7, 5), Is.EqualTo(Pixel(clip, 0, 2, 3)), "bottom-right of frame 0 (scaled)");
            Assert.That(At(8, 0), Is.EqualTo(white), "vertical gap");
            Assert.That(At(9, 0), Is.EqualTo(Pixel(clip, 1, 0, 0)), "frame 1 starts after the gap");
            Assert.That(At(0, 6), Is.EqualTo(white), "horizontal gap");
            Assert.That(At(9, 7), Is.EqualTo(Pixel(clip, 3, 0, 0)), "frame 3: second row, second column");
            Assert.That(At(3, 16), Is.EqualTo(Pixel(clip, 4, 1, 1)), "frame 4: third row");
            Assert.That(At(12, 16), Is.EqualTo(white), "unused cell");
        });
    }

    [Test]
    public void ContactSheet_DefaultIsOneRow()
    {
        VideoFrames clip = Clip();
        using MemoryStream stream = new();

        PngWriter.WriteContactSheet(stream, clip);

        (int width, int height, byte[] rgb, _) = PngDecoder.Decode(stream.ToArray());
        Assert.That((width, height), Is.EqualTo((20, 3)));
        Assert.That(rgb.AsSpan(((1 * width) + 17) * 3, 3).ToArray(), Is.EqualTo(Pixel(clip, 4, 1, 1)));
    }

    [Test]
    public void WriteRgb_WrongLength_Throws()
    {
        using MemoryStream stream = new();

        var e = Assert.Throws<ArgumentException>(() => PngWriter.WriteRgb(stream, new byte[10], 2, 2));

        Assert.That(e!.Message, Does.Contain("needs 12 bytes but got 10"));
    }

    [Test]
    public void Pillow_ReadsTheSamePixels()
    {
        Python.AssumeModules("PIL");
        VideoFrames clip = TestClips.Moving(TestClips.Disk, TestClips.Red, TestClips.Dark, radius: 5, x0: 10, y0: 12, vx: 1, vy: 1);
        string path = Path.Combine(Path.GetTempPath(), $"mixcache-png-{Guid.NewGuid():N}.png");
        try
        {
            using (FileStream file = File.Create(path))
            {
                PngWriter.WriteContactSheet(file, clip, columns: 4, gap: 2);
            }

            string output = Python.Run(
                """
                import sys
                from PIL import Image
                im = Image.open(sys.argv[1])
                im.load()
                print(im.mode, im.size[0], im.size[1], im.tobytes().hex())
                """,
                path);

            string[] parts = output.Trim().Split(' ');
            (int width, int height, byte[] rgb, _) = PngDecoder.Decode(File.ReadAllBytes(path));
            // 8 frames of 32 x 32 in 4 columns with 2-pixel gaps: 4 * 32 + 3 * 2 = 134 wide, 2 * 32 + 2 = 66 high.
            Assert.That(parts[..3], Is.EqualTo(new[] { "RGB", "134", "66" }));
            Assert.That((width, height), Is.EqualTo((134, 66)));
            Assert.That(Convert.FromHexString(parts[3]), Is.EqualTo(rgb));
            Assert.That(rgb.AsSpan(((12 * width) + 10) * 3, 3).ToArray(), Is.EqualTo(Pixel(clip, 0, 12, 10)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
