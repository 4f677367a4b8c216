namespace MixCacheOrt.Evaluation;

/// <summary>
/// The few statistics evaluation reports need: percentiles (numpy's default, linear interpolation) and a paired
/// bootstrap confidence interval of a mean difference. Hand-written: MathNet's percentile uses another interpolation
/// rule than numpy's default, and the bootstrap is a dozen lines over a seeded generator.
/// </summary>
public static class Statistics
{
    /// <summary>
    /// The <paramref name="p"/>-th percentile (0–100) with numpy's default rule: position (n − 1) · p / 100 in the sorted
    /// values, linear between neighbours.
    /// </summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 100);
        if (values.Count == 0)
        {
            throw new ArgumentException("no values", nameof(values));
        }

        double[] sorted = [.. values.Order()];
        double position = (sorted.Length - 1) * p / 100;
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }

    /// <summary>
    /// 95% confidence interval of the mean of paired differences by the percentile bootstrap: <paramref name="resamples"/>
    /// resamples of the pairs with replacement (seeded, so a report is reproducible), the 2.5th and 97.5th percentiles
    /// of their means.
    /// </summary>
    public static (double Mean, double Low, double High) PairedBootstrap(IReadOnlyList<double> differences, int resamples = 10_000, int seed = 20261204)
    {
        ArgumentNullException.ThrowIfNull(differences);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resamples);
        if (differences.Count == 0)
        {
            throw new ArgumentException("no pairs", nameof(differences));
        }

        var random = new Random(seed);
        double[] means = new double[resamples];
        int n = differences.Count;
        for (int b = 0; b < resamples; b++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += differences[random.Next(n)];
            }

            means[b] = sum / n;
        }

        return (differences.Average(), Percentile(means, 2.5), Percentile(means, 97.5));
    }
}
