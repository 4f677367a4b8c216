namespace MixCacheOrt.Tests.TestUtilities;

/// <summary>Deterministic test inputs and plain reference math (no ORT involved).</summary>
internal static class Tensors
{
    /// <summary>Values i * step + offset, i = 0..count-1.</summary>
    public static float[] Ramp(int count, float step = 0.5f, float offset = 0f) =>
        [.. Enumerable.Range(0, count).Select(i => (i * step) + offset)];

    /// <summary>Row-major [rows, inner] x [inner, cols] matrix product.</summary>
    public static float[] MatMul(float[] x, float[] w, int rows, int inner, int cols)
    {
        float[] y = new float[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                float sum = 0;
                for (int k = 0; k < inner; k++)
                {
                    sum += x[(r * inner) + k] * w[(k * cols) + c];
                }

                y[(r * cols) + c] = sum;
            }
        }

        return y;
    }

    public static float[] Zip(float[] a, float[] b, Func<float, float, float> op) => [.. a.Zip(b, op)];
}
