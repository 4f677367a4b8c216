using MixCacheOrt.Caching;
using MixCacheOrt.Caching.Baselines;
using MixCacheOrt.Metrics;
using MixCacheOrt.Numerics;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Profiling;

/// <summary>
/// TeaCache calibration for a model (the reference fits its polynomial per model from full runs): full-compute
/// generations record, for every step k ≥ 1, x = relative L1 between the time embeddings of steps k and k−1 and
/// y = relative L1 between the conditional model outputs of steps k and k−1; a degree-4 least-squares polynomial
/// maps x to y.
/// </summary>
public static class TeaCacheCalibrator
{
    public const int Degree = 4;

    /// <summary>Runs the calibration generations and fits the polynomial.</summary>
    /// <param name="pipeline">Pipeline of the model.</param>
    /// <param name="runs">(prompt, seed) pairs.</param>
    /// <param name="steps">Sampling steps (null = the model's).</param>
    /// <param name="input"><c>e0</c> (the reference's use_ret_steps, our default) or <c>e</c>.</param>
    /// <param name="afterRun">Called after each run (progress).</param>
    /// <param name="cancellationToken">Checked between steps.</param>
    public static TeaCacheCalibration Calibrate(TextToVideoPipeline pipeline, IReadOnlyList<(string Prompt, ulong Seed)> runs, int? steps = null,
        string input = "e0", Action? afterRun = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var recorder = new Recorder(input);
        foreach ((string prompt, ulong seed) in runs)
        {
            pipeline.Generate(new GenerationRequest { Prompt = prompt, Seed = seed, Steps = steps, SkipDecode = true }, recorder, cancellationToken: cancellationToken);
            afterRun?.Invoke();
        }

        return Fit(recorder.X, recorder.Y, input, [.. runs.Select(r => $"{r.Prompt} | seed {r.Seed}")]);
    }

    /// <summary>Fits the polynomial to calibration points.</summary>
    public static TeaCacheCalibration Fit(IReadOnlyList<double> x, IReadOnlyList<double> y, string input, string[]? runs = null)
    {
        double[] coefficients = PolynomialFit.Fit(x, y, Degree);
        double squared = x.Select((xi, i) => Math.Pow(PolynomialFit.Evaluate(coefficients, xi) - y[i], 2)).Sum();
        return new TeaCacheCalibration
        {
            Input = input,
            Coefficients = coefficients,
            Points = x.Count,
            Rmse = Math.Sqrt(squared / x.Count),
            Samples = [.. x.Select((xi, i) => new[] { xi, y[i] })],
            Runs = runs,
        };
    }

    /// <summary>Full compute; records (x, y) at every step after the first.</summary>
    private sealed class Recorder(string input) : ICachePolicy
    {
        private IReadOnlyList<float[]> embeddings = [];
        private float[]? previousCond;

        public List<double> X { get; } = [];

        public List<double> Y { get; } = [];

        public string Name => "teacache-calibration";

        public IReadOnlySet<int> BlockCandidates { get; } = new HashSet<int>();

        public CacheNeeds Needs => input == "e" ? CacheNeeds.TimeEmbedding : CacheNeeds.TimeProjection;

        public void Reset(int steps, int blockCount) => this.previousCond = null;

        public void SetTimeEmbeddings(IReadOnlyList<float[]> perStep) => this.embeddings = perStep;

        public CacheDecision Decide(int step, CacheAvailability cache) => CacheDecision.Full;

        public void Observe(StepObservation o)
        {
            float[] cond = o.Conditional.ToArray();
            if (this.previousCond is not null && o.Step > 0)
            {
                this.X.Add(RelativeL1.Distance(this.embeddings[o.Step], this.embeddings[o.Step - 1]));
                this.Y.Add(RelativeL1.Distance(cond, this.previousCond));
            }

            this.previousCond = cond;
        }
    }
}
