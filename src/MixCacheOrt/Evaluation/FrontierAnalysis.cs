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
    /// <param name="records">The runs.</param>
    /// <param name="targets">Speedups to read the frontiers at.</param>
    /// <param name="resamples">Bootstrap resamples of the (prompt, seed) groups.</param>
    /// <param name="seed">Seed of the resampling.</param>
    /// <param name="compute">Read at matched compute (each run's ideal speedup: block evaluations of full compute / its own) instead of end-to-end speedup.</param>
    public static IReadOnlyList<Point> AtSpeeds(IReadOnlyList<EvaluationRecord> records, IReadOnlyList<double> targets, int resamples = 2000, int seed = 20261204,
        bool compute = false)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var bootstrap = new Bootstrap(records, resamples, seed, compute);
        return [.. bootstrap.Families.SelectMany(f => targets.Select(t => bootstrap.At(f, t)))];
    }

    /// <summary>
    /// Paired difference <paramref name="family"/> − <paramref name="other"/> of PSNR at <paramref name="speedup"/>, with the
    /// 95% interval of the same bootstrap (both frontiers read on the same resampled groups); null where either does not
    /// reach the speed.
    /// </summary>
    public static Point? Difference(IReadOnlyList<EvaluationRecord> records, string family, string other, double speedup, int resamples = 2000,
        int seed = 20261204, bool compute = false) =>
        new Bootstrap(records, resamples, seed, compute).Difference(family, other, speedup);

    /// <summary>The frontiers of every family on all groups and on each bootstrap resample of the groups.</summary>
    public sealed class Bootstrap
    {
        private readonly Dictionary<string, (double, double)[]> full;
        private readonly List<Dictionary<string, (double, double)[]>> resampled;
        private readonly int resamples;

        public Bootstrap(IReadOnlyList<EvaluationRecord> records, int resamples = 2000, int seed = 20261204, bool compute = false)
        {
            ArgumentNullException.ThrowIfNull(records);
            this.resamples = resamples;
            EvaluationRecord[] specs = [.. records.Where(r => !r.IsReference && r.Method.Contains(':', StringComparison.Ordinal))];
            (string Prompt, ulong Seed)[] groups = [.. records.Select(r => (r.Prompt, r.Seed)).Distinct()];
            var byGroup = specs.ToLookup(r => (r.Prompt, r.Seed));
            this.Families = [.. specs.Select(r => FrontierSweep.FamilyOf(r.Method)).Distinct()];
            double X(EvaluationRecord r) => compute ? r.IdealSpeedup ?? r.Speedup : r.Speedup;

            Dictionary<string, (double, double)[]> Frontiers(IEnumerable<(string, ulong)> sample)
            {
                EvaluationRecord[] chosen = [.. sample.SelectMany(g => byGroup[g])];
                return this.Families.ToDictionary(f => f, f => chosen
                    .Where(r => FrontierSweep.FamilyOf(r.Method) == f)
                    .GroupBy(r => r.Method)
                    .Select(m => (m.Average(X), m.Average(r => MethodSummary.CapPsnr(r.Psnr))))
                    .ToArray());
            }

            this.full = Frontiers(groups);
            var random = new Random(seed);
            this.resampled = new List<Dictionary<string, (double, double)[]>>(resamples);
            for (int b = 0; b < resamples; b++)
            {
                this.resampled.Add(Frontiers(Enumerable.Range(0, groups.Length).Select(_ => groups[random.Next(groups.Length)])));
            }
        }

        /// <summary>The frontier lines present, in order of first appearance.</summary>
        public IReadOnlyList<string> Families { get; }

        /// <summary>One family at one speed.</summary>
        public Point At(string family, double speedup) =>
            this.Read(family, speedup, f => Interpolate(f[family], speedup));

        /// <summary><paramref name="family"/> − <paramref name="other"/> at one speed (the family field names both).</summary>
        public Point? Difference(string family, string other, double speedup) =>
            this.Families.Contains(family) && this.Families.Contains(other)
                ? this.Read($"{family} − {other}", speedup, f => Interpolate(f[family], speedup) - Interpolate(f[other], speedup))
                : null;

        private Point Read(string name, double speedup, Func<Dictionary<string, (double, double)[]>, double?> value)
        {
            double? mean = value(this.full);
            double[] samples = [.. this.resampled.Select(value).Where(v => v is not null).Select(v => v!.Value)];
            bool covered = mean is not null && samples.Length >= this.resamples / 2;
            return new Point(name, speedup, mean,
                covered ? Statistics.Percentile(samples, 2.5) : null,
                covered ? Statistics.Percentile(samples, 97.5) : null);
        }
    }
}
