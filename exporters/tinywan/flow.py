"""Rectified-flow (flow-matching) schedule and the reference Euler sampler with CFG, as in Wan.

x_sigma = (1 - sigma) * x0 + sigma * noise, the model predicts v = noise - x0, timestep = 1000 * sigma.
Sampling: sigmas from a uniform grid u_k = 1 - k/steps mapped through the shift
sigma = shift * u / (1 + (shift - 1) * u); Euler step x += (sigma_next - sigma) * v;
guidance v = v_uncond + g * (v_cond - v_uncond).
"""
from __future__ import annotations

import torch


def shift_sigma(u: torch.Tensor, shift: float) -> torch.Tensor:
    return shift * u / (1.0 + (shift - 1.0) * u)


def sampling_sigmas(steps: int, shift: float) -> torch.Tensor:
    """steps + 1 sigmas from 1 down to 0 (float64 for an exact cross-language reference)."""
    u = 1.0 - torch.arange(steps + 1, dtype=torch.float64) / steps
    return shift_sigma(u, shift)


@torch.no_grad()
def sample(model, context: torch.Tensor, context_null: torch.Tensor, noise: torch.Tensor,
           steps: int = 50, shift: float = 3.0, guidance: float = 5.0, callback=None) -> torch.Tensor:
    """Euler sampler. context/context_null: [N, L, text_dim]; noise: [N, C, F, H, W]. Cond and uncond
    run batched (batch 2N), like the C# executor does on full steps."""
    sigmas = sampling_sigmas(steps, shift)
    x = noise.clone()
    ctx = torch.cat([context, context_null])
    for k in range(steps):
        t = torch.full((2 * x.shape[0],), float(sigmas[k] * 1000.0))
        v_c, v_u = model(torch.cat([x, x]), t, ctx).chunk(2)
        v = v_u + guidance * (v_c - v_u)
        x = x + float(sigmas[k + 1] - sigmas[k]) * v
        if callback is not None:
            callback(k, x)
    return x
