#!/usr/bin/env bash
# Sharded evaluation = unsharded evaluation (issue #21): one `mixcache eval` over 5 development prompts x seeds 1,2,
# then the same as two slices (--shard 1/2, 2/2) merged with `mixcache eval merge`; every run's quality columns
# (PSNR, SSIM, adherence, steps per mode, block evaluations) must be identical, timings aside. Writes
# benchmarks/results/shard-check.md. ~3 min on 2 cores.
#   benchmarks/shard-check.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
grep -v '^\s*\(#\|$\)' models/tiny-wan/prompts/eval.txt | head -5 > "$tmp/prompts.txt"
methods=mixcache-eff,teacache:l1=0.05,taylorseer-lite,mixcache:target=2.5x
common=(--prompts "$tmp/prompts.txt" --seeds 1,2 --methods "$methods" --steps 50 --threads 2)
./mixcache eval "${common[@]}" --out "$tmp/whole" > /dev/null
./mixcache eval "${common[@]}" --shard 1/2 --out "$tmp/slice1" > /dev/null
./mixcache eval "${common[@]}" --shard 2/2 --out "$tmp/slice2" > /dev/null
./mixcache eval merge "$tmp/slice1" "$tmp/slice2" --out "$tmp/merged" > /dev/null
/usr/bin/python3 - "$tmp/whole/runs.csv" "$tmp/merged/runs.csv" "$methods" <<'PY' > benchmarks/results/shard-check.md
import csv, datetime, sys
timing = {"total_ms", "text_encoder_ms", "denoise_ms", "decode_ms", "speedup", "denoise_speedup", "decision_overhead_ms", "overhead_fraction"}
whole, merged = (list(csv.DictReader(open(p))) for p in sys.argv[1:3])
key = lambda r: (r["prompt"], r["seed"], r["method"])
quality = [c for c in whole[0] if c not in timing]
a = {key(r): {c: r[c] for c in quality} for r in whole}
b = {key(r): {c: r[c] for c in quality} for r in merged}
same = a == b and [key(r) for r in whole] == [key(r) for r in merged]
differing = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
print("# Sharded = unsharded evaluation\n")
print(f"`benchmarks/shard-check.sh` ({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC): `mixcache eval` over 5 development prompts x seeds 1, 2 "
      f"({sys.argv[3]}), once whole and once as `--shard 1/2` + `--shard 2/2` merged with `mixcache eval merge`.\n")
print(f"- Runs: {len(whole)} whole, {len(merged)} merged, in the same order: {[key(r) for r in whole] == [key(r) for r in merged]}")
print(f"- Columns compared per run (everything but timings): {', '.join(quality)}")
print(f"- **Identical: {'yes' if same else 'no'}**" + ("" if same else f" ({len(differing)} runs differ, e.g. {differing[:3]})"))
PY
cat benchmarks/results/shard-check.md
