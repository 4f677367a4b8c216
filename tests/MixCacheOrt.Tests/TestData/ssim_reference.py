#!/usr/bin/env python3
"""Reference values for tests/MixCacheOrt.Tests/Metrics/VideoSimilarityTests.cs, computed independently of the C# code.

SSIM as in Wang, Bovik, Sheikh and Simoncelli (2004) with the conventions of
skimage.metrics.structural_similarity(x, y, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
data_range=1, channel_axis=-1) per frame (skimage is not installed here, so this is a direct re-implementation):
an 11x11 Gaussian window (sigma 1.5, radius 5, weights normalised to sum 1), C1 = (0.01 L)^2, C2 = (0.03 L)^2, L = 1,
population (weighted) variances and covariance, the SSIM map averaged over window positions that lie entirely inside
the frame ('valid'), then averaged over RGB channels and frames.

Unlike the C# code (separable filtering, E[x^2] - E[x]^2), this computes every window explicitly with the 2-D weight
matrix and centred moments, in float64. PSNR = 10 log10(1 / mean squared error) over all samples.

Run with Debian's numpy:  /usr/bin/python3 tests/MixCacheOrt.Tests/TestData/ssim_reference.py
It prints one line per case: name, SSIM, PSNR (17 significant digits).
"""
import numpy as np

WINDOW, SIGMA, K1, K2, L = 11, 1.5, 0.01, 0.03, 1.0


def window_weights() -> np.ndarray:
    r = np.arange(WINDOW, dtype=np.float64) - WINDOW // 2
    w = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * SIGMA ** 2))
    return w / w.sum()


def ssim_plane(x: np.ndarray, y: np.ndarray) -> float:
    w = window_weights()
    c1, c2 = (K1 * L) ** 2, (K2 * L) ** 2
    values = []
    for i in range(x.shape[0] - WINDOW + 1):
        for j in range(x.shape[1] - WINDOW + 1):
            a = x[i:i + WINDOW, j:j + WINDOW]
            b = y[i:i + WINDOW, j:j + WINDOW]
            ma, mb = (w * a).sum(), (w * b).sum()
            va, vb = (w * (a - ma) ** 2).sum(), (w * (b - mb) ** 2).sum()
            cov = (w * (a - ma) * (b - mb)).sum()
            values.append(((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2)))
    return float(np.mean(values))


def ssim_video(x: np.ndarray, y: np.ndarray) -> float:
    """x, y: [F, H, W, 3]."""
    return float(np.mean([ssim_plane(x[f, :, :, c], y[f, :, :, c]) for f in range(x.shape[0]) for c in range(3)]))


def psnr(x: np.ndarray, y: np.ndarray) -> float:
    return float(10 * np.log10(L * L / np.mean((x - y) ** 2)))


def grid(frames: int, height: int, width: int):
    return np.meshgrid(np.arange(frames), np.arange(height), np.arange(width), np.arange(3), indexing="ij")


def cases():
    # Every sample is a multiple of 1/64, so float32 in C# holds exactly the same values.
    f, y, x, c = grid(1, 16, 16)
    yield "unrelated_16x16", ((7 * y + 3 * x + 5 * c + 11 * f) % 17) / 16, ((5 * y + 2 * x * x + 3 * c + f) % 13) / 16

    f, y, x, c = grid(2, 24, 20)
    ref = ((7 * y + 3 * x + 5 * c + 11 * f) % 17) / 16
    yield "perturbed_2x24x20", ref, np.clip(ref + (((x * y + 3 * c + f) % 7) - 3) / 64, 0, 1)

    f, y, x, c = grid(1, 12, 13)
    ref = ((7 * y + 3 * x + 5 * c) % 17) / 16
    yield "shifted_12x13", ref, np.roll(ref, 1, axis=2)


if __name__ == "__main__":
    for name, ref, test in cases():
        print(f"{name} {ssim_video(ref, test):.17g} {psnr(ref, test):.17g}")
