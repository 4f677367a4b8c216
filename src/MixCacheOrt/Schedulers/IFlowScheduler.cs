namespace MixCacheOrt.Schedulers;

/// <summary>
/// A flow-matching sampler (the model predicts v = noise − x0): the timestep the model sees at each step and the
/// update of the latent from the step's (guided) model output. The update is written once over
/// <see cref="ITensorMath{T}"/> (<see cref="CreateSolver{T}"/>), so the pipeline runs it on the execution device and
/// tests run the same rule on host arrays (<see cref="Step"/>).
/// </summary>
public interface IFlowScheduler
{
    int Steps { get; }

    /// <summary>σ_0 … σ_steps (the last is 0).</summary>
    IReadOnlyList<double> Sigmas { get; }

    /// <summary>The model timestep of step <paramref name="k"/>.</summary>
    float Timestep(int k);

    /// <summary>A solver for one generation over <paramref name="math"/>'s tensors (dispose it to free its buffers).</summary>
    IFlowSolver<T> CreateSolver<T>(ITensorMath<T> math)
        where T : class;

    /// <summary>
    /// Advances <paramref name="latent"/> in place by step <paramref name="k"/> given the model output
    /// <paramref name="velocity"/>, on the host (one solver per scheduler instance: steps run in order 0, 1, …).
    /// </summary>
    void Step(int k, ReadOnlySpan<float> velocity, Span<float> latent);
}

/// <summary>The host <see cref="IFlowScheduler.Step"/> of every scheduler: its solver over <see cref="HostTensorMath"/>.</summary>
public abstract class FlowSchedulerBase : IFlowScheduler
{
    private IFlowSolver<float[]>? host;
    private float[]? velocityBuffer;
    private float[]? latentBuffer;
    private float[]? nextBuffer;

    public abstract int Steps { get; }

    public abstract IReadOnlyList<double> Sigmas { get; }

    public abstract float Timestep(int k);

    public abstract IFlowSolver<T> CreateSolver<T>(ITensorMath<T> math)
        where T : class;

    public void Step(int k, ReadOnlySpan<float> velocity, Span<float> latent)
    {
        if (velocity.Length != latent.Length)
        {
            throw new ArgumentException($"velocity has {velocity.Length} elements and the latent {latent.Length}", nameof(velocity));
        }

        this.host ??= this.CreateSolver(HostTensorMath.Instance);
        if (this.latentBuffer?.Length != latent.Length)
        {
            (this.velocityBuffer, this.latentBuffer, this.nextBuffer) = (new float[latent.Length], new float[latent.Length], null);
        }

        velocity.CopyTo(this.velocityBuffer);
        latent.CopyTo(this.latentBuffer);
        this.host.Step(k, this.velocityBuffer!, this.latentBuffer, ref this.nextBuffer);
        this.nextBuffer.CopyTo(latent);
    }
}

/// <summary>The samplers a package or the command line can choose (manifest <c>scheduler.type</c>, <c>--scheduler</c>).</summary>
public static class FlowSchedulers
{
    /// <summary>Names: <c>euler</c> (flow-matching Euler; manifest type <c>flow_match_euler</c>) and <c>unipc</c> (Wan's default; <c>flow_match_unipc</c>).</summary>
    public static IReadOnlyList<string> Names { get; } = ["euler", "unipc"];

    /// <summary>The scheduler for a name (<c>euler</c>/<c>flow_match_euler</c>, <c>unipc</c>/<c>flow_match_unipc</c>).</summary>
    /// <exception cref="ArgumentException">Another name: the message lists the allowed ones.</exception>
    public static IFlowScheduler Create(string name, int steps, double shift, double timestepScale) => Normalize(name) switch
    {
        "euler" => new FlowMatchEulerScheduler(steps, shift, timestepScale),
        "unipc" => new FlowUniPCScheduler(steps, shift, timestepScale),
        _ => throw new ArgumentException($"unknown scheduler '{name}'; use {string.Join(" or ", Names)}", nameof(name)),
    };

    /// <summary><c>euler</c> or <c>unipc</c> for a command-line or manifest name; other names lower-cased.</summary>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string n = name.Trim().ToLowerInvariant();
        return n switch
        {
            "flow_match_euler" or "euler" => "euler",
            "flow_match_unipc" or "unipc" => "unipc",
            _ => n,
        };
    }
}
