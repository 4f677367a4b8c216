#!/usr/bin/env bash
# The committed cache evaluations of tiny-wan (issues #5 and #6), each a `mixcache eval` run over the 20 evaluation
# prompts (disjoint from the profiling prompts) x 2 seeds at 50 steps, full compute as the reference:
#   benchmarks/results/table1/   MixCache presets, the paper's rules as written, and the baselines
#   benchmarks/results/table2/   the Table-2 ablations (--ablation) plus the paper's rules as written
#   benchmarks/results/test/     the frozen test split (prompts/test.txt x seeds 101,102,103): the MixCache presets, the
#                                naive step cache and TeaCache/MagCache at about mixcache-eff's compute, and the baselines
#   benchmarks/results/frontier/ every frontier line (`eval --sweep`) on the test split, merged from evaluations run one
#                                after another, as they were added: the seven first lines in 4 slices, TaylorSeer and
#                                the MixCache variants in 2, First-Block/DB cache in 1 (evaluations that add methods to
#                                the same grid merge), then `mixcache eval merge`. The slices keep records.json and
#                                their own results.md.
#   benchmarks/results/samplers/ Euler and UniPC (--scheduler) on the development set, each cache against full compute
#                                with the same sampler (issue #24)
# Usage: benchmarks/run-eval.sh [table1|table2|test|samplers|all|frontier]   (~10 min for table1+table2, ~20 min for test,
#        ~15 min for samplers, ~110 min for frontier, on 2 cores; run on an otherwise idle machine; `all` leaves out frontier)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
which=${1:-all}
mkdir -p benchmarks/results
run() {
  local name=$1; shift
  rm -rf "benchmarks/results/$name"
  mkdir -p "$(dirname "benchmarks/results/$name")"
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
if [[ $which == samplers || $which == all ]]; then
  for s in euler unipc; do
    run samplers/$s --split dev --scheduler $s \
      --methods none,mixcache-eff,mixcache:forecast=on,teacache-0.1,magcache,step:n=3,warmup=10,taylorseer-lite,fbcache
  done
fi
if [[ $which == frontier ]]; then
  for i in 1 2 3 4; do
    run frontier-slice${i}of4 --split test --sweep --methods step,teacache,magcache,mixcache,fastercache,pab,blockdance --shard $i/4
  done
  for i in 1 2; do
    run frontier-added-slice${i}of2 --split test --sweep --methods taylorseer,taylorseer-lite,mixcache-forecast,mixcache-budget --shard $i/2
  done
  run frontier-hooks-slice1of1 --split test --sweep --methods fbcache,dbcache --shard 1/1
  rm -rf benchmarks/results/frontier
  ./mixcache eval merge benchmarks/results/frontier-slice{1,2,3,4}of4 benchmarks/results/frontier-added-slice{1,2}of2 \
    benchmarks/results/frontier-hooks-slice1of1 --out benchmarks/results/frontier > /dev/null
  echo "== benchmarks/results/frontier/results.md"
fi
