using MixCacheOrt.Media;

namespace MixCacheOrt.Metrics;

/// <summary>
/// Prompt adherence without a neural network: detects the object's colour, motion direction and shape in a clip of
/// one flat shape moving over a flat background, and compares them with the words of the prompt. A port of the Python
/// evaluator <c>exporters/tinywan/adherence.py</c>, with the same rules and constants:
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>Background of each frame = per-channel median of the frame's pixels (the object covers under 15% of it).</item>
/// <item>Object mask = pixels whose largest channel difference from the background exceeds
/// <see cref="MaskThreshold"/>. Frames with fewer than <see cref="MinPixels"/> mask pixels are ignored; with fewer than
/// two frames left, nothing is detected (all null).</item>
/// <item>Colour = the palette colour whose HSV hue is circularly nearest to the hue of the mean object colour (mean
/// over kept frames of each frame's mean object colour); ties go to the earlier palette entry.</item>
/// <item>Direction = the sign of the dominant axis of (last centroid - first centroid) over kept frames, x winning a
/// tie; <c>none</c> when both components are under <see cref="MinDisplacement"/> pixels. Image y grows downwards.</item>
/// <item>Shape from the mean over kept frames of mask area / bounding-box area: at least <see cref="SquareFill"/>
/// square, at least <see cref="CircleFill"/> circle (pi/4 = 0.785), else triangle (0.5).</item>
/// </list>
/// <para>
/// A clip adheres when colour and direction both match the prompt; shape is reported separately. Prompts are read as
/// the Python does: lower-cased, split into runs of ASCII letters a-z, and the first word found in each vocabulary list
/// wins. Median and mask use float32 arithmetic like numpy on float32 frames; means use double.
/// </para>
/// </remarks>
public sealed class PromptAdherence
{
    /// <summary>A pixel is part of the object when a channel differs from the background by more than this.</summary>
    public const float MaskThreshold = 0.25f;

    /// <summary>Frames whose mask has fewer pixels are ignored.</summary>
    public const int MinPixels = 8;

    /// <summary>Displacements (pixels) under this on both axes mean "none".</summary>
    public const double MinDisplacement = 2.0;

    /// <summary>Mean fill ratio from which a shape is a square.</summary>
    public const double SquareFill = 0.88;

    /// <summary>Mean fill ratio from which a shape is a circle (below: triangle).</summary>
    public const double CircleFill = 0.64;

    private readonly double[] paletteHues;

    /// <summary>An evaluator for <paramref name="vocabulary"/> (default: <see cref="AdherenceVocabulary.TinyWan"/>).</summary>
    public PromptAdherence(AdherenceVocabulary? vocabulary = null)
    {
        this.Vocabulary = vocabulary ?? AdherenceVocabulary.TinyWan;
        this.paletteHues = [.. this.Vocabulary.Colors.Select(c => HueDegrees(c.Red, c.Green, c.Blue))];
    }

    /// <summary>The evaluator for tiny-wan's vocabulary.</summary>
    public static PromptAdherence Default { get; } = new();

    /// <summary>The palette and words in use.</summary>
    public AdherenceVocabulary Vocabulary { get; }

    /// <summary>Hues (degrees, [0, 360)) of the palette colours, in palette order.</summary>
    public IReadOnlyList<double> PaletteHues => this.paletteHues;

    /// <summary>Detects colour, direction and shape in <paramref name="frames"/> (values in [0, 1]).</summary>
    public AdherenceDetection Detect(VideoFrames frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        int pixels = frames.Height * frames.Width;
        float[] channelValues = new float[pixels];
        bool[] mask = new bool[pixels];
        Span<float> background = stackalloc float[VideoFrames.Channels];

        double redSum = 0, greenSum = 0, blueSum = 0, fillSum = 0;
        int kept = 0;
        (double X, double Y) first = default, last = default;
        for (int f = 0; f < frames.Frames; f++)
        {
            ReadOnlySpan<float> frame = frames.GetFrame(f);
            for (int c = 0; c < VideoFrames.Channels; c++)
            {
                for (int p = 0; p < pixels; p++)
                {
                    channelValues[p] = frame[(p * VideoFrames.Channels) + c];
                }

                background[c] = Median(channelValues);
            }

            int count = 0;
            double r = 0, g = 0, b = 0;
            long xSum = 0, ySum = 0;
            int minX = int.MaxValue, maxX = -1, minY = int.MaxValue, maxY = -1;
            for (int p = 0; p < pixels; p++)
            {
                int i = p * VideoFrames.Channels;
                float difference = MathF.Max(
                    MathF.Abs(frame[i] - background[0]),
                    MathF.Max(MathF.Abs(frame[i + 1] - background[1]), MathF.Abs(frame[i + 2] - background[2])));
                mask[p] = difference > MaskThreshold;
                if (!mask[p])
                {
                    continue;
                }

                int x = p % frames.Width;
                int y = p / frames.Width;
                count++;
                r += frame[i];
                g += frame[i + 1];
                b += frame[i + 2];
                xSum += x;
                ySum += y;
                (minX, maxX) = (Math.Min(minX, x), Math.Max(maxX, x));
                (minY, maxY) = (Math.Min(minY, y), Math.Max(maxY, y));
            }

            if (count < MinPixels)
            {
                continue;
            }

            redSum += r / count;
            greenSum += g / count;
            blueSum += b / count;
            (double X, double Y) centroid = ((double)xSum / count, (double)ySum / count);
            if (kept == 0)
            {
                first = centroid;
            }

            last = centroid;
            fillSum += (double)count / ((long)(maxX - minX + 1) * (maxY - minY + 1));
            kept++;
        }

        if (kept < 2)
        {
            return new AdherenceDetection(null, null, null);
        }

        string color = this.NearestColor(HueDegrees(redSum / kept, greenSum / kept, blueSum / kept));
        double dx = last.X - first.X;
        double dy = last.Y - first.Y;
        string direction = Math.Max(Math.Abs(dx), Math.Abs(dy)) < MinDisplacement ? "none"
            : Math.Abs(dx) >= Math.Abs(dy) ? (dx > 0 ? "right" : "left")
            : dy > 0 ? "down" : "up";
        double fill = fillSum / kept;
        string shape = fill >= SquareFill ? "square" : fill >= CircleFill ? "circle" : "triangle";
        return new AdherenceDetection(color, direction, shape);
    }

    /// <summary>
    /// The colour, direction and shape words a prompt names: for each list, the first word of the prompt that is in
    /// it (words = runs of a-z after lower-casing), or null.
    /// </summary>
    public AdherenceDetection ParsePrompt(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        List<string> words = Words(prompt);
        string? Pick(IEnumerable<string> options) => words.FirstOrDefault(options.Contains);
        return new AdherenceDetection(
            Pick(this.Vocabulary.Colors.Select(c => c.Name)), Pick(this.Vocabulary.Directions), Pick(this.Vocabulary.Shapes));
    }

    /// <summary>Compares what <paramref name="prompt"/> asks for with what <see cref="Detect"/> finds.</summary>
    public AdherenceScore Score(string prompt, VideoFrames frames)
    {
        AdherenceDetection wanted = this.ParsePrompt(prompt);
        AdherenceDetection detected = this.Detect(frames);
        return new AdherenceScore(
            wanted,
            detected,
            wanted.Color == detected.Color,
            wanted.Direction == detected.Direction,
            wanted.Shape == detected.Shape);
    }

    /// <summary>
    /// HSV hue in degrees, [0, 360), computed as Python's <c>colorsys.rgb_to_hsv</c> does (0 for greys).
    /// </summary>
    public static double HueDegrees(double r, double g, double b)
    {
        double max = Math.Max(r, Math.Max(g, b));
        double min = Math.Min(r, Math.Min(g, b));
        if (max == min)
        {
            return 0;
        }

        double range = max - min;
        double rc = (max - r) / range;
        double gc = (max - g) / range;
        double bc = (max - b) / range;
        double h = r == max ? bc - gc : g == max ? 2.0 + rc - bc : 4.0 + gc - rc;
        return PythonModulo(h / 6.0, 1.0) * 360.0;
    }

    private string NearestColor(double hue)
    {
        int best = 0;
        double bestDistance = double.PositiveInfinity;
        for (int i = 0; i < this.paletteHues.Length; i++)
        {
            double d = Math.Abs(hue - this.paletteHues[i]);
            double distance = Math.Min(d, 360 - d);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (i, distance);
            }
        }

        return this.Vocabulary.Colors[best].Name;
    }

    /// <summary>numpy's median of float32 values: the middle value, or the float32 mean of the two middle values.</summary>
    private static float Median(float[] values)
    {
        Array.Sort(values);
        int n = values.Length;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2f;
    }

    /// <summary>Python's <c>%</c> for floats: the result has the sign of the divisor.</summary>
    private static double PythonModulo(double a, double b)
    {
        double m = a % b;
        return m != 0 && (m < 0) != (b < 0) ? m + b : m;
    }

    private static List<string> Words(string prompt)
    {
        List<string> words = [];
        string lower = prompt.ToLowerInvariant();
        int start = -1;
        for (int i = 0; i <= lower.Length; i++)
        {
            bool letter = i < lower.Length && lower[i] is >= 'a' and <= 'z';
            if (letter && start < 0)
            {
                start = i;
            }
            else if (!letter && start >= 0)
            {
                words.Add(lower[start..i]);
                start = -1;
            }
        }

        return words;
    }
}
