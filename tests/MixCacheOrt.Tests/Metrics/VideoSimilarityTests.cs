using MixCacheOrt.Media;
using MixCacheOrt.Metrics;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Metrics;

public sealed class VideoSimilarityTests
{
    /// <summary>C1 and C2 for L = 1 (Wang et al. 2004): (0.01 L)^2 and (0.03 L)^2.</summary>
    private const double C1 = 1e-4;

    private static VideoFrames Constant(int frames, int height, int width, float value) =>
        TestClips.Generate(frames, height, width, (t, y, x, c) => value);

    [Test]
    public void Psnr_UniformError0Point1_Is20Decibels()
    {
        // MSE = 0.1^2 = 0.01, PSNR = 10 log10(1 / 0.01) = 20 dB (0.1f is not exactly 0.1, hence the tolerance).
        float[] reference = new float[300];
        float[] test = [.. Enumerable.Repeat(0.1f, 300)];

        Assert.That(VideoSimilarity.Psnr(reference, test), Is.EqualTo(20.0).Within(1e-6));
    }

    [Test]
    public void Psnr_ExactBinaryError()
    {
        // Error 1/8 everywhere (exact in binary): MSE = 1/64, PSNR = 10 log10(64) = 60 log10(2) = 18.0617997398... dB.
        float[] reference = [.. Enumerable.Repeat(0.25f, 10)];
        float[] test = [.. Enumerable.Repeat(0.375f, 10)];

        Assert.That(VideoSimilarity.Psnr(reference, test), Is.EqualTo(60 * Math.Log10(2)).Within(1e-12));
    }

    [Test]
    public void Psnr_MixedErrors()
    {
        // Errors 0.5, -0.5, 0, 0: MSE = 0.5 / 4 = 0.125, PSNR = 10 log10(8) = 9.0309 dB.
        Assert.That(VideoSimilarity.Psnr([0f, 0f, 0f, 0f], [0.5f, -0.5f, 0f, 0f]), Is.EqualTo(10 * Math.Log10(8)).Within(1e-12));
    }

    [Test]
    public void Psnr_DataRange255()
    {
        // Error 25.5 on a 0..255 scale is 10% of the range again: 20 dB.
        Assert.That(VideoSimilarity.Psnr([0f, 255f], [25.5f, 229.5f], dataRange: 255f), Is.EqualTo(20.0).Within(1e-9));
    }

    [Test]
    public void Psnr_Identical_IsPositiveInfinity()
    {
        float[] data = [0.1f, 0.2f, 0.3f];

        Assert.That(VideoSimilarity.Psnr(data, data), Is.EqualTo(double.PositiveInfinity));
    }

    [Test]
    public void Psnr_LargeInput_AccumulatesAccurately()
    {
        // A million samples with error 1/8: blocks summed in float, blocks added in double, so still 18.06 dB.
        float[] reference = new float[1_000_000];
        float[] test = [.. Enumerable.Repeat(0.125f, 1_000_000)];

        Assert.That(VideoSimilarity.Psnr(reference, test), Is.EqualTo(60 * Math.Log10(2)).Within(1e-9));
    }

    [Test]
    public void Psnr_OfClips_UsesAllSamples()
    {
        VideoFrames a = Constant(2, 3, 4, 0.5f);
        VideoFrames b = Constant(2, 3, 4, 0.625f);

        Assert.That(VideoSimilarity.Psnr(a, b), Is.EqualTo(60 * Math.Log10(2)).Within(1e-12));
        Assert.Throws<ArgumentException>(() => VideoSimilarity.Psnr(a, Constant(1, 3, 4, 0f)));
    }

    [Test]
    public void Psnr_BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => VideoSimilarity.Psnr([1f], [1f, 2f]));
        Assert.Throws<ArgumentException>(() => VideoSimilarity.Psnr([], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => VideoSimilarity.Psnr([1f], [1f], dataRange: 0f));
    }

    [Test]
    public void Ssim_Identical_IsOne()
    {
        VideoFrames clip = TestClips.Moving(TestClips.Disk, TestClips.Red, TestClips.Dark, 5, 8, 16, 2, 0);

        Assert.That(VideoSimilarity.Ssim(clip, clip), Is.EqualTo(1.0).Within(1e-12));
    }

    [TestCase(0.25f, 0.75f)]
    [TestCase(0.5f, 0.5f)]
    [TestCase(0f, 1f)]
    [TestCase(0.125f, 0.0625f)]
    public void Ssim_ConstantImages_ClosedForm(float a, float b)
    {
        // Both variances and the covariance are 0, so SSIM = (2ab + C1) C2 / ((a^2 + b^2 + C1) C2) = (2ab + C1) / (a^2 + b^2 + C1).
        double expected = ((2.0 * a * b) + C1) / ((a * a) + (b * b) + C1);

        double ssim = VideoSimilarity.Ssim(Constant(2, 12, 15, a), Constant(2, 12, 15, b));

        Assert.That(ssim, Is.EqualTo(expected).Within(1e-9));
    }

    [Test]
    public void Ssim_AveragesOverFramesAndChannels()
    {
        // Each (frame, channel) plane is constant: reference 0.5, test 0.5 + 0.125 (f + c). The result is the mean of the
        // six closed-form plane values (2ab + C1) / (a^2 + b^2 + C1).
        VideoFrames reference = Constant(2, 11, 11, 0.5f);
        VideoFrames test = TestClips.Generate(2, 11, 11, (t, y, x, c) => 0.5f - (0.125f * (t + c)));
        double expected = 0;
        for (int t = 0; t < 2; t++)
        {
            for (int c = 0; c < 3; c++)
            {
                double b = 0.5 - (0.125 * (t + c));
                expected += ((2 * 0.5 * b) + C1) / ((0.5 * 0.5) + (b * b) + C1) / 6;
            }
        }

        Assert.That(VideoSimilarity.Ssim(reference, test), Is.EqualTo(expected).Within(1e-9));
    }

    /// <summary>
    /// Expected values from TestData/ssim_reference.py (an independent numpy implementation that evaluates every
    /// window directly with centred moments; see its docstring), run with Debian's python3-numpy 1.24:
    /// <c>/usr/bin/python3 tests/MixCacheOrt.Tests/TestData/ssim_reference.py</c>. The inputs are the script's
    /// cases, whose samples are multiples of 1/64 so that float32 holds them exactly.
    /// </summary>
    private static readonly (string Name, double Ssim, double Psnr)[] s_reference =
    [
        ("unrelated_16x16", -0.043837552449391019, 7.4667621493196528),
        ("perturbed_2x24x20", 0.99503450202642352, 30.147713990588922),
        ("shifted_12x13", 0.12587974495668372, 8.0617997398388717),
    ];

    private static (VideoFrames Reference, VideoFrames Test) ReferenceCase(string name)
    {
        static float Pattern(int t, int y, int x, int c) => ((7 * y) + (3 * x) + (5 * c) + (11 * t)) % 17 / 16f;
        return name switch
        {
            "unrelated_16x16" => (
                TestClips.Generate(1, 16, 16, Pattern),
                TestClips.Generate(1, 16, 16, (t, y, x, c) => ((5 * y) + (2 * x * x) + (3 * c) + t) % 13 / 16f)),
            "perturbed_2x24x20" => (
                TestClips.Generate(2, 24, 20, Pattern),
                TestClips.Generate(2, 24, 20, (t, y, x, c) =>
                    Math.Clamp(Pattern(t, y, x, c) + ((((x * y) + (3 * c) + t) % 7) - 3) / 64f, 0f, 1f))),
            "shifted_12x13" => (
                TestClips.Generate(1, 12, 13, (t, y, x, c) => Pattern(0, y, x, c)),
                TestClips.Generate(1, 12, 13, (t, y, x, c) => Pattern(0, y, (x + 12) % 13, c))),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void Ssim_And_Psnr_MatchTheNumpyReference(int index)
    {
        (string name, double ssim, double psnr) = s_reference[index];
        (VideoFrames reference, VideoFrames test) = ReferenceCase(name);

        Assert.That(VideoSimilarity.Ssim(reference, test), Is.EqualTo(ssim).Within(1e-10), name);
        Assert.That(VideoSimilarity.Ssim(test, reference), Is.EqualTo(ssim).Within(1e-10), $"{name}, swapped");
        Assert.That(VideoSimilarity.Psnr(reference, test), Is.EqualTo(psnr).Within(1e-9), name);
    }

    [Test]
    public void ReferenceScript_StillPrintsThePastedValues()
    {
        Python.AssumeModules("numpy");
        string script = Path.Combine(Python.RepoRoot(), "tests", "MixCacheOrt.Tests", "TestData", "ssim_reference.py");

        string output = Python.Run(File.ReadAllText(script));

        string[] lines = output.Trim().Split('\n');
        Assert.That(lines, Has.Length.EqualTo(s_reference.Length));
        for (int i = 0; i < lines.Length; i++)
        {
            string[] parts = lines[i].Split(' ');
            Assert.That(parts[0], Is.EqualTo(s_reference[i].Name));
            Assert.That(double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(s_reference[i].Ssim));
            Assert.That(double.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(s_reference[i].Psnr));
        }
    }

    [Test]
    public void Ssim_BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => VideoSimilarity.Ssim(Constant(1, 10, 20, 0f), Constant(1, 10, 20, 0f)), "under 11 rows");
        Assert.Throws<ArgumentException>(() => VideoSimilarity.Ssim(Constant(1, 11, 11, 0f), Constant(2, 11, 11, 0f)), "size mismatch");
        Assert.Throws<ArgumentOutOfRangeException>(() => VideoSimilarity.Ssim(Constant(1, 11, 11, 0f), Constant(1, 11, 11, 0f), -1f));
    }
}
