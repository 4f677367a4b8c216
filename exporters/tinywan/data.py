"""Procedural captioned clips: one coloured shape moving over a flat background.

A clip is F frames of 32x32 RGB. Attributes: colour x shape x direction x speed x background.
Captions come from a small vocabulary, e.g. "a red circle moving left quickly on a dark background";
the speed and background phrases are optional (random background when omitted).

Some (colour, shape, direction) triples are held out of training, so prompt adherence can be
measured on combinations the model never saw.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np

FRAMES = 8
SIZE = 32

COLORS = {
    "red": (0.90, 0.15, 0.15),
    "yellow": (0.95, 0.85, 0.15),
    "green": (0.15, 0.80, 0.20),
    "cyan": (0.15, 0.85, 0.90),
    "blue": (0.20, 0.30, 0.95),
    "purple": (0.70, 0.20, 0.85),
}
SHAPES = ("circle", "square", "triangle")
DIRECTIONS = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}
SPEEDS = {"slowly": 1.0, "quickly": 2.0}
BACKGROUNDS = {"dark": 0.08, "gray": 0.50, "light": 0.90}

# Start positions: "inside" keeps the whole path in the frame, so the start depends on the direction (a right-moving
# object starts on the left) - an absolute layout a translation-equivariant DiT cannot express; "free" starts
# anywhere and lets the object leave the frame, so the direction shows only as motion.
START_MODES = ("inside", "free")

PAD, UNK = "<pad>", "<unk>"
VOCAB = [PAD, UNK, "a", "moving", "on", "background", *COLORS, *SHAPES, *DIRECTIONS, *SPEEDS, *BACKGROUNDS]
TEXT_LEN = 16


def tokenize(prompt: str, text_len: int = TEXT_LEN) -> np.ndarray:
    """Lower-case words -> ids; unknown words -> <unk>; pad/truncate to text_len. Empty prompt -> all pad."""
    words = re.findall(r"[a-z]+", prompt.lower())
    ids = [VOCAB.index(w) if w in VOCAB else VOCAB.index(UNK) for w in words][:text_len]
    return np.array(ids + [0] * (text_len - len(ids)), dtype=np.int64)


@dataclass(frozen=True)
class ClipSpec:
    color: str
    shape: str
    direction: str
    speed: str
    background: str

    def caption(self, with_speed: bool = True, with_background: bool = True, with_color: bool = True,
                with_shape: bool = True) -> str:
        subject = " ".join(w for w, keep in ((self.color, with_color), (self.shape, with_shape)) if keep)
        s = f"a {subject} moving {self.direction}"
        if with_speed:
            s += f" {self.speed}"
        if with_background:
            s += f" on a {self.background} background"
        return s


ALL_TRIPLES = list(itertools.product(COLORS, SHAPES, DIRECTIONS))


def held_out_triples(count: int = 12, seed: int = 1234) -> list[tuple[str, str, str]]:
    """Fixed (colour, shape, direction) triples never shown in training."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(ALL_TRIPLES), size=count, replace=False)
    return sorted(ALL_TRIPLES[i] for i in idx)


def training_triples() -> list[tuple[str, str, str]]:
    held = set(held_out_triples())
    return [t for t in ALL_TRIPLES if t not in held]


def _shape_sdf(shape: str, dx: np.ndarray, dy: np.ndarray, r: float) -> np.ndarray:
    """Signed distance (pixels, negative inside) of a shape centred at the origin."""
    if shape == "circle":
        return np.sqrt(dx * dx + dy * dy) - r
    if shape == "square":
        return np.maximum(np.abs(dx), np.abs(dy)) - 0.85 * r
    # upward triangle: intersection of three half-planes
    h = 1.1 * r
    edges = [
        (0.0, 1.0, -0.6 * h),  # bottom edge: y <= 0.6h
        (0.866, -0.5, -0.55 * h),
        (-0.866, -0.5, -0.55 * h),
    ]
    return np.max(np.stack([a * dx + b * dy + c for a, b, c in edges]), axis=0)


def render_clip(spec: ClipSpec, rng: np.random.Generator, frames: int = FRAMES, size: int = SIZE, start: str = "inside",
                speeds: dict | None = None, radius: tuple[float, float] = (4.5, 6.0)) -> np.ndarray:
    """-> float32 [3, F, H, W] in [-1, 1]. radius: range of the object's radius in pixels."""
    r = rng.uniform(*radius)
    speed = (speeds or SPEEDS)[spec.speed] * rng.uniform(0.9, 1.1)
    vx, vy = DIRECTIONS[spec.direction]
    travel = speed * (frames - 1)
    margin = r + 1.0
    lo_x = margin + (travel if vx < 0 else 0.0)
    hi_x = size - 1 - margin - (travel if vx > 0 else 0.0)
    lo_y = margin + (travel if vy < 0 else 0.0)
    hi_y = size - 1 - margin - (travel if vy > 0 else 0.0)
    if start == "free":
        lo_x = lo_y = margin
        hi_x = hi_y = size - 1 - margin
    # a path longer than the frame allows starts at the edge (only with custom speeds; never with the defaults)
    x0, y0 = rng.uniform(lo_x, max(lo_x, hi_x)), rng.uniform(lo_y, max(lo_y, hi_y))
    bg = BACKGROUNDS[spec.background] + rng.uniform(-0.04, 0.04)
    color = np.clip(np.array(COLORS[spec.color]) + rng.uniform(-0.05, 0.05, 3), 0, 1)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    t = np.arange(frames, dtype=np.float32)
    cx = (x0 + vx * speed * t)[:, None, None]
    cy = (y0 + vy * speed * t)[:, None, None]
    coverage = np.clip(0.5 - _shape_sdf(spec.shape, xx[None] - cx, yy[None] - cy, r), 0.0, 1.0)  # [F, H, W]
    video = bg * (1 - coverage[None]) + color[:, None, None, None] * coverage[None]
    return (video * 2.0 - 1.0).astype(np.float32)


def random_spec(rng: np.random.Generator, triples: list[tuple[str, str, str]]) -> ClipSpec:
    c, s, d = triples[rng.integers(len(triples))]
    return ClipSpec(c, s, d, list(SPEEDS)[rng.integers(len(SPEEDS))], list(BACKGROUNDS)[rng.integers(len(BACKGROUNDS))])


def random_caption(spec: ClipSpec, rng: np.random.Generator, drop_attribute: float = 0.0) -> str:
    """drop_attribute: probability of leaving out the colour or the shape word (one of them, equally likely), so the
    direction word is also seen next to fewer attributes (aimed at unseen colour/shape/direction combinations).
    At 0 no extra random numbers are drawn, so earlier recipes keep their random streams."""
    with_color = with_shape = True
    if drop_attribute > 0 and rng.random() < drop_attribute:
        with_color, with_shape = (False, True) if rng.random() < 0.5 else (True, False)
    return spec.caption(with_speed=rng.random() < 0.5, with_background=rng.random() < 0.6,
                        with_color=with_color, with_shape=with_shape)


def opposite_direction(prompt: str) -> str:
    """The same caption with the direction word swapped for its opposite (for the direction probe)."""
    swap = {"left": "right", "right": "left", "up": "down", "down": "up"}
    return " ".join(swap.get(w, w) for w in prompt.split())


def held_out_prompts(count: int = 50, seed: int = 99) -> list[str]:
    """Evaluation prompts whose (colour, shape, direction) never occurs in training."""
    return _distinct_prompts(held_out_triples(), count, seed)


def seen_prompts(count: int = 50, seed: int = 7) -> list[str]:
    """Validation prompts built from training triples: for choosing sampler settings (guidance) without looking at
    the held-out set, and for measuring how much of the gap is compositional generalisation."""
    return _distinct_prompts(training_triples(), count, seed)


def _distinct_prompts(triples: list[tuple[str, str, str]], count: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    prompts = []
    while len(prompts) < count:
        p = random_caption(random_spec(rng, triples), rng)
        if p not in prompts:
            prompts.append(p)
    return prompts
