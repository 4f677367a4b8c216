namespace MixCacheOrt.Schedulers;

/// <summary>
/// Rectified-flow Euler sampler with timestep shift, as in Wan2.1 and the exporters' reference
/// (<c>exporters/tinywan/flow.py</c>): u_k = 1 - k/steps, σ_k = shift·u/(1 + (shift-1)·u), timestep = scale·σ_k,
/// and x ← x + (σ_{k+1} - σ_k)·v where v predicts noise - x0.
/// </summary>
public sealed class FlowMatchEulerScheduler : FlowSchedulerBase
{
    private readonly double[] sigmas;

    public FlowMatchEulerScheduler(int steps, double shift, double timestepScale = 1000.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shift);
        this.Steps = steps;
        this.Shift = shift;
        this.TimestepScale = timestepScale;
        this.sigmas = new double[steps + 1];
        for (int k = 0; k <= steps; k++)
        {
            double u = 1.0 - ((double)k / steps);
            this.sigmas[k] = shift * u / (1.0 + ((shift - 1.0) * u));
        }
    }

    public override int Steps { get; }

    public double Shift { get; }

    public double TimestepScale { get; }

    /// <summary>σ_0 = 1 … σ_steps = 0.</summary>
    public override IReadOnlyList<double> Sigmas => this.sigmas;

    /// <summary>Model timestep of step <paramref name="k"/> (σ_k · scale), as the pre graph expects it.</summary>
    public override float Timestep(int k) => (float)(this.sigmas[k] * this.TimestepScale);

    /// <summary>One Euler step: <c>next = latent + (σ_{k+1} - σ_k) · velocity</c>.</summary>
    public override IFlowSolver<T> CreateSolver<T>(ITensorMath<T> math) => new Solver<T>(this, math);

    private sealed class Solver<T>(FlowMatchEulerScheduler schedule, ITensorMath<T> math) : IFlowSolver<T>
        where T : class
    {
        public void Step(int k, T velocity, T latent, ref T? next)
        {
            if ((uint)k >= (uint)schedule.Steps)
            {
                throw new ArgumentOutOfRangeException(nameof(k), k, $"step index must be in [0, {schedule.Steps})");
            }

            float dt = (float)(schedule.sigmas[k + 1] - schedule.sigmas[k]);
            math.Combine([(latent, 1f), (velocity, dt)], ref next);
        }

        public void Dispose()
        {
        }
    }
}
