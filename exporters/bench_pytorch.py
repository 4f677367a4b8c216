#!/usr/bin/env python3
"""Time the PyTorch reference sampler: one 50-step CFG generation at batch 1 (text encoder, sampler, decoder),
after one warm-up generation. Prints JSON {"seconds": [...], "median": ...}.

    /usr/bin/python3 exporters/bench_pytorch.py --checkpoint models/tiny-wan/tiny-wan.pt --threads 2 --repeat 3
"""
import argparse
import json
import os
import statistics
import sys
import time

import tinywan  # noqa: F401  (before torch: BLAS thread settings, see tinywan/__init__.py)

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import generate  # noqa: E402
from export import load_checkpoint  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--prompt", default="a red circle moving right")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    tw = load_checkpoint(args.checkpoint)
    generate(tw, [args.prompt], [0], 2, 3.0, 5.0)  # warm-up
    seconds = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        generate(tw, [args.prompt], [0], args.steps, 3.0, 5.0)
        seconds.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": seconds, "median": statistics.median(seconds), "threads": args.threads, "steps": args.steps}))


if __name__ == "__main__":
    main()
