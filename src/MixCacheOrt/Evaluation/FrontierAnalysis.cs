namespace MixCacheOrt.Evaluation;

/// <summary>
/// Quality at matched speed: each family's frontier (its settings' mean speedup and mean PSNR, sorted by speed) read
/// at target speedups by linear interpolation, with a 95% interval from a paired bootstrap over the (prompt, seed)
/// groups (every setting of every family is resampled with the same groups, so families are compared on the same
/// videos).
/// </summary>
public static class FrontierAnalysis
{
    /// <summary>PSNR of one family at one target speedup: mean and 95% interval; null where the frontier does not reach the target.</summary>
    public sealed record Point(string Family, double Speedup, double? Psnr, double? Low, double? High);

    /// <summary>
    /// Linear interpolation of (speedup, PSNR) points at <paramref name="speedup"/>; null outside the points' range.
    /// Points are sorted by speedup first; equal speedups are averaged.
    /// </summary>
    public static double? Interpolate(IReadOnlyList<(double Speedup, double Psnr)> frontier, double speedup)
    {
        ArgumentNullException.ThrowIfNull(frontier);
        (double X, double Y)[] points = [.. frontier.GroupBy(p => p.Speedup).Select(g => (g.Key, g.Average(p => p.Psnr))).OrderBy(p => p.Key)];
        if (points.Length == 0 || speedup < points[0].X || speedup > points[^1].X)
        {
            return null;
        }

        for (int i = 0; i < points.Length - 1; i++)
        {
            (double x0, double y0) = points[i];
            (double x1, double y1) = points[i + 1];
            if (speedup >= x0 && speedup <= x1)
            {
                return x1 == x0 ? y0 : y0 + ((speedup - x0) / (x1 - x0) * (y1 - y0));
            }
        }

        return points[^1].Y;
    }

    /// <summary>
    /// Every family (<see cref="FrontierSweep.FamilyOf"/> of the spec names; presets are left out) at every target.
    /// </summary>
    public static IReadOnlyList<Point> AtSpeeds(IReadOnlyList<EvaluationRecord> records, IReadOnlyList<double> targets, int resamples = 2000, int seed = 20261204)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(targets);
        EvaluationRecord[] specs = [.. records.Where(r => !r.IsReference && r.Method.Contains(':', StringComparison.Ordinal))];
        (string Prompt, ulong Seed)[] groups = [.. records.Select(r => (r.Prompt, r.Seed)).Distinct()];
        var byGroup = specs.ToLookup(r => (r.Prompt, r.Seed));
        string[] families = [.. specs.Select(r => FrontierSweep.FamilyOf(r.Method)).Distinct()];

        Dictionary<string, (double, double)[]> Frontiers(IEnumerable<(string, ulong)> sample)
        {
            EvaluationRecord[] chosen = [.. sample.SelectMany(g => byGroup[g])];
            return families.ToDictionary(f => f, f => chosen
                .Where(r => FrontierSweep.FamilyOf(r.Method) == f)
                .GroupBy(r => r.Method)
                .Select(m => (m.Average(r => r.Speedup), m.Average(r => MethodSummary.CapPsnr(r.Psnr))))
                .ToArray());
        }

        Dictionary<string, (double, double)[]> full = Frontiers(groups);
        var random = new Random(seed);
        var boot = new List<Dictionary<string, (double, double)[]>>(resamples);
        for (int b = 0; b < resamples; b++)
        {
            boot.Add(Frontiers(Enumerable.Range(0, groups.Length).Select(_ => groups[random.Next(groups.Length)])));
        }

        var result = new List<Point>();
        foreach (string family in families)
        {
            foreach (double target in targets)
            {
                double? mean = Interpolate(full[family], target);
                double[] samples = [.. boot.Select(f => Interpolate(f[family], target)).Where(v => v is not null).Select(v => v!.Value)];
                bool covered = mean is not null && samples.Length >= resamples / 2;
                result.Add(new Point(family, target, mean,
                    covered ? Statistics.Percentile(samples, 2.5) : null,
                    covered ? Statistics.Percentile(samples, 97.5) : null));
            }
        }

        return result;
    }
}
