namespace MixCacheOrt.Numerics;

/// <summary>
/// Least-squares polynomial fit with numpy <c>polyfit</c>'s convention (coefficients highest power first); the fit is
/// MathNet.Numerics' (<see cref="MathNet.Numerics.Fit.Polynomial"/>, QR on the Vandermonde matrix).
/// </summary>
public static class PolynomialFit
{
    /// <summary>Fits a polynomial of <paramref name="degree"/> to the points (x, y).</summary>
    /// <exception cref="ArgumentException">Fewer than degree + 1 points, or fewer distinct x values than that.</exception>
    public static double[] Fit(IReadOnlyList<double> x, IReadOnlyList<double> y, int degree)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentOutOfRangeException.ThrowIfNegative(degree);
        if (x.Count != y.Count || x.Distinct().Count() < degree + 1)
        {
            throw new ArgumentException(
                $"need as many x as y values and at least {degree + 1} distinct x values, got {x.Count} x ({x.Distinct().Count()} distinct) and {y.Count} y");
        }

        double[] ascending = MathNet.Numerics.Fit.Polynomial([.. x], [.. y], degree);
        Array.Reverse(ascending);
        return ascending;
    }

    /// <summary>Evaluates coefficients (highest power first) at <paramref name="x"/> (Horner's rule).</summary>
    public static double Evaluate(IReadOnlyList<double> coefficients, double x)
    {
        ArgumentNullException.ThrowIfNull(coefficients);
        double y = 0;
        for (int i = 0; i < coefficients.Count; i++) // indexed: no enumerator allocated per call (TeaCache calls it every step)
        {
            y = (y * x) + coefficients[i];
        }

        return y;
    }
}
