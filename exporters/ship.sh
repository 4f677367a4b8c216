#!/usr/bin/env bash
# Turns a training checkpoint into the shipped package models/tiny-wan and measures it:
#   exporters/ship.sh exporters/.work/train/checkpoint.pt
# 1. float16 copy of the weights -> models/tiny-wan/tiny-wan.pt, per-block export + validation + reference outputs
# 2. the training log next to it
# 3. adherence on 50 held-out prompts x 2 seeds, PyTorch 50-step latency, exporters/samples.png (exporters/eval.json)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
checkpoint=${1:?usage: exporters/ship.sh TRAINING_CHECKPOINT}
/usr/bin/python3 exporters/export.py --ship-from "$checkpoint" --out models/tiny-wan --reference
cp "$(dirname "$checkpoint")/train_log.json" models/tiny-wan/train_log.json
/usr/bin/python3 exporters/evaluate.py --checkpoint models/tiny-wan/tiny-wan.pt
du -sh models/tiny-wan
