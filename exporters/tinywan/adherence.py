"""Prompt adherence without a neural network: detect the object's colour, motion direction and shape
in generated frames and compare them with the prompt. The C# evaluator implements the same rules
(MixCacheOrt.Metrics.PromptAdherence), so keep them simple:

1. Background of each frame = per-channel median of the frame (the object covers < 15% of it).
2. Object mask = pixels whose max channel difference from the background exceeds 0.25.
   Frames whose mask has fewer than 8 pixels are ignored.
3. Colour = the palette colour whose hue (HSV) is circularly nearest to the hue of the mean object
   colour over all kept frames.
4. Direction = sign of the dominant axis of (last centroid - first centroid) over kept frames;
   "none" when that displacement is under 2 pixels.
5. Shape from the mean fill ratio area / bounding-box area: >= 0.88 square, >= 0.64 circle
   (pi/4 = 0.785), else triangle (0.5).
A sample adheres when colour and direction both match the prompt; shape is reported separately.
"""
from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass

import numpy as np

from . import data

MASK_THRESHOLD = 0.25
MIN_PIXELS = 8
MIN_DISPLACEMENT = 2.0
SQUARE_FILL = 0.88
CIRCLE_FILL = 0.64


def _hue(rgb) -> float:
    return colorsys.rgb_to_hsv(*[float(c) for c in rgb])[0] * 360.0


PALETTE_HUES = {name: _hue(rgb) for name, rgb in data.COLORS.items()}


@dataclass
class Detection:
    color: str | None
    direction: str | None
    shape: str | None


def detect(frames: np.ndarray) -> Detection:
    """frames: [F, H, W, 3] in [0, 1]."""
    colors, centroids, fills = [], [], []
    for frame in frames:
        bg = np.median(frame.reshape(-1, 3), axis=0)
        mask = np.abs(frame - bg).max(axis=-1) > MASK_THRESHOLD
        if mask.sum() < MIN_PIXELS:
            continue
        ys, xs = np.nonzero(mask)
        colors.append(frame[mask].mean(axis=0))
        centroids.append((xs.mean(), ys.mean()))
        bbox = (xs.max() - xs.min() + 1) * (ys.max() - ys.min() + 1)
        fills.append(mask.sum() / bbox)
    if len(centroids) < 2:
        return Detection(None, None, None)
    hue = _hue(np.mean(colors, axis=0))
    color = min(PALETTE_HUES, key=lambda n: min(abs(hue - PALETTE_HUES[n]), 360 - abs(hue - PALETTE_HUES[n])))
    dx = centroids[-1][0] - centroids[0][0]
    dy = centroids[-1][1] - centroids[0][1]
    if max(abs(dx), abs(dy)) < MIN_DISPLACEMENT:
        direction = "none"
    elif abs(dx) >= abs(dy):
        direction = "right" if dx > 0 else "left"
    else:
        direction = "down" if dy > 0 else "up"
    fill = float(np.mean(fills))
    shape = "square" if fill >= SQUARE_FILL else "circle" if fill >= CIRCLE_FILL else "triangle"
    return Detection(color, direction, shape)


def parse_prompt(prompt: str) -> Detection:
    words = re.findall(r"[a-z]+", prompt.lower())
    pick = lambda options: next((w for w in words if w in options), None)  # noqa: E731
    return Detection(pick(data.COLORS), pick(data.DIRECTIONS), pick(data.SHAPES))


def score(prompt: str, frames: np.ndarray) -> dict:
    want, got = parse_prompt(prompt), detect(frames)
    r = {"prompt": prompt, "detected": got.__dict__,
         "color_ok": want.color == got.color, "direction_ok": want.direction == got.direction,
         "shape_ok": want.shape == got.shape}
    r["adheres"] = r["color_ok"] and r["direction_ok"]
    return r
