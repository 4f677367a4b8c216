namespace MixCacheOrt.Caching;

/// <summary>
/// What one step produced, handed to <see cref="ICachePolicy.Observe"/>. Spans are valid only during the call.
/// Block outputs are read through <see cref="BlockOutputs"/> (host copies made on demand, so a policy that does not
/// look at them costs nothing).
/// </summary>
public sealed class StepObservation
{
    internal StepObservation(int step, CacheDecision decision, float[] output, float[]? previousOutput, float[]? cond, float[]? uncond,
        IBlockOutputReader blockOutputs, Dictionary<string, double> metrics, Func<float[]?>? residual = null)
    {
        this.residual = residual;
        this.Step = step;
        this.Decision = decision;
        this.OutputArray = output;
        this.PreviousOutputArray = previousOutput;
        this.CondArray = cond;
        this.UncondArray = uncond;
        this.BlockOutputs = blockOutputs;
        this.Metrics = metrics;
    }

    private readonly Func<float[]?>? residual;

    public int Step { get; }

    /// <summary>
    /// What the block stack added at this step, both branches [2, tokens, dim] (host copy made on demand), when the
    /// step computed fully and the policy declared <see cref="CacheNeeds.Residual"/>; else empty.
    /// </summary>
    public ReadOnlySpan<float> Residual => this.residual?.Invoke();

    public CacheDecision Decision { get; }

    /// <summary>The guided model output used by the scheduler at this step.</summary>
    public ReadOnlySpan<float> Output => this.OutputArray;

    /// <summary>The guided output of the previous step (empty at step 0).</summary>
    public ReadOnlySpan<float> PreviousOutput => this.PreviousOutputArray;

    /// <summary>Conditional branch output when a model pass ran, else empty.</summary>
    public ReadOnlySpan<float> Conditional => this.CondArray;

    /// <summary>Unconditional branch output when both branches ran (full step), else empty.</summary>
    public ReadOnlySpan<float> Unconditional => this.UncondArray;

    /// <summary>Current and previous conditional outputs of candidate blocks computed at this step.</summary>
    public IBlockOutputReader BlockOutputs { get; }

    /// <summary>Named values the policy wants in the trace (D and P values, N, …).</summary>
    public Dictionary<string, double> Metrics { get; }

    internal float[] OutputArray { get; }

    internal float[]? PreviousOutputArray { get; }

    internal float[]? CondArray { get; }

    internal float[]? UncondArray { get; }
}

/// <summary>Block outputs kept by the pipeline's feature cache: their distances (no copy), or host views of them.</summary>
public interface IBlockOutputReader
{
    /// <summary>Blocks whose conditional output was computed at this step.</summary>
    IReadOnlyCollection<int> Computed { get; }

    /// <summary>Conditional output of <paramref name="block"/> at this step (host copy).</summary>
    ReadOnlySpan<float> Current(int block);

    /// <summary>Conditional output of <paramref name="block"/> as it was cached before this step (empty if none).</summary>
    ReadOnlySpan<float> Previous(int block);

    /// <summary>
    /// Relative L1 distance Σ|current − previous| / Σ|previous| of <paramref name="block"/>'s conditional output, reduced
    /// where the values live (on the device with CUDA): only the scalar reaches the host. NaN when the block has no
    /// previous value this step.
    /// </summary>
    double Distance(int block);
}
