#!/usr/bin/env python3
"""Evaluate a tiny-wan checkpoint with the PyTorch reference sampler:

    /usr/bin/python3 exporters/evaluate.py --checkpoint models/tiny-wan/tiny-wan.pt

* prompt adherence (tinywan/adherence.py rules) on 50 held-out prompts x 2 seeds, 50 steps, CFG
  (--prompt-set seen: prompts from training triples instead, for tuning sampler settings such as --guidance);
* latency of one 50-step CFG generation at batch 1 (text encoder + sampler + decoder), 2 threads;
* a contact sheet (8 prompts x all frames, upscaled) for a person to look at.
Writes --json (default exporters/eval.json) and --sheet (default exporters/samples.png).
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
from export import DecoderStage, load_checkpoint  # noqa: E402
from tinywan import adherence, data, noise  # noqa: E402
from tinywan.flow import sample  # noqa: E402

SHEET_PROMPTS = [
    "a red circle moving right",
    "a blue square moving up slowly on a light background",
    "a green triangle moving left quickly on a dark background",
    "a yellow circle moving down on a gray background",
    "a purple square moving right quickly",
    "a cyan triangle moving up on a dark background",
    "a red square moving left slowly on a gray background",
    "a blue circle moving down quickly on a light background",
]


def generate(tw, prompts, seeds, steps, shift, guidance) -> np.ndarray:
    """-> frames [N, F, H, W, 3] in [0, 1]; one noise tensor per seed from the documented generator."""
    m = tw.model
    shape = (m.cfg.in_dim, *m.grid)
    with torch.no_grad():
        tokens = torch.from_numpy(np.stack([data.tokenize(p) for p in prompts]))
        ctx = tw.text(tokens)
        ctx_null = tw.text(torch.from_numpy(np.stack([data.tokenize("")] * len(prompts))))
        init = torch.from_numpy(np.stack([noise.gaussian(s, shape) for s in seeds]))
        lat = sample(m, ctx, ctx_null, init, steps=steps, shift=shift, guidance=guidance)
        return DecoderStage(tw.ae)(lat).numpy()


def contact_sheet(frames: np.ndarray, prompts, path: str, scale: int = 4) -> None:
    from PIL import Image, ImageDraw
    n, f, h, w, _ = frames.shape
    label_h = 14
    sheet = Image.new("RGB", (f * w * scale + (f - 1) * 2, n * (h * scale + label_h + 4)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for i in range(n):
        y = i * (h * scale + label_h + 4)
        draw.text((2, y + 1), prompts[i], fill=(0, 0, 0))
        for j in range(f):
            img = Image.fromarray((frames[i, j] * 255 + 0.5).astype(np.uint8)).resize((w * scale, h * scale), Image.NEAREST)
            sheet.paste(img, (j * (w * scale + 2), y + label_h))
    sheet.save(path + ".tmp.png")
    os.replace(path + ".tmp.png", path)


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--json", default=os.path.join(here, "eval.json"))
    ap.add_argument("--sheet", default=os.path.join(here, "samples.png"))
    ap.add_argument("--prompts", type=int, default=50)
    ap.add_argument("--prompt-set", choices=("held-out", "seen"), default="held-out",
                    help="held-out: (colour, shape, direction) triples never trained on (the reported figure); "
                         "seen: training triples (validation)")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--shift", type=float, default=None, help="sampling shift (default: the checkpoint's, else 3)")
    ap.add_argument("--guidance", type=float, default=None, help="guidance scale (default: the checkpoint's, else 5)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    tw = load_checkpoint(args.checkpoint)
    args.shift = tw.scheduler["shift"] if args.shift is None else args.shift
    args.guidance = tw.scheduler["guidance"] if args.guidance is None else args.guidance

    # Latency of one generation exactly as a user runs it: batch 1, cond+uncond batched.
    generate(tw, [SHEET_PROMPTS[0]], [0], 2, args.shift, args.guidance)  # warm-up
    t0 = time.time()
    generate(tw, [SHEET_PROMPTS[0]], [0], args.steps, args.shift, args.guidance)
    latency = time.time() - t0
    print(f"50-step CFG generation (PyTorch, {args.threads} threads): {latency:.2f}s", flush=True)

    sheet_frames = generate(tw, SHEET_PROMPTS, [0] * len(SHEET_PROMPTS), args.steps, args.shift, args.guidance)
    contact_sheet(sheet_frames, SHEET_PROMPTS, args.sheet)
    sheet_scores = [adherence.score(p, fr) for p, fr in zip(SHEET_PROMPTS, sheet_frames)]

    prompts = (data.held_out_prompts if args.prompt_set == "held-out" else data.seen_prompts)(args.prompts)
    seeds = [int(s) for s in args.seeds.split(",")]
    jobs = [(p, s) for p in prompts for s in seeds]
    results = []
    for i in range(0, len(jobs), args.batch):
        chunk = jobs[i:i + args.batch]
        frames = generate(tw, [p for p, _ in chunk], [s for _, s in chunk], args.steps, args.shift, args.guidance)
        for (p, s), fr in zip(chunk, frames):
            r = adherence.score(p, fr)
            r["seed"] = s
            results.append(r)
        print(f"  {len(results)}/{len(jobs)} adherence so far {np.mean([r['adheres'] for r in results]):.2%}", flush=True)

    summary = {
        "checkpoint": os.path.basename(args.checkpoint),
        "prompt_set": args.prompt_set, "prompts": len(prompts),
        "seeds": seeds, "steps": args.steps, "shift": args.shift, "guidance": args.guidance,
        "adherence": float(np.mean([r["adheres"] for r in results])),
        "color_accuracy": float(np.mean([r["color_ok"] for r in results])),
        "direction_accuracy": float(np.mean([r["direction_ok"] for r in results])),
        "shape_accuracy": float(np.mean([r["shape_ok"] for r in results])),
        "all_three_accuracy": float(np.mean([r["adheres"] and r["shape_ok"] for r in results])),
        "pytorch_50_step_seconds": round(latency, 3), "threads": args.threads,
        "sheet_adherence": float(np.mean([r["adheres"] for r in sheet_scores])),
        "results": results,
    }
    with open(args.json + ".tmp", "w") as fh:
        json.dump(summary, fh, indent=1)
    os.replace(args.json + ".tmp", args.json)
    print(json.dumps({k: v for k, v in summary.items() if k != "results"}, indent=1))


if __name__ == "__main__":
    main()
