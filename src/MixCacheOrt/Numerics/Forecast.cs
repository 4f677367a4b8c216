using System.Numerics.Tensors;

namespace MixCacheOrt.Numerics;

/// <summary>
/// First-order Taylor forecasts from the last two computed values of a feature (TaylorSeer's order-1 rule):
/// <c>F(k) = F(a) + (F(a) − F(b)) · (k − a) / (a − b)</c>, with <c>a</c> the step of the latest value and <c>b</c>
/// the step of the older one (the divided difference times the step distance ahead).
/// </summary>
public static class Forecast
{
    /// <summary>
    /// The factor that multiplies <c>F(a) − F(b)</c>: (k − a) / (a − b); 0 (plain reuse) when there is no older
    /// value (<paramref name="olderStep"/> &lt; 0) or the steps are not increasing.
    /// </summary>
    public static float Scale(int step, int latestStep, int olderStep) =>
        olderStep < 0 || latestStep <= olderStep || step <= latestStep ? 0f : (float)(step - latestStep) / (latestStep - olderStep);

    /// <summary><paramref name="destination"/> = latest + (latest − older) · <paramref name="scale"/>.</summary>
    public static void Extrapolate(ReadOnlySpan<float> latest, ReadOnlySpan<float> older, float scale, Span<float> destination)
    {
        if (scale == 0f || older.IsEmpty)
        {
            latest.CopyTo(destination);
            return;
        }

        // latest · (1 + s) − older · s, written as two fused passes without a temporary.
        TensorPrimitives.Multiply(older, -scale, destination);
        TensorPrimitives.MultiplyAdd(latest, 1f + scale, destination, destination);
    }
}
