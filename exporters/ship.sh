#!/usr/bin/env bash
# Turns a training checkpoint into the shipped package models/tiny-wan and measures it:
#   exporters/ship.sh exporters/.work/train/checkpoint.pt [--guidance G] [--shift S]
# (--guidance/--shift: sampler defaults chosen for these weights with sweep_sampler.py on the seen prompts; they are
# stored in tiny-wan.pt and the manifest, and evaluate.py uses them)
# 1. float16 copy of the weights -> models/tiny-wan/tiny-wan.pt, per-block export + validation + reference outputs
# 2. the training log next to it
# 3. adherence on 50 held-out prompts x 2 seeds, PyTorch 50-step latency, exporters/samples.png (exporters/eval.json)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
checkpoint=${1:?usage: exporters/ship.sh TRAINING_CHECKPOINT [--guidance G] [--shift S]}
shift
/usr/bin/python3 exporters/export.py --ship-from "$checkpoint" --out models/tiny-wan --reference "$@"
cp "$(dirname "$checkpoint")/train_log.json" models/tiny-wan/train_log.json
/usr/bin/python3 exporters/evaluate.py --checkpoint models/tiny-wan/tiny-wan.pt
du -sh models/tiny-wan
