namespace MixCacheOrt.Evaluation;

/// <summary>
/// One evaluated generation: a (prompt, seed, method) run measured against the full-compute reference run
/// (<see cref="EvaluationMethods.Reference"/>) of the same prompt and seed.
/// </summary>
public sealed record EvaluationRecord
{
    public required string Prompt { get; init; }

    public required ulong Seed { get; init; }

    /// <summary>Cache policy name.</summary>
    public required string Method { get; init; }

    /// <summary>This run is the reference itself (PSNR infinite, SSIM 1, speedup 1 by definition).</summary>
    public bool IsReference { get; init; }

    /// <summary>Denoising steps.</summary>
    public required int Steps { get; init; }

    /// <summary>End-to-end latency: text encoder, denoising loop and decoder.</summary>
    public required double TotalMs { get; init; }

    public double TextEncoderMs { get; init; }

    public required double DenoiseMs { get; init; }

    public double DecodeMs { get; init; }

    /// <summary>Reference <see cref="TotalMs"/> / this <see cref="TotalMs"/> (same prompt and seed).</summary>
    public required double Speedup { get; init; }

    /// <summary>Reference <see cref="DenoiseMs"/> / this <see cref="DenoiseMs"/>.</summary>
    public required double DenoiseSpeedup { get; init; }

    /// <summary>
    /// PSNR (dB) of the decoded frames against the reference frames, data range 1;
    /// <see cref="double.PositiveInfinity"/> when they are identical (see <see cref="IdenticalToReference"/>).
    /// </summary>
    public required double Psnr { get; init; }

    /// <summary>Mean SSIM of the decoded frames against the reference frames (1 = identical).</summary>
    public required double Ssim { get; init; }

    /// <summary>The frames equal the reference frames exactly (PSNR infinite).</summary>
    public bool IdenticalToReference => double.IsPositiveInfinity(this.Psnr);

    /// <summary>Prompt adherence: detected colour and direction both match the prompt.</summary>
    public required bool Adheres { get; init; }

    public bool ColorOk { get; init; }

    public bool DirectionOk { get; init; }

    public bool ShapeOk { get; init; }

    public string? DetectedColor { get; init; }

    public string? DetectedDirection { get; init; }

    public string? DetectedShape { get; init; }

    /// <summary>Steps per cache mode (<see cref="StepModes"/>).</summary>
    public required IReadOnlyDictionary<string, int> StepsPerMode { get; init; }

    /// <summary>The decoded video as an animated GIF (for the HTML report); null when not kept. Not in JSON: files in <c>videos/</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public byte[]? Gif { get; init; }

    /// <summary>The mode of every step, in order (<see cref="StepModes.Label"/>), for timelines.</summary>
    public IReadOnlyList<string> ModeSequence { get; init; } = [];

    /// <summary>Time the policy spent deciding and measuring.</summary>
    public double DecisionOverheadMs { get; init; }

    /// <summary><see cref="DecisionOverheadMs"/> / <see cref="TotalMs"/>.</summary>
    public double OverheadFraction => this.TotalMs > 0 ? this.DecisionOverheadMs / this.TotalMs : 0;

    /// <summary>Bytes moved between host arrays and ORT values during the denoising steps, both ways (<c>TransferCounter</c>).</summary>
    public long HostDeviceBytes { get; init; }

    /// <summary>Mean wall time of a step, per mode (<see cref="StepModes"/>).</summary>
    public IReadOnlyDictionary<string, double> MeanStepMsPerMode { get; init; } = new Dictionary<string, double>();

    /// <summary>Peak bytes held by the pipeline's caches.</summary>
    public long CacheBytesPeak { get; init; }

    /// <summary>Transformer block evaluations run (summed over CFG batch rows).</summary>
    public int BlockEvaluations { get; init; }

    /// <summary>Block evaluations of full compute: 2 · blocks · steps.</summary>
    public int BlockEvaluationsFullCompute { get; init; }

    /// <summary>
    /// <see cref="BlockEvaluationsFullCompute"/> / <see cref="BlockEvaluations"/> (the <c>ideal_speedup</c> of
    /// <c>run.json</c>); null when no block ran.
    /// </summary>
    public double? IdealSpeedup => this.BlockEvaluations == 0 ? null : (double)this.BlockEvaluationsFullCompute / this.BlockEvaluations;
}
