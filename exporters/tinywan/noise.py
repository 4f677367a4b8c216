"""Seeded Gaussian noise that C# reproduces bit for bit (MixCacheOrt.Pipelines.SeededNoise).

Element k of the flattened tensor (C order):
  bits(j)  = splitmix64_finalize(seed + (j + 1) * 0x9E3779B97F4A7C15)  (uint64 arithmetic, wrapping)
  u(j)     = (bits(j) >> 11) * 2^-53                                  (double in [0, 1))
  pair p   = elements 2p, 2p+1 use u1 = u(2p), u2 = u(2p+1):
  r        = sqrt(-2 ln(1 - u1));  x[2p] = r cos(2 pi u2);  x[2p+1] = r sin(2 pi u2)
computed in double, rounded to float32. splitmix64_finalize(z): z ^= z >> 30; z *= 0xBF58476D1CE4E5B9;
z ^= z >> 27; z *= 0x94D049BB133111EB; z ^= z >> 31.
"""
from __future__ import annotations

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _bits(seed: int, count: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        j = np.arange(1, count + 1, dtype=np.uint64)
        z = np.uint64(seed & 0xFFFFFFFFFFFFFFFF) + j * GOLDEN
        z ^= z >> np.uint64(30)
        z *= np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z *= np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z


def gaussian(seed: int, shape) -> np.ndarray:
    n = int(np.prod(shape))
    pairs = (n + 1) // 2
    u = (_bits(seed, 2 * pairs) >> np.uint64(11)).astype(np.float64) * (2.0 ** -53)
    u1, u2 = u[0::2], u[1::2]
    r = np.sqrt(-2.0 * np.log(1.0 - u1))
    out = np.empty(2 * pairs, dtype=np.float64)
    out[0::2] = r * np.cos(2.0 * np.pi * u2)
    out[1::2] = r * np.sin(2.0 * np.pi * u2)
    return out[:n].astype(np.float32).reshape(shape)
