namespace MixCacheOrt.Numerics;

/// <summary>Least-squares polynomial fit (numpy <c>polyfit</c> semantics: coefficients highest power first).</summary>
public static class PolynomialFit
{
    /// <summary>Fits a polynomial of <paramref name="degree"/> to the points (x, y).</summary>
    /// <remarks>x is scaled to [-1, 1] before solving the normal equations (well conditioned for low degrees), then the coefficients are mapped back.</remarks>
    public static double[] Fit(IReadOnlyList<double> x, IReadOnlyList<double> y, int degree)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(degree);
        if (x.Count != y.Count || x.Count < degree + 1)
        {
            throw new ArgumentException($"need as many x as y values and at least {degree + 1} points, got {x.Count} and {y.Count}");
        }

        double min = x.Min(), max = x.Max();
        double center = (min + max) / 2, half = Math.Max((max - min) / 2, 1e-300);
        int m = degree + 1;
        var normal = new double[m, m + 1];
        var powers = new double[(2 * degree) + 1];
        for (int i = 0; i < x.Count; i++)
        {
            double u = (x[i] - center) / half, p = 1;
            for (int k = 0; k <= 2 * degree; k++, p *= u)
            {
                powers[k] = p;
            }

            for (int r = 0; r < m; r++)
            {
                for (int c = 0; c < m; c++)
                {
                    normal[r, c] += powers[r + c];
                }

                normal[r, m] += powers[r] * y[i];
            }
        }

        double[] a = Solve(normal, m); // ascending powers of u
        // Expand Σ a_k ((x - center) / half)^k into ascending powers of x.
        var ascending = new double[m];
        for (int k = 0; k < m; k++)
        {
            double scale = a[k] / Math.Pow(half, k);
            for (int j = 0; j <= k; j++)
            {
                ascending[j] += scale * Binomial(k, j) * Math.Pow(-center, k - j);
            }
        }

        Array.Reverse(ascending);
        return ascending;
    }

    /// <summary>Evaluates coefficients (highest power first) at <paramref name="x"/>.</summary>
    public static double Evaluate(IReadOnlyList<double> coefficients, double x)
    {
        double y = 0;
        foreach (double c in coefficients)
        {
            y = (y * x) + c;
        }

        return y;
    }

    private static double[] Solve(double[,] a, int n)
    {
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
            {
                if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(a[pivot, col]) < 1e-300)
            {
                throw new ArgumentException("the points do not determine the polynomial (too few distinct x values for the degree)");
            }

            for (int c = 0; c <= n; c++)
            {
                (a[col, c], a[pivot, c]) = (a[pivot, c], a[col, c]);
            }

            for (int r = 0; r < n; r++)
            {
                if (r != col)
                {
                    double f = a[r, col] / a[col, col];
                    for (int c = col; c <= n; c++)
                    {
                        a[r, c] -= f * a[col, c];
                    }
                }
            }
        }

        var x = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = a[i, n] / a[i, i];
        }

        return x;
    }

    private static double Binomial(int n, int k)
    {
        double r = 1;
        for (int i = 1; i <= k; i++)
        {
            r = r * (n - k + i) / i;
        }

        return r;
    }
}
