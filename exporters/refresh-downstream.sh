#!/usr/bin/env bash
# Everything in the repo that depends on the shipped tiny-wan weights, rebuilt in order after a new checkpoint:
#   exporters/refresh-downstream.sh exporters/.work/train/checkpoint.pt [--guidance G] [--shift S]
# 1. exporters/ship.sh: package, reference outputs, adherence + PyTorch latency (exporters/eval.json, samples.png)
# 2. MixCache offline profile (profile.json) and TeaCache/MagCache calibration (teacache.json, magcache.json)
# 3. C# vs PyTorch parity at 50 steps (printed; goes into benchmarks/RESULTS.md by hand)
# 4. the committed redundancy trace benchmarks/data/trace-tiny-wan-red-circle-seed42.json
# 5. benchmarks/run-eval.sh all (Tables 1 and 2)
# About 75 minutes on the 2-core machine; run it on an otherwise idle machine, then update the figures quoted in
# README.md, benchmarks/RESULTS.md, exporters/README.md and models/tiny-wan/README.md, and run ./test.sh.
# FROM=<n> / TO=<n> run only stages n.. / ..n, e.g. FROM=2 after a finished ship.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
checkpoint=${1:-}
from=${FROM:-1}
to=${TO:-5}
runs() { (( from <= $1 && $1 <= to )); }
stage() { echo "== $(date -u +%H:%M:%S) stage $1: $2"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if runs 1; then
  [[ -n $checkpoint ]] || { echo "usage: exporters/refresh-downstream.sh TRAINING_CHECKPOINT (or FROM=2..5 without one)" >&2; exit 2; }
  stage 1 "ship $checkpoint"
  exporters/ship.sh "$checkpoint" "${@:2}"
fi
if runs 2; then
  stage 2 "profile and calibrate"
  ./mixcache profile --count 8 --seeds 1 --impact-stride 2 --threads 2
  ./mixcache calibrate --count 8 --threads 2
fi
if runs 3; then
  stage 3 "parity (C# vs PyTorch reference, 50 steps)"
  ./mixcache generate --prompt "a red circle moving right" --noise models/tiny-wan/reference/noise_seed42.npy --steps 50 \
    --threads 2 --out "$work/parity" > /dev/null
  /usr/bin/python3 - "$work/parity/latent.npy" models/tiny-wan/reference/latent_steps50.npy <<'EOF'
import sys
import numpy as np
ours, ref = np.load(sys.argv[1]).reshape(-1), np.load(sys.argv[2]).reshape(-1)
print(f"max abs difference {np.abs(ours - ref).max():.2e} (reference latent std {ref.std():.2f})")
EOF
fi
if runs 4; then
  stage 4 "redundancy trace"
  ./mixcache generate --prompt "a red circle moving right" --cache trace --threads 2 --out "$work/trace" > /dev/null
  cp "$work/trace/run.json" benchmarks/data/trace-tiny-wan-red-circle-seed42.json
fi
if runs 5; then
  stage 5 "cache evaluations (Tables 1 and 2)"
  benchmarks/run-eval.sh all
fi
stage done "now update the quoted figures (see the header of this script)"
