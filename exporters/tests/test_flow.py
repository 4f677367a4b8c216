"""The reference samplers of tinywan/flow.py: Wan's UniPC schedule and exactness on a constant velocity field."""
from helpers import PACKAGE  # noqa: F401  (first: sys.path and BLAS thread settings)
import unittest

import torch

from tinywan.flow import sample, sample_unipc, unipc_schedule

# Wan2.1's FlowUniPCMultistepScheduler timesteps for 50 steps at shift 5 (from a transliteration of
# wan/utils/fm_solvers_unipc.py run with torch); the C# test FlowUniPCSchedulerTests holds the same list.
WAN_TIMESTEPS_50_SHIFT5 = [
    999, 995, 991, 987, 982, 978, 973, 968, 963, 957, 952, 946, 940, 934, 927, 920, 913, 906, 898, 890, 882, 873, 863, 854, 843,
    833, 821, 809, 796, 783, 768, 753, 737, 720, 701, 681, 660, 636, 611, 584, 555, 522, 487, 448, 405, 356, 302, 241, 172, 92,
]


class ConstantVelocity(torch.nn.Module):
    """v = noise - x0 everywhere (the same for both CFG branches): the flow from noise to x0 is a straight line."""

    def __init__(self, x0: torch.Tensor, eps: torch.Tensor):
        super().__init__()
        self.v = eps - x0

    def forward(self, x, t, ctx):
        return self.v.expand_as(x).clone()


class FlowTest(unittest.TestCase):
    def test_unipc_schedule_is_wans(self):
        sigmas, timesteps = unipc_schedule(50, 5.0)
        self.assertEqual(timesteps, WAN_TIMESTEPS_50_SHIFT5)
        self.assertAlmostEqual(sigmas[0], 0.9997998476028442, places=15)
        self.assertEqual(sigmas[-1], 0.0)
        self.assertEqual(len(sigmas), 51)

    def test_both_samplers_end_at_the_data_of_a_constant_velocity_field(self):
        # x_sigma = (1 - sigma) x0 + sigma eps and v = eps - x0: Euler is exact, and UniPC's exponential integrator is
        # exact for a constant x0 prediction; both must land on x0 from the point of the path at their first sigma.
        x0 = torch.tensor([0.3, -0.7, 1.1]).reshape(1, 3, 1, 1, 1)
        eps = torch.tensor([1.2, 0.4, -0.9]).reshape(1, 3, 1, 1, 1)
        model = ConstantVelocity(x0, eps)
        ctx = torch.zeros(1, 2, 4)
        for steps in (1, 2, 10, 50):
            sigma0 = unipc_schedule(steps, 5.0)[0][0]
            out = sample_unipc(model, ctx, ctx, (1 - sigma0) * x0 + sigma0 * eps, steps=steps, shift=5.0)
            torch.testing.assert_close(out, x0, atol=2e-6, rtol=0)
            torch.testing.assert_close(sample(model, ctx, ctx, eps, steps=steps, shift=3.0), x0, atol=2e-6, rtol=0)


if __name__ == "__main__":
    unittest.main()
