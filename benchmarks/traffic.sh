#!/usr/bin/env bash
# Host<->ORT traffic, managed allocation and step time per mode, from run.json's counters (TransferCounter, the
# thread's allocated bytes): one 50-step generation of "a red circle moving right", seed 42, per cache method.
# Prints a markdown table (RESULTS.md, "Host<->ORT traffic").
#   benchmarks/traffic.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "| method | per mode: steps, mean step time, mean bytes in/out per step | mean bytes per step | of which tensors | steps allocating (of 50) |"
echo "|:--|:--|--:|--:|--:|"
for m in none mixcache-eff mixcache:forecast=on teacache-0.1 fastercache blockdance taylorseer fbcache dbcache; do
  ./mixcache generate --prompt "a red circle moving right" --seed 42 --cache "$m" --threads 2 --json > "$tmp/run.json" 2> /dev/null
  /usr/bin/python3 - "$tmp/run.json" "$m" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r = r[0] if isinstance(r, list) else r
modes = r["cache_summary"]["per_mode"]
cells = " · ".join(f"{k} {v['steps']}: {v['mean_ms']:.1f} ms, {v['mean_host_to_device_bytes']:.0f}/{v['mean_device_to_host_bytes']:.0f} B"
                   for k, v in modes.items())
steps = sum(v["steps"] for v in modes.values())
total = sum(v["steps"] * (v["mean_host_to_device_bytes"] + v["mean_device_to_host_bytes"]) for v in modes.values()) / steps
allocating = sum(1 for s in r["per_step"] if s["allocated_bytes"] > 0)
tensors = sum(s["tensor_bytes"] for s in r["per_step"]) / len(r["per_step"])
print(f"| {sys.argv[2]} | {cells} | {total:.0f} | {tensors:.0f} | {allocating} |")
PY
done
