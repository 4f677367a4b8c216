using System.Text.Json;
using MixCacheOrt.Media;
using MixCacheOrt.Metrics;
using MixCacheOrt.Numerics;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Metrics;

public sealed class PromptAdherenceTests
{
    private static readonly PromptAdherence s_adherence = PromptAdherence.Default;

    /// <summary>An upward triangle: apex at dy = -r, base at dy = +r, half-width r at the base (fill ratio about 0.5).</summary>
    private static bool Triangle(float dx, float dy, float r) => dy <= r && dy >= -r && MathF.Abs(dx) <= (dy + r) / 2;

    [Test]
    public void PaletteHues_MatchHandComputedHsv()
    {
        // colorsys.rgb_to_hsv by hand for exporters/tinywan/data.py's COLORS, hue = 60 * h6 degrees:
        // red (.90,.15,.15): max R, h6 = (B - G) term = 0                                  ->   0
        // yellow (.95,.85,.15): max R, h6 = bc - gc = 0.8/0.8 - 0.1/0.8 = 0.875            ->  52.5
        // green (.15,.80,.20): max G, h6 = 2 + rc - bc = 2 + 1 - 0.6/0.65 = 27/13          -> 1620/13
        // cyan (.15,.85,.90): max B, h6 = 4 + gc - rc = 4 + 0.05/0.75 - 1 = 46/15          -> 184
        // blue (.20,.30,.95): max B, h6 = 4 + 0.65/0.75 - 1 = 58/15                         -> 232
        // purple (.70,.20,.85): max B, h6 = 4 + gc - rc = 4 + 1 - 0.15/0.65 = 62/13         -> 3720/13
        Assert.That(s_adherence.Vocabulary.Colors.Select(c => c.Name), Is.EqualTo(new[] { "red", "yellow", "green", "cyan", "blue", "purple" }));
        Assert.That(s_adherence.PaletteHues, Is.EqualTo(new[] { 0, 52.5, 1620.0 / 13, 184, 232, 3720.0 / 13 }).Within(1e-9));
    }

    [Test]
    public void HueDegrees_WrapsNegativeHues()
    {
        // (1, 0, 0.5): max R, h6 = bc - gc = 0.5 - 1 = -0.5; Python's % 1.0 gives 0.9166..., i.e. 330 degrees.
        Assert.That(PromptAdherence.HueDegrees(1, 0, 0.5), Is.EqualTo(330).Within(1e-9));
        Assert.That(PromptAdherence.HueDegrees(0.3, 0.3, 0.3), Is.Zero, "grey");
    }

    [Test]
    public void RedDiskMovingRight_OnDark()
    {
        VideoFrames clip = TestClips.Moving(TestClips.Disk, TestClips.Red, TestClips.Dark, radius: 5, x0: 8, y0: 16, vx: 2, vy: 0);

        AdherenceScore score = s_adherence.Score("a red circle moving right on a dark background", clip);

        Assert.That(score.Detected, Is.EqualTo(new AdherenceDetection("red", "right", "circle")));
        Assert.That((score.ColorOk, score.DirectionOk, score.ShapeOk, score.Adheres), Is.EqualTo((true, true, true, true)));
    }

    [Test]
    public void BlueSquareMovingUp_OnGray()
    {
        VideoFrames clip = TestClips.Moving(TestClips.Square, TestClips.Blue, TestClips.Gray, radius: 4, x0: 16, y0: 24, vx: 0, vy: -2);

        Assert.That(s_adherence.Detect(clip), Is.EqualTo(new AdherenceDetection("blue", "up", "square")));
    }

    [Test]
    public void TriangleMovingDownLeft_DominantAxisWins()
    {
        // Moves 2 px down and 1 px left per frame: |dy| > |dx|, so "down".
        float[] green = [0.15f, 0.80f, 0.20f];
        VideoFrames clip = TestClips.Moving(Triangle, green, TestClips.Gray, radius: 6, x0: 20, y0: 8, vx: -1, vy: 2);

        Assert.That(s_adherence.Detect(clip), Is.EqualTo(new AdherenceDetection("green", "down", "triangle")));
    }

    [Test]
    public void DiagonalTie_GoesToTheHorizontalAxis()
    {
        VideoFrames clip = TestClips.Moving(TestClips.Disk, TestClips.Red, TestClips.Dark, radius: 5, x0: 20, y0: 20, vx: -1, vy: -1);

        Assert.That(s_adherence.Detect(clip).Direction, Is.EqualTo("left"));
    }

    [Test]
    public void StaticClip_DirectionNone()
    {
        VideoFrames clip = TestClips.Moving(TestClips.Disk, TestClips.Red, TestClips.Dark, radius: 5, x0: 16, y0: 16, vx: 0, vy: 0);

        AdherenceScore score = s_adherence.Score("a red circle moving right", clip);

        Assert.That(score.Detected, Is.EqualTo(new AdherenceDetection("red", "none", "circle")));
        Assert.That((score.ColorOk, score.DirectionOk, score.Adheres), Is.EqualTo((true, false, false)));
    }

    [Test]
    public void SmallMotion_UnderTwoPixels_IsNone()
    {
        // 0.25 px per frame over 8 frames moves the centroid 1.75 px at most.
        VideoFrames clip = TestClips.Moving(TestClips.Square, TestClips.Blue, TestClips.Dark, radius: 4, x0: 16, y0: 16, vx: 0.25f, vy: 0);

        Assert.That(s_adherence.Detect(clip).Direction, Is.EqualTo("none"));
    }

    [Test]
    public void BlankClip_DetectsNothing()
    {
        VideoFrames clip = TestClips.Generate(8, 32, 32, (t, y, x, c) => 0.5f);

        AdherenceScore score = s_adherence.Score("a red circle moving right", clip);

        Assert.That(score.Detected, Is.EqualTo(new AdherenceDetection(null, null, null)));
        Assert.That(score.Adheres, Is.False);
    }

    [Test]
    public void NullsCompareEqual_AsInPython()
    {
        // A prompt naming nothing "matches" a clip where nothing is found: Python compares None == None.
        AdherenceScore score = s_adherence.Score("something else entirely", TestClips.Generate(2, 16, 16, (t, y, x, c) => 0f));

        Assert.That((score.ColorOk, score.DirectionOk, score.ShapeOk, score.Adheres), Is.EqualTo((true, true, true, true)));
    }

    [Test]
    public void TinyObject_UnderEightPixels_IsIgnored()
    {
        // A radius-1 disk covers 5 pixels (centre and 4 neighbours).
        VideoFrames clip = TestClips.Moving(TestClips.Disk, TestClips.Red, TestClips.Dark, radius: 1, x0: 8, y0: 16, vx: 2, vy: 0);

        Assert.That(s_adherence.Detect(clip), Is.EqualTo(new AdherenceDetection(null, null, null)));
    }

    [Test]
    public void ObjectInOneFrameOnly_DetectsNothing()
    {
        VideoFrames moving = TestClips.Moving(TestClips.Disk, TestClips.Red, TestClips.Dark, radius: 5, x0: 8, y0: 16, vx: 2, vy: 0);
        float[] data = (float[])moving.Data.Clone();
        for (int i = moving.FrameLength; i < data.Length; i++)
        {
            data[i] = TestClips.Dark[0];
        }

        Assert.That(s_adherence.Detect(new VideoFrames(8, 32, 32, data)).Color, Is.Null, "fewer than two frames kept");
    }

    [TestCase("a red circle moving right", "red", "right", "circle")]
    [TestCase("A RED Circle, moving LEFT!!", "red", "left", "circle")]
    [TestCase("blue or red square going up then down", "blue", "up", "square")]
    [TestCase("a reddish circular thing moving upward", null, null, null)]
    [TestCase("redsquare", null, null, null)]
    [TestCase("", null, null, null)]
    [TestCase("triangle_purple-down", "purple", "down", "triangle")]
    public void ParsePrompt_FirstVocabularyWordWins(string prompt, string? color, string? direction, string? shape)
    {
        Assert.That(s_adherence.ParsePrompt(prompt), Is.EqualTo(new AdherenceDetection(color, direction, shape)));
    }

    [Test]
    public void CustomVocabulary_IsUsedForPaletteAndWords()
    {
        // Orange (hue 30) and violet (hue 270): a red object (hue 0) is nearer orange; prompts use the custom words.
        AdherenceVocabulary vocabulary = new(
            [new PaletteColor("violet", 0.6, 0.2, 1.0), new PaletteColor("orange", 1.0, 0.5, 0.0)],
            ["disc", "box"],
            ["eastward", "westward"]);
        PromptAdherence adherence = new(vocabulary);
        VideoFrames clip = TestClips.Moving(TestClips.Disk, TestClips.Red, TestClips.Dark, radius: 5, x0: 8, y0: 16, vx: 2, vy: 0);

        Assert.That(adherence.PaletteHues, Is.EqualTo(new[] { 270.0, 30.0 }).Within(1e-9));
        Assert.That(adherence.Detect(clip).Color, Is.EqualTo("orange"));
        Assert.That(adherence.ParsePrompt("an orange disc heading westward"), Is.EqualTo(new AdherenceDetection("orange", "westward", "disc")));
    }

    [Test]
    public void Vocabulary_Validation()
    {
        Assert.Throws<ArgumentException>(() => new AdherenceVocabulary([], ["circle"], ["left"]));
        Assert.Throws<ArgumentException>(() => new AdherenceVocabulary([new PaletteColor("Red", 1, 0, 0)], [], []));
        Assert.Throws<ArgumentException>(() => new AdherenceVocabulary([new PaletteColor("red", 1, 0, 0)], ["light-blue"], []));
    }

    [Test]
    public void MatchesThePythonEvaluator_OnTrainingDataClips()
    {
        // Clips from exporters/tinywan/data.py's generator (clean, noisy, still and blank ones) judged by
        // exporters/tinywan/adherence.py; see TestData/adherence_parity.py.
        Python.AssumeModules("numpy");
        string repo = Python.RepoRoot();
        Assume.That(File.Exists(Path.Combine(repo, "exporters", "tinywan", "adherence.py")), "exporters/tinywan is not present");
        string directory = Directory.CreateTempSubdirectory("adherence-").FullName;
        try
        {
            string script = Path.Combine(repo, "tests", "MixCacheOrt.Tests", "TestData", "adherence_parity.py");
            string[] lines = Python.Run(File.ReadAllText(script), repo, directory).Trim().Split('\n');
            NpyArray<float> clips = NpyFile.Read<float>(Path.Combine(directory, "clips.npy"));
            (int count, int frames, int height, int width) = ((int)clips.Shape[0], (int)clips.Shape[1], (int)clips.Shape[2], (int)clips.Shape[3]);
            Assert.That(lines, Has.Length.EqualTo(count));

            int adhering = 0;
            Assert.Multiple(() =>
            {
                for (int i = 0; i < count; i++)
                {
                    using JsonDocument python = JsonDocument.Parse(lines[i]);
                    JsonElement p = python.RootElement;
                    string prompt = p.GetProperty("prompt").GetString()!;
                    AdherenceScore ours = s_adherence.Score(prompt, VideoFrames.FromBatch(clips.Data, i, frames, height, width));
                    AdherenceDetection expected = new(
                        p.GetProperty("color").GetString(), p.GetProperty("direction").GetString(), p.GetProperty("shape").GetString());
                    Assert.That(ours.Detected, Is.EqualTo(expected), $"clip {i}: {prompt}");
                    Assert.That(
                        (ours.ColorOk, ours.DirectionOk, ours.ShapeOk, ours.Adheres),
                        Is.EqualTo((p.GetProperty("color_ok").GetBoolean(), p.GetProperty("direction_ok").GetBoolean(),
                            p.GetProperty("shape_ok").GetBoolean(), p.GetProperty("adheres").GetBoolean())),
                        $"clip {i}: {prompt}");
                    adhering += ours.Adheres ? 1 : 0;
                }
            });
            Assert.That(adhering, Is.InRange(1, count - 1), "the data exercises both outcomes");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
