using System.Runtime.InteropServices;

namespace MixCacheOrt.Media;

/// <summary>
/// At most 256 colours and the mapping from 24-bit RGB colours (packed <c>0xRRGGBB</c>) to palette indices, built
/// for a given set of pixels (<see cref="Build"/>).
/// </summary>
/// <remarks>
/// <para>
/// Exact when the pixels have at most 256 distinct colours: the palette is those colours in order of first
/// appearance and every pixel keeps its colour.
/// </para>
/// <para>
/// Otherwise median cut (Heckbert 1982), made deterministic: start with one box holding every distinct colour;
/// repeatedly split the box whose longest side (largest max - min over R, G or B) is longest (ties: the box created
/// first; sides tie R, then G, then B) along that side, at the pixel-count-weighted median of the colours sorted by
/// that channel (ties broken by the packed colour value), until there are 256 boxes. Each palette entry is the
/// count-weighted mean colour of its box (rounded), and each colour maps to its box. No dithering: our clips are
/// flat shapes on flat backgrounds, where dithering would only add noise and defeat LZW.
/// </para>
/// </remarks>
internal sealed class ColorPalette
{
    /// <summary>Largest palette a GIF colour table can hold.</summary>
    public const int MaxColors = 256;

    private readonly Dictionary<int, byte> indices;

    private ColorPalette(int[] colors, Dictionary<int, byte> indices, bool isExact)
    {
        this.Colors = colors;
        this.indices = indices;
        this.IsExact = isExact;
    }

    /// <summary>Palette colours, packed 0xRRGGBB.</summary>
    public int[] Colors { get; }

    /// <summary>True when every colour of the pixels the palette was built for is in it unchanged.</summary>
    public bool IsExact { get; }

    /// <summary>A palette for <paramref name="pixels"/> (packed 0xRRGGBB), exact when possible.</summary>
    public static ColorPalette Build(ReadOnlySpan<int> pixels)
    {
        Dictionary<int, int> counts = [];
        List<int> order = [];
        foreach (int color in pixels)
        {
            ref int count = ref CollectionsMarshal.GetValueRefOrAddDefault(counts, color, out bool exists);
            if (!exists)
            {
                order.Add(color);
            }

            count++;
        }

        if (order.Count <= MaxColors)
        {
            Dictionary<int, byte> exact = new(order.Count);
            for (int i = 0; i < order.Count; i++)
            {
                exact[order[i]] = (byte)i;
            }

            return new ColorPalette([.. order], exact, isExact: true);
        }

        return MedianCut(order, counts);
    }

    /// <summary>The palette index of <paramref name="color"/>, which must be one of the pixels it was built for.</summary>
    public byte IndexOf(int color) => this.indices[color];

    /// <summary>Packs 8-bit RGB into 0xRRGGBB.</summary>
    public static int Pack(byte r, byte g, byte b) => (r << 16) | (g << 8) | b;

    private static int Channel(int color, int channel) => (color >> (16 - (8 * channel))) & 0xFF;

    private static ColorPalette MedianCut(List<int> distinct, Dictionary<int, int> counts)
    {
        int[] colors = [.. distinct];
        long[] keys = new long[colors.Length];
        List<(int Start, int End)> boxes = [(0, colors.Length)];
        while (boxes.Count < MaxColors)
        {
            int chosen = -1;
            int bestChannel = 0;
            int bestRange = 0;
            for (int i = 0; i < boxes.Count; i++)
            {
                (int channel, int range) = LongestSide(colors.AsSpan(boxes[i].Start, boxes[i].End - boxes[i].Start));
                if (range > bestRange)
                {
                    (chosen, bestChannel, bestRange) = (i, channel, range);
                }
            }

            if (chosen < 0)
            {
                break; // every box holds a single colour
            }

            (int start, int end) = boxes[chosen];
            Span<int> box = colors.AsSpan(start, end - start);
            Span<long> boxKeys = keys.AsSpan(start, end - start);
            long total = 0;
            for (int i = 0; i < box.Length; i++)
            {
                boxKeys[i] = ((long)Channel(box[i], bestChannel) << 24) | (uint)box[i];
                total += counts[box[i]];
            }

            boxKeys.Sort(box);

            // First position where the running count reaches half the box; both halves keep at least one colour.
            long running = 0;
            int split = 1;
            for (int i = 0; i < box.Length - 1; i++)
            {
                running += counts[box[i]];
                split = i + 1;
                if (2 * running >= total)
                {
                    break;
                }
            }

            boxes[chosen] = (start, start + split);
            boxes.Add((start + split, end));
        }

        int[] palette = new int[boxes.Count];
        Dictionary<int, byte> indices = new(colors.Length);
        for (int b = 0; b < boxes.Count; b++)
        {
            long r = 0, g = 0, bl = 0, n = 0;
            foreach (int color in colors.AsSpan(boxes[b].Start, boxes[b].End - boxes[b].Start))
            {
                int count = counts[color];
                r += (long)Channel(color, 0) * count;
                g += (long)Channel(color, 1) * count;
                bl += (long)Channel(color, 2) * count;
                n += count;
                indices[color] = (byte)b;
            }

            palette[b] = Pack(RoundedMean(r, n), RoundedMean(g, n), RoundedMean(bl, n));
        }

        return new ColorPalette(palette, indices, isExact: false);
    }

    private static byte RoundedMean(long sum, long count) => (byte)(((2 * sum) + count) / (2 * count));

    private static (int Channel, int Range) LongestSide(ReadOnlySpan<int> colors)
    {
        int bestChannel = 0;
        int bestRange = 0;
        for (int channel = 0; channel < 3; channel++)
        {
            int min = 255, max = 0;
            foreach (int color in colors)
            {
                int v = Channel(color, channel);
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            if (max - min > bestRange)
            {
                (bestChannel, bestRange) = (channel, max - min);
            }
        }

        return (bestChannel, bestRange);
    }
}
