#!/usr/bin/env bash
# The GPU check: runs the built mixcache CLI on a machine with an NVIDIA GPU and writes one summary
# (summary.md + summary.json) into OUT. Needs bash, python3 (standard library only), and `dotnet` on PATH (on a bare machine,
# from ../shared/tools/gpu-bundle's unpack.sh); nvidia-smi when present (peak GPU memory, GPU name, driver).
#
#   benchmarks/gpu/gpu-check.sh [--app DIR] [--model DIR] [--out DIR] [--prompts N] [--quick]
#
#   --app DIR     folder holding mixcache.dll   (default: $APP from unpack.sh, else this checkout's Release build)
#   --model DIR   model package                 (default: $MODELS/tiny-wan, else this checkout's models/tiny-wan)
#   --out DIR     where the summary goes         (default: gpu-check-<time>; must not exist)
#   --prompts N   eval prompts, the first of <model>/prompts/eval.txt (>= 2)   (default: 9; the eval adds an untimed warm-up)
#   --quick       5 steps instead of 50 everywhere (to try the script, not to report)
#   --on-cpu      run every step with the CPU provider where it says CUDA (to try the whole script without a GPU)
#   --ladder SPECS  size-ladder rungs to run (step 6), ';'-separated "CONFIG GRID BLOCKS ATTENTION DTYPE STEPS";
#                 "none" skips step 6. Default on CUDA: L and XL widths at the small grid, fp32/fp16, unfused/fused,
#                 50 steps with replays, and the 1.3B-shaped 480p package in fp16 with fused attention, 3 steps
#                 (full compute only: per-step time and peak memory). Default with --on-cpu: none.
#
# Steps: 1. `mixcache info --json` (stops here with exit code 3 when CUDA is not usable: the summary says why);
#        2. CPU-vs-CUDA parity of one 50-step generation, TF32 off and on (max/mean |latent difference|);
#        3. `mixcache eval --provider "$dev"` over N prompts x seed 7: every cache method's speedup and PSNR vs full
#           compute on CUDA, in one run; 4. per-mode step times on CUDA (generate's per-step trace) for a few methods;
#        5. CPU threads sweep (1, 2, 4, 8, 16, capped by the cores; median of 3 generations each), for --threads 0's rule;
#        6. size ladder (issue #22): packages generated here from their seed (exporters/ladder.py: python3 with torch,
#           onnx, numpy), each run warm (second of two generations) with full compute and, at 50 steps, replaying the
#           mixcache-eff and teacache-0.1 schedules step 4 recorded on tiny-wan; peak GPU memory per rung;
#        peak GPU memory over steps 2-4 (nvidia-smi, sampled every 100 ms).
# Exit codes: 0 done, 3 CUDA not usable (summary written), 2 bad arguments, 1 a step failed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
app=${APP:-$repo/src/MixCacheOrt.Cli/bin/Release/net10.0}
model=${MODELS:+$MODELS/tiny-wan}
model=${model:-$repo/models/tiny-wan}
out=gpu-check-$(date -u +%Y%m%d-%H%M%S)
prompts=9
steps=50
dev=cuda
ladder=default
methods=none,mixcache-acc,mixcache-eff,mixcache-paper-eff,mixcache-step-only,mixcache:forecast=on,mixcache:target=2.5x,teacache-0.1,teacache-0.14,magcache,fastercache,pab,blockdance,taylorseer:n=3,taylorseer-lite,fbcache:r=0.12,dbcache:r=0.1
die() { echo "gpu-check: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --app) [ $# -ge 2 ] || die "--app needs a folder"; app=$2; shift 2 ;;
    --model) [ $# -ge 2 ] || die "--model needs a folder"; model=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a folder"; out=$2; shift 2 ;;
    --prompts) [ $# -ge 2 ] || die "--prompts needs a number"; prompts=$2; shift 2 ;;
    --quick) steps=5; shift ;;
    --on-cpu) dev=cpu; shift ;;
    --ladder) [ $# -ge 2 ] || die "--ladder needs rungs or 'none'"; ladder=$2; shift 2 ;;
    -h|--help) sed -n 2,30p "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ $prompts =~ ^[0-9]+$ ]] && [ "$prompts" -ge 2 ] || die "--prompts must be a whole number >= 2 (got '$prompts')"
[ -f "$app/mixcache.dll" ] || die "--app '$app' has no mixcache.dll; build it (dotnet build src/MixCacheOrt.Cli -c Release) or source unpack.sh"
[ -f "$model/manifest.json" ] || die "--model '$model' has no manifest.json"
[ -e "$out" ] && die "--out '$out' already exists; choose another"
command -v dotnet >/dev/null || die "'dotnet' is not on PATH (source the bundle's unpack.sh first)"
command -v python3 >/dev/null || die "python3 is needed for the summary"

mkdir -p "$out"
out=$(cd "$out" && pwd)
work="$out/work"; mkdir -p "$work"
mc() { dotnet "$app/mixcache.dll" "$@"; }
log() { echo "gpu-check: $*" >&2; }
prompt="a red circle moving right"

# 1. What runs here.
mc info --json > "$out/info.json"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/gpu.txt" 2>&1 || true
fi
cuda=$(python3 -c "import json,sys; print('yes' if json.load(open(sys.argv[1]))['cuda_usable'] else 'no')" "$out/info.json")
if [ "$cuda" != yes ] && [ "$dev" = cuda ]; then
  python3 "$here/summarize.py" "$out" --steps "$steps" --provider "$dev"
  log "CUDA is not usable here: $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['cuda_error'])" "$out/info.json")"
  log "wrote $out/summary.md"
  exit 3
fi

mem_pid=""
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > "$work/gpu-memory.log" 2>/dev/null &
  mem_pid=$!
fi
trap '[ -n "$mem_pid" ] && kill "$mem_pid" 2>/dev/null || true' EXIT

# 2. Parity: the same seeded generation on CPU and on CUDA (TF32 off, then on).
log "parity ($steps steps)"
mc generate --prompt "$prompt" --seed 7 --steps "$steps" --provider cpu --out "$work/parity-cpu" --json > /dev/null
mc generate --prompt "$prompt" --seed 7 --steps "$steps" --provider "$dev" --out "$work/parity-cuda" --json > /dev/null
mc generate --prompt "$prompt" --seed 7 --steps "$steps" --provider "$dev" --cuda-tf32 --out "$work/parity-cuda-tf32" --json > /dev/null

# 3. Every method on CUDA, side by side in one eval run.
log "eval on CUDA ($prompts prompts x seed 7, $steps steps)"
grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$model/prompts/eval.txt" | head -n "$prompts" > "$work/prompts.txt"
mc eval --model "$model" --prompts "$work/prompts.txt" --seeds 7 --steps "$steps" --provider "$dev" --methods "$methods" \
  --out "$work/eval-cuda" > /dev/null

# 4. Per-mode step times on CUDA.
for m in none mixcache-eff mixcache-acc fastercache teacache-0.1; do
  mc generate --prompt "$prompt" --seed 7 --steps "$steps" --provider "$dev" --cache "$m" --out "$work/modes-$m" --json > /dev/null
done
[ -n "$mem_pid" ] && { kill "$mem_pid" 2>/dev/null || true; mem_pid=""; }

# 5. CPU threads sweep.
cores=$(nproc)
for t in 1 2 4 8 16; do
  [ "$t" -le "$cores" ] || continue
  for r in 1 2 3; do
    mc generate --prompt "$prompt" --seed 7 --steps "$steps" --provider cpu --threads "$t" --out "$work/threads-$t-$r" --json > /dev/null
  done
done

# 6. Size ladder: generated packages, warm runs, replayed tiny-wan schedules.
if [ "$ladder" = default ]; then
  if [ "$dev" = cuda ]; then
    ladder="L small 12 unfused fp32 50;L small 12 fused fp16 50;XL small 4 fused fp16 50;L 480p 30 fused fp16 3"
  else
    ladder=none
  fi
fi
if [ "$ladder" != none ]; then
  py=${PYTHON:-python3} # the exporters' python (torch, onnx, numpy); $PYTHON overrides
  "$py" -c "import torch, onnx, numpy" 2>/dev/null || die "step 6 needs $py with torch, onnx and numpy (set PYTHON, or --ladder none)"
  printf 'a cat walking\na cat walking\n' > "$work/ladder-prompts.txt"
  IFS=';' read -r -a rungs <<< "$ladder"
  for rung in "${rungs[@]}"; do
    read -r config grid blocks attention dtype rsteps <<< "$rung"
    [ -n "$rsteps" ] || die "--ladder rung '$rung' needs six fields: CONFIG GRID BLOCKS ATTENTION DTYPE STEPS"
    name="ladder-$config-$grid-$blocks-$attention-$dtype"
    log "$name: generating the package"
    "$py" "$repo/exporters/ladder.py" --config "$config" --grid "$grid" --blocks "$blocks" --attention "$attention" --dtype "$dtype" \
      --no-validate --out "$work/$name" > "$work/$name.log" 2>&1 || { log "$name: ladder.py failed (see $work/$name.log)"; continue; }
    caches="none"
    [ "$rsteps" = "$steps" ] && caches="none replay:$work/modes-mixcache-eff/run.json replay:$work/modes-teacache-0.1/run.json"
    for c in $caches; do
      tag=${c%%:*}; [ "$c" = none ] || tag="replay-$(basename "$(dirname "${c#replay:}")" | sed 's/^modes-//')"
      mem=""
      if command -v nvidia-smi >/dev/null 2>&1; then
        nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > "$work/$name-$tag.mem" 2>/dev/null & mem=$!
      fi
      mc generate -m "$work/$name" --prompts "$work/ladder-prompts.txt" --allow-unknown-words --seed 1 --steps "$rsteps" --provider "$dev" \
        --cache "$c" --out "$work/$name-$tag-out" --json > "$work/$name-$tag.json" 2> "$work/$name-$tag.err" || log "$name: $c failed (see $work/$name-$tag.err)"
      [ -n "$mem" ] && { kill "$mem" 2>/dev/null || true; }
    done
    rm -f "$work/$name"/*.onnx.data # GBs: the graphs and manifests stay
  done
fi

python3 "$here/summarize.py" "$out" --steps "$steps" --provider "$dev"
log "wrote $out/summary.md"
