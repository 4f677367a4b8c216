namespace MixCacheOrt.Schedulers;

/// <summary>
/// Wan2.1's default text-to-video sampler: UniPC (Zhao et al. 2023) for flow matching, order 2, B(h) variant "bh2",
/// predicting x0 (Wan's <c>FlowUniPCMultistepScheduler</c>, defaults: 1000 train timesteps, lower-order final step,
/// corrector on every step but the first). Schedule: u_i = 0.999·(1 − i/N) (the train grid's σ_max), σ_i = shift·u/(1 +
/// (shift − 1)·u), a final σ_N = 0; the model sees t_i = ⌊1000·σ_i⌋ (integers, as Wan passes them).
/// </summary>
/// <remarks>
/// Each step converts the model output v to x0 = x − σ_k·v, corrects the sample with it (UniC, from step 1, at the order
/// of the previous predictor), and predicts the next sample from the last two x0 (UniP, order 1 at the first and last
/// step). Scalar coefficients are computed in double (Wan computes them in float32, whose b-coefficients lose ~1e-4
/// relative precision to cancellation at 50 steps); element-wise updates run in float32 like Wan's latents.
/// A reused or forecast model output enters the x0 history exactly like a computed one, as in TeaCache's and
/// MagCache's Wan integrations, which replace the transformer's output inside the model call the solver makes.
/// </remarks>
public sealed class FlowUniPCScheduler : FlowSchedulerBase
{
    private const int SolverOrder = 2;
    private readonly double[] sigmas;
    private readonly int[] timesteps;

    /// <param name="steps">Number of model evaluations N.</param>
    /// <param name="shift">Timestep shift (Wan T2V: 5).</param>
    /// <param name="timestepScale">Train timesteps T (Wan: 1000): σ_max = float32(1 − 1/T), t_i = ⌊T·σ_i⌋.</param>
    public FlowUniPCScheduler(int steps, double shift, double timestepScale = 1000.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shift);
        this.Steps = steps;
        this.Shift = shift;
        double sigmaMax = (float)(1.0 - (1.0 / timestepScale)); // float32 in Wan's train grid
        double increment = (0.0 - sigmaMax) / steps; // numpy.linspace: start + i * step
        this.sigmas = new double[steps + 1];
        this.timesteps = new int[steps];
        for (int i = 0; i < steps; i++)
        {
            double u = (i * increment) + sigmaMax;
            double sigma = shift * u / (1.0 + ((shift - 1.0) * u));
            this.timesteps[i] = (int)(sigma * timestepScale); // truncation, as int64 casting does
            this.sigmas[i] = (float)sigma; // Wan keeps σ in float32
        }

        if (steps > 1 && this.timesteps[0] == this.timesteps[1])
        {
            throw new ArgumentException($"UniPC with {steps} steps at shift {shift} repeats timestep {this.timesteps[0]}; use fewer steps or a smaller shift", nameof(steps));
        }
    }

    public override int Steps { get; }

    public double Shift { get; }

    public override IReadOnlyList<double> Sigmas => this.sigmas;

    /// <summary>The integer model timesteps t_0 … t_{N−1}.</summary>
    public IReadOnlyList<int> Timesteps => this.timesteps;

    public override float Timestep(int k) => this.timesteps[k];

    public override IFlowSolver<T> CreateSolver<T>(ITensorMath<T> math) => new Solver<T>(this, math);

    /// <summary>λ(σ) = log(1 − σ) − log σ (+∞ at σ = 0).</summary>
    private static double Lambda(double sigma) => Math.Log(1.0 - sigma) - Math.Log(sigma);

    /// <summary>h = λ_t − λ_s, h_φ1 = e^{−h} − 1, B(h) = h_φ1 (bh2), and the b vector of the order-2 system.</summary>
    private static (double H, double HPhi1, double Bh, double B1, double B2) Coefficients(double sigmaT, double sigmaS)
    {
        double h = Lambda(sigmaT) - Lambda(sigmaS);
        double hh = -h;
        double hPhi1 = Math.Exp(hh) - 1.0; // e^{−h} − 1; in double the cancellations below cost ~1e-13 relative
        double bh = hPhi1;
        double hPhiK = (hPhi1 / hh) - 1.0;
        double b1 = hPhiK / bh;
        hPhiK = (hPhiK / hh) - 0.5;
        double b2 = hPhiK * 2.0 / bh;
        return (h, hPhi1, bh, b1, b2);
    }

    /// <summary>
    /// One generation's UniPC state: the last two x0 (M[-1], M[-2]) and the last corrected sample, in buffers of
    /// <typeparamref name="T"/> allocated at the first step and rotated after (no copies but the first sample's).
    /// </summary>
    private sealed class Solver<T>(FlowUniPCScheduler schedule, ITensorMath<T> math) : IFlowSolver<T>
        where T : class
    {
        private readonly double[] sigmas = schedule.sigmas;
        private T? newest; // M[-1]: x0 of the last step
        private T? older; // M[-2]
        private T? spare;
        private T? lastSample; // the (corrected) sample of the last step
        private T? corrected;
        private int thisOrder;
        private int lowerOrderNums;
        private int next;

        public void Step(int k, T velocity, T latent, ref T? nextLatent)
        {
            if (k != this.next)
            {
                throw new InvalidOperationException($"UniPC keeps a history: steps run in order, expected step {this.next}, got {k}");
            }

            math.Combine([(latent, 1f), (velocity, (float)-this.sigmas[k])], ref this.spare); // x0 = x − σ_k·v
            T x0 = this.spare!;
            bool correcting = k > 0 && this.lastSample is not null;
            if (correcting)
            {
                this.Correct(k, x0);
            }

            // Shift the x0 history: newest → older, this step's x0 → newest.
            (this.spare, this.older, this.newest) = (this.older, this.newest, x0);
            this.thisOrder = Math.Min(Math.Min(SolverOrder, schedule.Steps - k), this.lowerOrderNums + 1);
            if (correcting)
            {
                (this.lastSample, this.corrected) = (this.corrected, this.lastSample);
            }
            else
            {
                math.Copy(latent, ref this.lastSample);
            }

            this.Predict(k, this.lastSample!, ref nextLatent);
            this.lowerOrderNums = Math.Min(this.lowerOrderNums + 1, SolverOrder);
            this.next++;
        }

        public void Dispose()
        {
            math.Release(this.newest);
            math.Release(this.older);
            math.Release(this.spare);
            math.Release(this.lastSample);
            math.Release(this.corrected);
            (this.newest, this.older, this.spare, this.lastSample, this.corrected) = (null, null, null, null, null);
        }

        /// <summary>UniP: σ_k → σ_{k+1} from the corrected sample, order 1 or 2.</summary>
        private void Predict(int k, T sample, ref T? destination)
        {
            double sigmaT = this.sigmas[k + 1], sigmaS = this.sigmas[k];
            (double h, double hPhi1, double bh, _, _) = Coefficients(sigmaT, sigmaS);
            double alphaT = 1.0 - sigmaT;
            T m0 = this.newest!;
            // x' = (σ_t/σ_s)·x − α_t·h_φ1·m0 [− α_t·B(h)·½·(m1 − m0)/r_k]
            float scale = (float)(sigmaT / sigmaS), first = (float)(-alphaT * hPhi1);
            if (this.thisOrder == 2)
            {
                double rk = (Lambda(this.sigmas[k - 1]) - Lambda(sigmaS)) / h;
                float c = (float)(-alphaT * bh * 0.5 / rk);
                math.Combine([(sample, scale), (m0, first), (this.older!, c), (m0, -c)], ref destination);
            }
            else
            {
                math.Combine([(sample, scale), (m0, first)], ref destination);
            }
        }

        /// <summary>UniC: re-does σ_{k−1} → σ_k from the last sample with this step's x0, into <see cref="corrected"/>.</summary>
        private void Correct(int k, T x0)
        {
            double sigmaT = this.sigmas[k], sigmaS = this.sigmas[k - 1];
            (double h, double hPhi1, double bh, double b1, double b2) = Coefficients(sigmaT, sigmaS);
            double alphaT = 1.0 - sigmaT;
            T m0 = this.newest!;
            float scale = (float)(sigmaT / sigmaS), first = (float)(-alphaT * hPhi1);
            if (this.thisOrder == 1)
            {
                float c = (float)(-alphaT * bh * 0.5);
                math.Combine([(this.lastSample!, scale), (m0, first), (x0, c), (m0, -c)], ref this.corrected);
                return;
            }

            // Order 2: R = [[1, 1], [r_k, 1]], b = [b1, b2] solved for ρ = (ρ0, ρ1); D1 = (m1 − m0)/r_k, D1_t = x0 − m0.
            double rk = (Lambda(this.sigmas[k - 2]) - Lambda(sigmaS)) / h;
            double rho0 = (b1 - b2) / (1.0 - rk);
            double rho1 = b1 - rho0;
            float c0 = (float)(-alphaT * bh * rho0 / rk), c1 = (float)(-alphaT * bh * rho1);
            math.Combine([(this.lastSample!, scale), (m0, first), (this.older!, c0), (m0, -c0), (x0, c1), (m0, -c1)], ref this.corrected);
        }
    }
}
