#!/usr/bin/env bash
# Cost at larger sizes on this CPU (issue #22): generates ladder packages (exporters/ladder.py, weights from a seed),
# validates the 1.3B-shaped 480p package with ModelPackage, and times full compute against a replayed MixCache
# schedule (recorded on tiny-wan) and a step cache on the M package and on 12 L-width blocks, at their small grids.
# Each measurement is the second of two generations in one process (the first warms ORT up: arena growth, first-touch
# of the memory-mapped external weights), so full compute and the caches are compared warm. Prints markdown.
#   benchmarks/ladder.sh            (~15 min on 2 cores; writes models/ladder-*, whose weights git ignores: 7.5 GB)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
[ -f models/ladder-L-480p/manifest.json ] || $py exporters/ladder.py --config L --grid 480p --out models/ladder-L-480p > /dev/null
[ -f models/ladder-L-small/manifest.json ] || $py exporters/ladder.py --config L --grid small --blocks 12 --out models/ladder-L-small > /dev/null
[ -f models/ladder-M-small/manifest.json ] || $py exporters/ladder.py --config M --grid small --out models/ladder-M-small > /dev/null
[ -f models/ladder-L-480p-fp16/manifest.json ] || $py exporters/ladder.py --config L --grid 480p --dtype fp16 --out models/ladder-L-480p-fp16 > /dev/null
for pkg in models/ladder-L-480p models/ladder-L-480p-fp16; do
  $py exporters/regen_weights.py "$pkg" > /dev/null   # writes missing or changed weights from the seed
  echo "- $(dotnet run --file benchmarks/validate-package.cs -c Release -- "$pkg")"
done
# A tiny-wan MixCache schedule with every granularity (full 17, step 30, block 2, cfg 1), replayed elsewhere.
./mixcache generate --prompt "a purple square moving up on a dark background" --seed 2 --cache mixcache-eff --threads 2 --out "$tmp/schedule" > /dev/null
echo
printf 'a cat walking\na cat walking\n' > "$tmp/prompts.txt"
echo "| package | cache | steps per mode: mean step time | block evaluations | denoise (ms) | realised / ideal speedup | bookkeeping | cache memory |"
echo "|:--|:--|:--|--:|--:|--:|--:|--:|"
for run in "ladder-M-small none" "ladder-M-small replay:$tmp/schedule/run.json" "ladder-L-small none" "ladder-L-small replay:$tmp/schedule/run.json" "ladder-L-small step:n=3,warmup=10"; do
  pkg=${run%% *}; cache=${run#* }
  {
    ./mixcache generate -m "models/$pkg" --prompts "$tmp/prompts.txt" --allow-unknown-words --seed 1 --steps 50 --cache "$cache" --threads 2 --out "$tmp/out-$pkg-${cache//[^a-z0-9]/_}" --json > "$tmp/run.json"
    $py - "$tmp/run.json" "$pkg" "$cache" "$tmp/full-$pkg.json" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1])); r = r[-1] if isinstance(r, list) else r  # the second (warm) generation
steps = r["per_step"]; evals = sum(s["block_evaluations"] for s in steps); ms = sum(s["ms"] for s in steps)
modes = " · ".join(f"{k} {v['steps']}: {v['mean_ms']:.0f} ms" for k, v in r["cache_summary"]["per_mode"].items())
ref = sys.argv[4]
if sys.argv[3] == "none":
    json.dump({"evals": evals, "ms": ms}, open(ref, "w")); ratio = "1.00 (reference)"
else:
    f = json.load(open(ref)); ratio = f"{(f['ms'] / ms) / (f['evals'] / evals):.3f}"
name = "replay of tiny-wan's mixcache-eff" if sys.argv[3].startswith("replay:") else sys.argv[3]
lat = r["latency_ms"]; book = 100 * lat["decision_overhead"] / lat["denoise"]
mem = r["cache_summary"]["cache_bytes_peak"] / 2**20
print(f"| {sys.argv[2]} | {name} | {modes} | {evals} | {ms:.0f} | {ratio} | {book:.2f}% | {mem:.1f} MiB |")
PY
  }
done
