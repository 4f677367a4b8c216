using MixCacheOrt.Media;

namespace MixCacheOrt.Tests.TestUtilities;

/// <summary>Clips drawn directly in the tests: flat shapes with hard edges on flat backgrounds, and generic fills.</summary>
internal static class TestClips
{
    public static readonly float[] Red = [0.90f, 0.15f, 0.15f];
    public static readonly float[] Blue = [0.20f, 0.30f, 0.95f];
    public static readonly float[] Dark = [0.08f, 0.08f, 0.08f];
    public static readonly float[] Gray = [0.50f, 0.50f, 0.50f];

    /// <summary>Is the point (dx, dy) from the shape's centre inside a shape of the given radius?</summary>
    public delegate bool Shape(float dx, float dy, float radius);

    public static bool Disk(float dx, float dy, float radius) => (dx * dx) + (dy * dy) <= radius * radius;

    public static bool Square(float dx, float dy, float radius) => MathF.Abs(dx) <= radius && MathF.Abs(dy) <= radius;

    /// <summary>
    /// One shape of <paramref name="color"/> on <paramref name="background"/>; in frame t its centre is
    /// (x0 + vx t, y0 + vy t) in pixel coordinates, and a pixel belongs to it when its centre is inside.
    /// </summary>
    public static VideoFrames Moving(
        Shape shape, float[] color, float[] background, float radius, float x0, float y0, float vx, float vy, int frames = 8, int size = 32)
    {
        return Generate(frames, size, size, (t, y, x, c) =>
            shape(x - (x0 + (vx * t)), y - (y0 + (vy * t)), radius) ? color[c] : background[c]);
    }

    /// <summary>A clip whose sample (frame, y, x, channel) is <paramref name="value"/>(t, y, x, c).</summary>
    public static VideoFrames Generate(int frames, int height, int width, Func<int, int, int, int, float> value)
    {
        float[] data = new float[frames * height * width * 3];
        int i = 0;
        for (int t = 0; t < frames; t++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        data[i++] = value(t, y, x, c);
                    }
                }
            }
        }

        return new VideoFrames(frames, height, width, data);
    }
}
