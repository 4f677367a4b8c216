using MixCacheOrt.Media;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Media;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class Mp4EncoderTests
{
    [Test]
    public void FailingFfmpeg_IsAnIOExceptionWithItsLastErrorLine()
    {
        using var temp = new TempDirectory();
        string fake = Path.Combine(temp.Path, "ffmpeg");
        File.WriteAllText(fake, "#!/bin/sh\ncat > /dev/null\necho 'first line' >&2\necho 'Unknown encoder libx264' >&2\nexit 1\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        VideoFrames clip = TestClips.Generate(2, 4, 4, (f, y, x, c) => 0.5f);

        var e = Assert.Throws<IOException>(() => Mp4Encoder.Write(Path.Combine(temp.Path, "v.mp4"), clip, fps: 8, scale: 1, ffmpeg: fake));

        Assert.That(e!.Message, Does.EndWith("(exit code 1): Unknown encoder libx264"));
    }

    [Test]
    public void PipesEveryFrameAsRgb24_WithTheSizeAndRateOnTheCommandLine()
    {
        // A stand-in ffmpeg that records its arguments and counts the bytes it is sent.
        using var temp = new TempDirectory();
        string fake = Path.Combine(temp.Path, "ffmpeg");
        string log = Path.Combine(temp.Path, "log");
        File.WriteAllText(fake, $"#!/bin/sh\necho \"$@\" > '{log}'\nwc -c >> '{log}'\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        VideoFrames clip = TestClips.Generate(3, 6, 10, (f, y, x, c) => 0.25f);

        Mp4Encoder.Write(Path.Combine(temp.Path, "v.mp4"), clip, fps: 12, scale: 3, ffmpeg: fake);

        string[] lines = File.ReadAllLines(log);
        Assert.That(lines[0], Does.Contain("-pix_fmt rgb24 -s 10x6 -r 12 -i pipe:0").And.Contain("scale=iw*3:ih*3:flags=neighbor")
            .And.Contain("-c:v libx264 -pix_fmt yuv420p").And.EndWith(Path.Combine(temp.Path, "v.mp4")));
        Assert.That(long.Parse(lines[1].Trim(), System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(3 * 6 * 10 * 3), "frames x height x width x RGB bytes");
    }
}
