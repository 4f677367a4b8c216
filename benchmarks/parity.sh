#!/usr/bin/env bash
# C#/PyTorch parity of the shipped model: the C# full-compute latent after 50 steps from the reference noise against
# the PyTorch reference sampler's (models/tiny-wan/reference/, written by exporters/export.py). Writes
# benchmarks/results/parity.json (max and mean |difference|, the latent's std, ORT version, date), which README and
# RESULTS quote.
#   benchmarks/parity.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ref=models/tiny-wan/reference
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prompt=$(/usr/bin/python3 -c "import json; print(json.load(open('$ref/reference.json'))['prompt'])")
./mixcache generate --prompt "$prompt" --noise "$ref/noise_seed42.npy" --steps 50 --threads 2 --out "$tmp/run" --json > "$tmp/run.json"
/usr/bin/python3 - "$tmp/run/latent.npy" "$ref/latent_steps50.npy" "$tmp/run.json" <<'PY' > benchmarks/results/parity.json
import datetime, json, sys
import numpy as np
cs, py = np.load(sys.argv[1]).astype(np.float64), np.load(sys.argv[2]).astype(np.float64)
run = json.load(open(sys.argv[3]))
diff = np.abs(cs.reshape(py.shape) - py)
print(json.dumps({
    "what": "C# full-compute latent after 50 steps vs the PyTorch reference sampler, same noise and prompt",
    "max_abs": float(diff.max()), "mean_abs": float(diff.mean()), "latent_std": float(py.std()),
    "ort_version": run["runtime"]["ort_version"], "threads": run["runtime"]["threads"],
    "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
}, indent=2))
PY
cat benchmarks/results/parity.json
