#!/usr/bin/env python3
"""Choose sampler settings (sampling shift, guidance) for a checkpoint on the *seen* prompt set, so the held-out
adherence figure stays an untouched test:

    /usr/bin/python3 exporters/sweep_sampler.py --checkpoint CKPT --grid 3:5,3:10,3:15 --json sweep.json

Each cell is shift:guidance; every cell scores the same prompts x seeds with the PyTorch reference sampler and the
adherence rules of tinywan/adherence.py, and the JSON is rewritten after each cell (temp file + rename).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import tinywan  # noqa: F401  (before torch: BLAS thread settings, see tinywan/__init__.py)

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import generate  # noqa: E402
from export import load_checkpoint  # noqa: E402
from tinywan import adherence, data  # noqa: E402


def parse_grid(text: str) -> list[tuple[float, float]]:
    """'3:5,3:10' -> [(3.0, 5.0), (3.0, 10.0)]; raises ValueError naming the bad cell."""
    cells = []
    for cell in text.split(","):
        parts = cell.strip().split(":")
        try:
            shift, guidance = (float(p) for p in parts)
        except ValueError:
            raise ValueError(f"--grid cell '{cell}' is not shift:guidance (two numbers, e.g. 3:10)") from None
        if shift <= 0 or guidance < 1:
            raise ValueError(f"--grid cell '{cell}': shift must be > 0 and guidance >= 1")
        cells.append((shift, guidance))
    return cells


def summarize(results: list[dict]) -> dict:
    wrong: dict[str, int] = {}
    for r in results:
        if not r["direction_ok"]:
            key = str(r["detected"]["direction"])  # "None" = no object found, "none" = object did not move
            wrong[key] = wrong.get(key, 0) + 1
    out = {k: float(np.mean([r[k] for r in results])) for k in ("adheres", "color_ok", "direction_ok", "shape_ok")}
    out["wrong_directions"] = wrong
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--grid", default="3:5,3:10,3:15", help="comma-separated shift:guidance cells")
    ap.add_argument("--json", required=True)
    ap.add_argument("--prompts", type=int, default=50)
    ap.add_argument("--prompt-set", choices=("seen", "held-out"), default="seen",
                    help="seen (default) for choosing settings; held-out only to report a choice already made")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=10)
    args = ap.parse_args(argv)
    try:
        cells = parse_grid(args.grid)
    except ValueError as e:
        ap.error(str(e))
    if not os.path.isfile(args.checkpoint):
        ap.error(f"--checkpoint {args.checkpoint}: no such file")
    torch.set_num_threads(args.threads)
    tw = load_checkpoint(args.checkpoint)
    prompts = (data.held_out_prompts if args.prompt_set == "held-out" else data.seen_prompts)(args.prompts)
    jobs = [(p, int(s)) for p in prompts for s in args.seeds.split(",")]
    report = {"checkpoint": os.path.basename(args.checkpoint), "prompt_set": args.prompt_set, "prompts": len(prompts),
              "seeds": args.seeds, "steps": args.steps, "cells": {}}
    for shift, guidance in cells:
        t0, results = time.time(), []
        for i in range(0, len(jobs), args.batch):
            chunk = jobs[i:i + args.batch]
            frames = generate(tw, [p for p, _ in chunk], [s for _, s in chunk], args.steps, shift, guidance)
            results += [adherence.score(p, f) for (p, _), f in zip(chunk, frames)]
        cell = summarize(results)
        report["cells"][f"{shift:g}:{guidance:g}"] = cell
        print(f"shift {shift:g} guidance {guidance:g}: adherence {cell['adheres']:.0%} direction {cell['direction_ok']:.0%} "
              f"colour {cell['color_ok']:.0%} wrong {cell['wrong_directions']} ({time.time() - t0:.0f}s)", flush=True)
        with open(args.json + ".tmp", "w") as fh:
            json.dump(report, fh, indent=1)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
