using System.Text.Json;
using MixCacheOrt.Caching.MixCache;
using MixCacheOrt.Metrics;

namespace MixCacheOrt.Caching.Baselines;

/// <summary>
/// TeaCache (Liu et al. 2025; reference: ali-vilab/TeaCache, TeaCache4Wan2.1). Each step compares the timestep
/// embedding with the previous step's (relative L1), maps it through a per-model polynomial fitted by
/// <c>mixcache calibrate</c> to an estimate of the output change, and accumulates it; while the sum stays under the
/// threshold the block stack is skipped and the residual it added at the last computed step is reused
/// (<see cref="StepMode.ResidualReuse"/>; <c>pre</c> and <c>post</c> always run).
/// </summary>
public sealed record TeaCacheOptions
{
    /// <summary>Skip while the accumulated rescaled distance stays below this (the paper's TeaCache_0.1 / _0.14).</summary>
    public required double Threshold { get; init; }

    /// <summary>Rescaling polynomial, highest power first (numpy <c>poly1d</c> order), from <see cref="TeaCacheCalibration"/>.</summary>
    public required IReadOnlyList<double> Coefficients { get; init; }

    /// <summary>
    /// The reference's <c>use_ret_steps</c>: compare the 6-way projection <c>e0</c> and always compute the first 5 steps;
    /// false: compare <c>e</c>, always compute the first and the last step.
    /// </summary>
    public bool UseRetentionSteps { get; init; } = true;

    public int WarmupSteps => this.UseRetentionSteps ? 5 : 1;

    public int CooldownSteps => this.UseRetentionSteps ? 0 : 1;
}

/// <summary>TeaCache's pure decision rules.</summary>
public static class TeaCacheDecisions
{
    /// <summary><c>poly1d(coefficients)(x)</c> by Horner's rule.</summary>
    public static double Rescale(IReadOnlyList<double> coefficients, double x) => Numerics.PolynomialFit.Evaluate(coefficients, x);

    /// <summary>
    /// One step: add the rescaled distance; skip when the sum is still under the threshold, otherwise compute and
    /// restart the sum at 0. Forced steps (warm-up, cool-down) compute and restart the sum.
    /// </summary>
    public static (bool Skip, double Accumulated) Step(double accumulated, double rescaledDistance, double threshold, bool forced)
    {
        if (forced)
        {
            return (false, 0);
        }

        double sum = accumulated + rescaledDistance;
        return sum < threshold ? (true, sum) : (false, 0);
    }
}

/// <summary>TeaCache as an <see cref="ICachePolicy"/>; both CFG branches see the same embedding, so one state serves both.</summary>
public sealed class TeaCachePolicy : ICachePolicy
{
    private readonly TeaCacheOptions options;
    private IReadOnlyList<float[]> embeddings = [];
    private int steps;
    private double accumulated;
    private double lastDistance;

    public TeaCachePolicy(string name, TeaCacheOptions options)
    {
        this.Name = name;
        this.options = options;
    }

    public string Name { get; }

    public IReadOnlySet<int> BlockCandidates { get; } = new HashSet<int>();

    public CacheNeeds Needs => CacheNeeds.Residual | (this.options.UseRetentionSteps ? CacheNeeds.TimeProjection : CacheNeeds.TimeEmbedding);

    public void Reset(int steps, int blockCount)
    {
        this.steps = steps;
        this.accumulated = 0;
        this.embeddings = [];
    }

    public void SetTimeEmbeddings(IReadOnlyList<float[]> perStep) => this.embeddings = perStep;

    public CacheDecision Decide(int step, CacheAvailability cache)
    {
        bool forced = step < this.options.WarmupSteps || step >= this.steps - this.options.CooldownSteps || !cache.HasResidual;
        this.lastDistance = step > 0 && this.embeddings.Count > step ? RelativeL1.Distance(this.embeddings[step], this.embeddings[step - 1]) : double.NaN;
        double rescaled = double.IsNaN(this.lastDistance) ? 0 : TeaCacheDecisions.Rescale(this.options.Coefficients, this.lastDistance);
        (bool skip, this.accumulated) = TeaCacheDecisions.Step(this.accumulated, rescaled, this.options.Threshold, forced);
        return skip ? CacheDecision.ReuseResidual : CacheDecision.Full;
    }

    public void Observe(StepObservation observation)
    {
        observation.Metrics["rel_l1_embedding"] = this.lastDistance;
        observation.Metrics["accumulated"] = this.accumulated;
    }
}

/// <summary>
/// The per-model TeaCache polynomial, fitted by <c>mixcache calibrate</c> from full-compute runs: x = relative L1
/// between consecutive steps' time embeddings, y = relative L1 between consecutive steps' conditional model outputs.
/// Stored as <c>teacache.json</c> next to the manifest.
/// </summary>
public sealed record TeaCacheCalibration
{
    public const string FileName = "teacache.json";

    /// <summary><c>e0</c> (the reference's use_ret_steps) or <c>e</c>.</summary>
    public required string Input { get; init; }

    /// <summary>Polynomial coefficients, highest power first.</summary>
    public required double[] Coefficients { get; init; }

    /// <summary>Number of (x, y) points of the fit.</summary>
    public int Points { get; init; }

    /// <summary>Root-mean-square error of the fit on its points.</summary>
    public double Rmse { get; init; }

    /// <summary>The calibration points (x, y), for plots and refits.</summary>
    public double[][]? Samples { get; init; }

    public string[]? Runs { get; init; }

    public void Save(string path) =>
        Media.AtomicFile.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, MixCacheProfile.JsonOptions)));

    public static TeaCacheCalibration Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"TeaCache calibration '{path}' is missing: run 'mixcache calibrate' for this model first", path);
        }

        try
        {
            TeaCacheCalibration c = JsonSerializer.Deserialize<TeaCacheCalibration>(File.ReadAllText(path), MixCacheProfile.JsonOptions)
                ?? throw new InvalidDataException($"'{path}' is empty");
            if (c.Coefficients is not { Length: > 0 } || c.Input is not ("e" or "e0"))
            {
                throw new InvalidDataException($"'{path}': need coefficients and input 'e' or 'e0'; re-run 'mixcache calibrate'");
            }

            return c;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid TeaCache calibration: {e.Message}; re-run 'mixcache calibrate'", e);
        }
    }
}
