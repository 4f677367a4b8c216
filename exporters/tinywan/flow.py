"""Rectified-flow (flow-matching) schedule and the reference samplers with CFG, as in Wan: Euler, and UniPC (Wan's
default, at the end of this file).

x_sigma = (1 - sigma) * x0 + sigma * noise, the model predicts v = noise - x0, timestep = 1000 * sigma.
Sampling: sigmas from a uniform grid u_k = 1 - k/steps mapped through the shift
sigma = shift * u / (1 + (shift - 1) * u); Euler step x += (sigma_next - sigma) * v;
guidance v = v_uncond + g * (v_cond - v_uncond).
"""
from __future__ import annotations

import math

import numpy as np
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


# --- UniPC (Wan2.1's default T2V sampler: FlowUniPCMultistepScheduler, order 2, bh2, predict x0) --------------------
# Written from the description of Wan's solver (wan/utils/fm_solvers_unipc.py); the C# twin is
# src/MixCacheOrt/Schedulers/FlowUniPCScheduler.cs. Scalars in float64, latents in float32.

def unipc_schedule(steps: int, shift: float, train_timesteps: int = 1000):
    """(sigmas, timesteps): steps + 1 sigmas (float32 values, the last 0) and the integer model timesteps."""
    sigma_max = float(np.float32(1.0 - 1.0 / train_timesteps))
    u = np.arange(steps + 1, dtype=np.float64) * ((0.0 - sigma_max) / steps) + sigma_max
    sig = shift * u[:-1] / (1.0 + (shift - 1.0) * u[:-1])
    timesteps = [int(v) for v in (sig * train_timesteps)]
    sigmas = [float(np.float32(v)) for v in sig] + [0.0]
    return sigmas, timesteps


def _lam(s: float) -> float:
    return math.inf if s == 0.0 else math.log(1.0 - s) - math.log(s)


def _coefficients(sig_t: float, sig_s: float):
    h = _lam(sig_t) - _lam(sig_s)
    hh = -h
    h_phi_1 = math.exp(hh) - 1.0
    b_h = h_phi_1
    k1 = h_phi_1 / hh - 1.0 if math.isfinite(hh) else -1.0
    b1 = k1 / b_h
    k2 = k1 / hh - 0.5 if math.isfinite(hh) else -0.5
    b2 = k2 * 2.0 / b_h
    return h, h_phi_1, b_h, b1, b2


@torch.no_grad()
def sample_unipc(model, context: torch.Tensor, context_null: torch.Tensor, noise: torch.Tensor,
                 steps: int = 50, shift: float = 5.0, guidance: float = 5.0, callback=None) -> torch.Tensor:
    """UniPC sampler with CFG (cond and uncond batched). Each step: x0 = x - sigma_k v; from step 1 the corrector
    redoes sigma_{k-1} -> sigma_k with it (at the previous predictor's order); the predictor goes sigma_k ->
    sigma_{k+1} from the last two x0 (order 1 at the first and the last step)."""
    sig, ts = unipc_schedule(steps, shift)
    x = noise.clone().float()
    ctx = torch.cat([context, context_null])
    history: list[torch.Tensor] = []  # x0 of the last two steps, newest last
    last = None
    this_order = 1
    lower = 0
    for k in range(steps):
        t = torch.full((2 * x.shape[0],), float(ts[k]))
        v_c, v_u = model(torch.cat([x, x]), t, ctx).chunk(2)
        v = v_u + guidance * (v_c - v_u)
        x0 = x - sig[k] * v
        if k > 0 and last is not None:  # corrector (UniC), sigma_{k-1} -> sigma_k
            h, hp1, bh, b1, b2 = _coefficients(sig[k], sig[k - 1])
            a_t, m0 = 1.0 - sig[k], history[-1]
            x = (sig[k] / sig[k - 1]) * last - (a_t * hp1) * m0
            if this_order == 1:
                x = x - (a_t * bh * 0.5) * (x0 - m0)
            else:
                rk = (_lam(sig[k - 2]) - _lam(sig[k - 1])) / h
                rho0 = (b1 - b2) / (1.0 - rk)
                rho1 = b1 - rho0
                x = x - (a_t * bh * rho0 / rk) * (history[-2] - m0) - (a_t * bh * rho1) * (x0 - m0)
        history = (history + [x0])[-2:]
        this_order = min(2, steps - k, lower + 1)
        last = x.clone()
        h, hp1, bh, _, _ = _coefficients(sig[k + 1], sig[k])  # predictor (UniP), sigma_k -> sigma_{k+1}
        a_t, m0 = 1.0 - sig[k + 1], history[-1]
        x = (sig[k + 1] / sig[k]) * x - (a_t * hp1) * m0
        if this_order == 2:
            rk = (_lam(sig[k - 1]) - _lam(sig[k])) / h
            x = x - (a_t * bh * 0.5 / rk) * (history[-2] - m0)
        lower = min(lower + 1, 2)
        if callback is not None:
            callback(k, x)
    return x
