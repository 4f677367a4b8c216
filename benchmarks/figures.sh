#!/usr/bin/env bash
# The paper's figures for tiny-wan, from `mixcache generate` (development prompts; figures are not reported tables):
#   Figure 2  redundancy-<n>.png/svg      D_step, D_cfg and D_block_i per step under full compute (--cache trace)
#   Figure 9  modes-<n>.png/svg           the step modes mixcache-eff and its forecasting variant chose, per step
#   Figure 10 latency_breakdown.png/svg   is written by every `mixcache eval` (benchmarks/results/frontier/)
# Writes benchmarks/results/figures/. ~1 min on 2 cores.
#   benchmarks/figures.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=benchmarks/results/figures
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"; mkdir -p "$out"
n=0
while IFS='|' read -r seed prompt; do
  n=$((n + 1))
  ./mixcache generate --prompt "$prompt" --seed "$seed" --cache trace --threads 2 --out "$tmp/trace$n" > /dev/null
  for ext in png svg; do cp "$tmp/trace$n/redundancy.$ext" "$out/redundancy-$n.$ext"; done
  for cache in mixcache-eff mixcache:forecast=on; do
    tag=${cache//[:=]/-}
    ./mixcache generate --prompt "$prompt" --seed "$seed" --cache "$cache" --threads 2 --out "$tmp/$tag$n" > /dev/null
    for ext in png svg; do cp "$tmp/$tag$n/mode_timeline.$ext" "$out/modes-$n-$tag.$ext"; done
  done
  echo "$n: '$prompt', seed $seed" >> "$out/runs.txt"
done <<'RUNS'
1|a blue circle moving down slowly
1|a green triangle moving right slowly
RUNS
ls "$out"
