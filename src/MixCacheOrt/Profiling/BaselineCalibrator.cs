using MixCacheOrt.Caching;
using MixCacheOrt.Caching.Baselines;
using MixCacheOrt.Metrics;
using MixCacheOrt.Numerics;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Profiling;

/// <summary>
/// Calibration of the baselines that need per-model constants, from the same full-compute generations:
/// <list type="bullet">
/// <item>TeaCache (the reference fits its polynomial per model from full runs): for every step k ≥ 1, x = relative
/// L1 between the time embeddings of steps k and k−1 and y = relative L1 between the conditional model outputs of
/// steps k and k−1; a degree-4 least-squares polynomial maps x to y.</item>
/// <item>MagCache: per step, the mean over tokens (both branches) of ‖r_k‖ / ‖r_{k−1}‖, r = what the block stack
/// added to the hidden state; averaged over the runs.</item>
/// </list>
/// </summary>
public static class BaselineCalibrator
{
    public const int Degree = 4;

    /// <summary>Runs the calibration generations once and derives both the TeaCache polynomial and the MagCache ratios.</summary>
    /// <param name="pipeline">Pipeline of the model.</param>
    /// <param name="runs">(prompt, seed) pairs.</param>
    /// <param name="steps">Sampling steps (null = the model's).</param>
    /// <param name="input"><c>e0</c> (the reference's use_ret_steps, our default) or <c>e</c>.</param>
    /// <param name="afterRun">Called after each run (progress).</param>
    /// <param name="cancellationToken">Checked between steps.</param>
    public static (TeaCacheCalibration TeaCache, MagCacheCalibration MagCache) Calibrate(TextToVideoPipeline pipeline,
        IReadOnlyList<(string Prompt, ulong Seed)> runs, int? steps = null, string input = "e0", Action? afterRun = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var recorder = new Recorder(input, pipeline.Package.Manifest.Geometry.Tokens);
        var ratioSums = new List<double>();
        foreach ((string prompt, ulong seed) in runs)
        {
            recorder.Ratios.Clear();
            pipeline.Generate(new GenerationRequest { Prompt = prompt, Seed = seed, Steps = steps, SkipDecode = true }, recorder, cancellationToken: cancellationToken);
            for (int k = 0; k < recorder.Ratios.Count; k++)
            {
                if (ratioSums.Count <= k)
                {
                    ratioSums.Add(0);
                }

                ratioSums[k] += recorder.Ratios[k];
            }

            afterRun?.Invoke();
        }

        string[] names = [.. runs.Select(r => $"{r.Prompt} | seed {r.Seed}")];
        var mag = new MagCacheCalibration { Ratios = [.. ratioSums.Select(s => s / runs.Count)], Runs = names };
        return (Fit(recorder.X, recorder.Y, input, names), mag);
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
    private sealed class Recorder(string input, int tokens) : ICachePolicy
    {
        private IReadOnlyList<float[]> embeddings = [];
        private float[]? previousCond;
        private float[]? previousResidual;

        /// <summary>MagCache ratio per step of the current run (1 at step 0).</summary>
        public List<double> Ratios { get; } = [];

        public List<double> X { get; } = [];

        public List<double> Y { get; } = [];

        public string Name => "teacache-calibration";

        public IReadOnlySet<int> BlockCandidates { get; } = new HashSet<int>();

        public CacheNeeds Needs => CacheNeeds.Residual | (input == "e" ? CacheNeeds.TimeEmbedding : CacheNeeds.TimeProjection);

        public void Reset(int steps, int blockCount)
        {
            this.previousCond = null;
            this.previousResidual = null;
        }

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
            float[] residual = o.Residual.ToArray();
            this.Ratios.Add(this.previousResidual is null ? 1.0 : MagCacheCalibration.MagnitudeRatio(residual, this.previousResidual, residual.Length / (2 * tokens)));
            this.previousResidual = residual;
        }
    }
}
