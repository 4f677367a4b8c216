namespace MixCacheOrt.Pipelines;

/// <summary>
/// The latent became NaN or infinite during sampling, so the video would be garbage; thrown at the end of the step
/// where it happened, before anything is decoded or written.
/// </summary>
public sealed class NonFiniteLatentException : Exception
{
    public NonFiniteLatentException(int step, int steps, double guidance)
        : base($"the latent became non-finite (NaN or infinity) at step {step} of {steps} (0-based); nothing was written. " +
            $"Lower --guidance (it was {guidance:G4}) or check the model package")
    {
        this.Step = step;
    }

    /// <summary>The 0-based step after which the latent was no longer finite.</summary>
    public int Step { get; }
}
