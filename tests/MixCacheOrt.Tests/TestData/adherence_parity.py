#!/usr/bin/env python3
"""Parity data for tests/MixCacheOrt.Tests/Metrics/PromptAdherenceTests.cs: clips drawn by the training data generator
(exporters/tinywan/data.py), judged by the Python evaluator (exporters/tinywan/adherence.py).

Usage: /usr/bin/python3 adherence_parity.py <repo root> <output directory>
Writes <output directory>/clips.npy (float32 [N, F, H, W, 3] in [0, 1]) and prints one JSON object per clip:
{"prompt": ..., "color": ..., "direction": ..., "shape": ..., "color_ok": ..., "direction_ok": ..., "shape_ok": ...,
"adheres": ...}. The C# test feeds the same clips to MixCacheOrt.Metrics.PromptAdherence and compares.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(sys.argv[1], "exporters"))
from tinywan import adherence, data  # noqa: E402


def main() -> None:
    rng = np.random.default_rng(2024)
    clips, prompts = [], []
    for i in range(48):
        spec = data.random_spec(rng, data.ALL_TRIPLES)
        video = data.render_clip(spec, rng)  # [3, F, H, W] in [-1, 1]
        frames = np.ascontiguousarray(((video + 1.0) / 2.0).transpose(1, 2, 3, 0)).astype(np.float32)
        if i % 3 == 1:  # like a model's output: noisy, slightly out of range
            frames = (frames + rng.normal(0, 0.06, frames.shape)).astype(np.float32)
        if i % 8 == 5:  # a still clip: every frame is the first one
            frames = np.repeat(frames[:1], frames.shape[0], axis=0)
        if i % 12 == 7:  # nothing drawn
            frames = np.full_like(frames, frames.reshape(-1, 3).mean(axis=0))
        # Prompts sometimes name the wrong attributes, so both outcomes of every check occur.
        prompt = spec.caption() if i % 4 else random_prompt(rng)
        clips.append(frames)
        prompts.append(prompt)
    np.save(os.path.join(sys.argv[2], "clips.npy"), np.stack(clips))
    for prompt, frames in zip(prompts, clips):
        r = adherence.score(prompt, frames)
        print(json.dumps({"prompt": prompt, **r["detected"], "color_ok": r["color_ok"],
                          "direction_ok": r["direction_ok"], "shape_ok": r["shape_ok"], "adheres": r["adheres"]}))


def random_prompt(rng: np.random.Generator) -> str:
    words = [str(rng.choice(list(data.COLORS))), str(rng.choice(data.SHAPES)), "moving", str(rng.choice(list(data.DIRECTIONS)))]
    return "A " + " ".join(words).upper() + "!"


if __name__ == "__main__":
    main()
