using System.Numerics.Tensors;

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
public sealed class FlowUniPCScheduler : IFlowScheduler
{
    private const int SolverOrder = 2;
    private readonly double[] sigmas;
    private readonly int[] timesteps;
    private float[]? newest; // M[-1]: x0 of the last step
    private float[]? older; // M[-2]
    private float[]? spare;
    private float[]? lastSample;
    private int thisOrder;
    private int lowerOrderNums;
    private int next;

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

    public int Steps { get; }

    public double Shift { get; }

    public IReadOnlyList<double> Sigmas => this.sigmas;

    /// <summary>The integer model timesteps t_0 … t_{N−1}.</summary>
    public IReadOnlyList<int> Timesteps => this.timesteps;

    public float Timestep(int k) => this.timesteps[k];

    public void Step(int k, ReadOnlySpan<float> velocity, Span<float> latent)
    {
        if (k != this.next)
        {
            throw new InvalidOperationException($"UniPC keeps a history: steps run in order, expected step {this.next}, got {k}");
        }

        int n = latent.Length;
        this.spare ??= new float[n];
        float[] x0 = this.spare;
        TensorPrimitives.MultiplyAdd(velocity, (float)-this.sigmas[k], latent, x0); // x0 = x − σ_k·v
        if (k > 0 && this.lastSample is not null)
        {
            this.Correct(k, x0, latent);
        }

        // Shift the x0 history: newest → older, this step's x0 → newest.
        (this.spare, this.older, this.newest) = (this.older, this.newest, x0);
        this.thisOrder = Math.Min(Math.Min(SolverOrder, this.Steps - k), this.lowerOrderNums + 1);
        this.lastSample ??= new float[n];
        latent.CopyTo(this.lastSample);
        this.Predict(k, latent);
        this.lowerOrderNums = Math.Min(this.lowerOrderNums + 1, SolverOrder);
        this.next++;
    }

    /// <summary>λ(σ) = log(1 − σ) − log σ (+∞ at σ = 0).</summary>
    private static double Lambda(double sigma) => Math.Log(1.0 - sigma) - Math.Log(sigma);

    /// <summary>UniP: σ_k → σ_{k+1} from the corrected sample (in <paramref name="x"/>), order 1 or 2.</summary>
    private void Predict(int k, Span<float> x)
    {
        double sigmaT = this.sigmas[k + 1], sigmaS = this.sigmas[k];
        (double h, double hPhi1, double bh, _, _) = Coefficients(sigmaT, sigmaS);
        double alphaT = 1.0 - sigmaT;
        float[] m0 = this.newest!;
        // x' = (σ_t/σ_s)·x − α_t·h_φ1·m0 [− α_t·B(h)·½·(m1 − m0)/r_k]
        TensorPrimitives.Multiply(x, (float)(sigmaT / sigmaS), x);
        TensorPrimitives.MultiplyAdd(m0, (float)(-alphaT * hPhi1), x, x);
        if (this.thisOrder == 2)
        {
            double rk = (Lambda(this.sigmas[k - 1]) - Lambda(sigmaS)) / h;
            AddDifference(x, this.older!, m0, (float)(-alphaT * bh * 0.5 / rk));
        }
    }

    /// <summary>UniC: re-does σ_{k−1} → σ_k from the previous (corrected) sample with this step's x0; writes <paramref name="x"/>.</summary>
    private void Correct(int k, float[] x0, Span<float> x)
    {
        double sigmaT = this.sigmas[k], sigmaS = this.sigmas[k - 1];
        (double h, double hPhi1, double bh, double b1, double b2) = Coefficients(sigmaT, sigmaS);
        double alphaT = 1.0 - sigmaT;
        float[] m0 = this.newest!;
        this.lastSample.AsSpan().CopyTo(x);
        TensorPrimitives.Multiply(x, (float)(sigmaT / sigmaS), x);
        TensorPrimitives.MultiplyAdd(m0, (float)(-alphaT * hPhi1), x, x);
        if (this.thisOrder == 1)
        {
            AddDifference(x, x0, m0, (float)(-alphaT * bh * 0.5));
            return;
        }

        // Order 2: R = [[1, 1], [r_k, 1]], b = [b1, b2] solved for ρ = (ρ0, ρ1); D1 = (m1 − m0)/r_k, D1_t = x0 − m0.
        double rk = (Lambda(this.sigmas[k - 2]) - Lambda(sigmaS)) / h;
        double rho0 = (b1 - b2) / (1.0 - rk);
        double rho1 = b1 - rho0;
        AddDifference(x, this.older!, m0, (float)(-alphaT * bh * rho0 / rk));
        AddDifference(x, x0, m0, (float)(-alphaT * bh * rho1));
    }

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

    /// <summary>x += c·a − c·b.</summary>
    private static void AddDifference(Span<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float c)
    {
        TensorPrimitives.MultiplyAdd(a, c, x, x);
        TensorPrimitives.MultiplyAdd(b, -c, x, x);
    }
}
