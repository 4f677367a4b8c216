#!/usr/bin/env bash
# The committed cache evaluations of tiny-wan (issues #5 and #6), each a `mixcache eval` run over the 20 evaluation
# prompts (disjoint from the profiling prompts) x 2 seeds at 50 steps, full compute as the reference:
#   benchmarks/results/table1/   MixCache presets, the paper's rules as written, and the baselines
#   benchmarks/results/table2/   the Table-2 ablations (--ablation) plus the paper's rules as written
#   benchmarks/results/test/     the frozen test split (prompts/test.txt x seeds 101,102,103): the MixCache presets, the
#                                naive step cache and TeaCache/MagCache at about mixcache-eff's compute, and the baselines
# Usage: benchmarks/run-eval.sh [table1|table2|test|all]     (~10 min for table1+table2, ~20 min for test, on 2 cores;
#        run on an otherwise idle machine)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
which=${1:-all}
mkdir -p benchmarks/results
run() {
  local name=$1; shift
  rm -rf "benchmarks/results/$name"
  ./mixcache eval --steps 50 --threads 2 --out "benchmarks/results/$name" "$@" > /dev/null
  echo "== benchmarks/results/$name/results.md"
}
if [[ $which == table1 || $which == all ]]; then
  run table1 --prompts models/tiny-wan/prompts/eval.txt --seeds 1,2 --methods none,mixcache-acc,mixcache-eff,mixcache-paper-acc,mixcache-paper-eff,teacache-0.1,teacache-0.14,fastercache,pab,blockdance,magcache
fi
if [[ $which == table2 || $which == all ]]; then
  run table2 --prompts models/tiny-wan/prompts/eval.txt --seeds 1,2 --methods none,mixcache-eff,mixcache-n4,mixcache-step-only,mixcache-cfg-only,mixcache-block-only,mixcache-no-penalty,mixcache-paper-eff
fi
if [[ $which == test || $which == all ]]; then
  run test --split test \
    --methods none,mixcache-acc,mixcache-eff,mixcache-paper-eff,mixcache-step-only,step:n=3,warmup=10,teacache:l1=0.05,teacache-0.1,magcache:e=0.12,k=3,magcache,fastercache,pab,blockdance-n4
fi
