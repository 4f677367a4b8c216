using MixCacheOrt.Media;
using MixCacheOrt.Metrics;
using MixCacheOrt.Models;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Evaluation;

/// <summary>Turns a generation and its full-compute reference into an <see cref="EvaluationRecord"/>.</summary>
public static class EvaluationMeasurement
{
    /// <summary>
    /// Measures <paramref name="result"/> against <paramref name="reference"/> (the full-compute run of the same
    /// prompt and seed; pass the same object to record the reference itself).
    /// </summary>
    /// <param name="result">The run to measure.</param>
    /// <param name="reference">The reference run.</param>
    /// <param name="method">Method name for the record.</param>
    /// <param name="geometry">Frame geometry of the model (to read the decoded frames).</param>
    /// <param name="blockCount">Transformer blocks of the model (for the full-compute block count).</param>
    /// <param name="adherence">Prompt adherence evaluator (default: <see cref="PromptAdherence.Default"/>).</param>
    /// <remarks>
    /// PSNR and SSIM compare the decoded float frames (values in [0, 1], data range 1), not the 8-bit PNGs. The
    /// reference measured against itself gets PSNR = +∞ and SSIM = 1 without computing them.
    /// </remarks>
    /// <exception cref="ArgumentException">A run has no decoded frames.</exception>
    public static EvaluationRecord Measure(GenerationResult result, GenerationResult reference, string method, ModelGeometry geometry,
        int blockCount, PromptAdherence? adherence = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(geometry);
        adherence ??= PromptAdherence.Default;
        bool isReference = ReferenceEquals(result, reference);
        VideoFrames frames = Frames(result, geometry);
        double psnr = double.PositiveInfinity;
        double ssim = 1;
        if (!isReference)
        {
            VideoFrames referenceFrames = Frames(reference, geometry);
            psnr = VideoSimilarity.Psnr(referenceFrames, frames);
            ssim = VideoSimilarity.Ssim(referenceFrames, frames);
        }

        AdherenceScore score = adherence.Score(result.Request.Prompt, frames);
        StageTimings t = result.Timings;
        StageTimings r = reference.Timings;
        return new EvaluationRecord
        {
            Prompt = result.Request.Prompt,
            Seed = result.Request.Seed,
            Method = method,
            IsReference = isReference,
            Steps = result.Steps,
            TotalMs = t.Total.TotalMilliseconds,
            TextEncoderMs = t.TextEncoder.TotalMilliseconds,
            DenoiseMs = t.Denoise.TotalMilliseconds,
            DecodeMs = t.Decode.TotalMilliseconds,
            Speedup = isReference ? 1 : Ratio(r.Total, t.Total),
            DenoiseSpeedup = isReference ? 1 : Ratio(r.Denoise, t.Denoise),
            Psnr = psnr,
            Ssim = ssim,
            Adheres = score.Adheres,
            ColorOk = score.ColorOk,
            DirectionOk = score.DirectionOk,
            ShapeOk = score.ShapeOk,
            DetectedColor = score.Detected.Color,
            DetectedDirection = score.Detected.Direction,
            DetectedShape = score.Detected.Shape,
            StepsPerMode = StepModes.Count(result.Trace),
            ModeSequence = [.. result.Trace.Select(t => StepModes.Label(t.Decision))],
            HostDeviceBytes = result.Trace.Sum(t => t.HostToDeviceBytes + t.DeviceToHostBytes),
            MeanStepMsPerMode = result.Trace.GroupBy(t => StepModes.Label(t.Decision)).ToDictionary(g => g.Key, g => g.Average(t => t.Elapsed.TotalMilliseconds)),
            DecisionOverheadMs = t.DecisionOverhead.TotalMilliseconds,
            CacheBytesPeak = result.CacheBytesPeak,
            BlockEvaluations = result.Trace.Sum(s => s.BlockEvaluations),
            BlockEvaluationsFullCompute = 2 * blockCount * result.Steps,
        };
    }

    private static VideoFrames Frames(GenerationResult result, ModelGeometry g) =>
        result.Frames.Length > 0
            ? new VideoFrames(g.Frames, g.Height, g.Width, result.Frames)
            : throw new ArgumentException($"the run of '{result.Request.Prompt}' (cache {result.CachePolicy}) has no decoded frames; evaluation needs the decoder", nameof(result));

    private static double Ratio(TimeSpan numerator, TimeSpan denominator) =>
        denominator > TimeSpan.Zero ? numerator / denominator : double.NaN;
}
