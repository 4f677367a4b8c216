#!/usr/bin/env bash
# Cost vs tokens and width (issue #22): one transformer block at batch 2 across the size ladder (widths S, M, L, XL at
# the small grid; tokens at widths M and L over the small, low and mid grids), the log-log plots of both, and the
# chained per-block pass against the monolithic graph at M (12 blocks) and at L width (12 blocks), small grid.
# Writes benchmarks/results/cost-ladder/ (blocks.csv, chain-*.csv, cost_vs_tokens.png, cost_vs_width.png).
#   benchmarks/cost-ladder.sh        (~10 min on 2 cores, run on an otherwise idle machine; ~5 GiB peak for XL)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=benchmarks/results/cost-ladder
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
py=/usr/bin/python3
$py benchmarks/cost_ladder.py S:small M:small L:small XL:small M:low M:mid L:low L:mid --csv "$out/blocks.csv" --dir "$tmp/blocks"
dotnet run --file benchmarks/cost-plot.cs -c Release -- "$out/blocks.csv" "$out"
for pkg in "M 12" "L 12"; do
  set -- $pkg
  $py exporters/ladder.py --config "$1" --grid small --blocks "$2" --monolithic --out "$tmp/ladder-$1-mono" > /dev/null
  $py benchmarks/cost_ladder.py --chain-vs-monolithic "$tmp/ladder-$1-mono" --csv "$out/chain-$1.csv"
  rm -rf "$tmp/ladder-$1-mono"
done
