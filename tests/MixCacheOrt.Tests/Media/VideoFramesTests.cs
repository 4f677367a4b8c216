using MixCacheOrt.Media;

namespace MixCacheOrt.Tests.Media;

public sealed class VideoFramesTests
{
    [Test]
    public void Constructor_KeepsTheArrayAndDimensions()
    {
        float[] data = new float[2 * 3 * 4 * 3];
        VideoFrames clip = new(2, 3, 4, data);

        Assert.Multiple(() =>
        {
            Assert.That(clip.Data, Is.SameAs(data));
            Assert.That((clip.Frames, clip.Height, clip.Width), Is.EqualTo((2, 3, 4)));
            Assert.That(clip.FrameLength, Is.EqualTo(36));
            Assert.That(clip.ToString(), Is.EqualTo("VideoFrames [2, 3, 4, 3]"));
        });
    }

    [Test]
    public void Constructor_WrongLength_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new VideoFrames(2, 3, 4, new float[71]));

        Assert.That(e!.Message, Does.Contain("needs 72 values but the data has 71"));
    }

    [TestCase(0, 1, 1)]
    [TestCase(1, -1, 1)]
    [TestCase(1, 1, 0)]
    public void Constructor_NonPositiveDimension_Throws(int frames, int height, int width) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new VideoFrames(frames, height, width, []));

    [Test]
    public void GetFrame_IsTheFramesSlice()
    {
        VideoFrames clip = new(3, 1, 2, [.. Enumerable.Range(0, 18).Select(i => (float)i)]);

        Assert.That(clip.GetFrame(1).ToArray(), Is.EqualTo(new float[] { 6, 7, 8, 9, 10, 11 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => clip.GetFrame(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => clip.GetFrame(-1));
    }

    [Test]
    public void ToBytes_ClampsAndRoundsHalfUp()
    {
        // floor(v * 255 + 0.5) after clamping, worked by hand: 0.5 -> 127.5 + 0.5 = 128; 100.4/255 -> 100; 100.6/255 -> 101.
        VideoFrames clip = new(1, 1, 3, [-0.2f, 0f, 1f, 1.3f, 0.5f, 100.4f / 255, 100.6f / 255, float.NaN, float.PositiveInfinity]);

        Assert.That(clip.ToBytes(), Is.EqualTo(new byte[] { 0, 0, 255, 255, 128, 100, 101, 0, 255 }));
    }

    [Test]
    public void Upscale_RepeatsEachPixel()
    {
        // One 1 x 2 frame: pixel A = (1, 2, 3), pixel B = (4, 5, 6). Factor 2 gives 2 x 4: A A B B on both rows.
        VideoFrames clip = new(1, 1, 2, [1, 2, 3, 4, 5, 6]);

        VideoFrames big = clip.Upscale(2);

        float[] row = [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6];
        Assert.That((big.Frames, big.Height, big.Width), Is.EqualTo((1, 2, 4)));
        Assert.That(big.Data, Is.EqualTo(row.Concat(row).ToArray()));
    }

    [Test]
    public void Upscale_KeepsFramesApart()
    {
        VideoFrames clip = new(2, 1, 1, [1, 1, 1, 2, 2, 2]);

        VideoFrames big = clip.Upscale(3);

        Assert.That(big.GetFrame(0).ToArray(), Has.Length.EqualTo(27).And.All.EqualTo(1f));
        Assert.That(big.GetFrame(1).ToArray(), Has.Length.EqualTo(27).And.All.EqualTo(2f));
    }

    [Test]
    public void Upscale_ByOne_ReturnsTheSameClip()
    {
        VideoFrames clip = new(1, 1, 1, [0, 0, 0]);

        Assert.That(clip.Upscale(1), Is.SameAs(clip));
        Assert.Throws<ArgumentOutOfRangeException>(() => clip.Upscale(0));
    }

    [Test]
    public void FromBatch_CopiesOneItem()
    {
        float[] batch = [.. Enumerable.Range(0, 2 * 6).Select(i => (float)i)]; // [B=2, F=1, H=1, W=2, 3]

        VideoFrames second = VideoFrames.FromBatch(batch, 1, 1, 1, 2);

        Assert.That(second.Data, Is.EqualTo(new float[] { 6, 7, 8, 9, 10, 11 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => VideoFrames.FromBatch(batch, 2, 1, 1, 2));
    }
}
