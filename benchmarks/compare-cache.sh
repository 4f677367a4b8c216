#!/usr/bin/env bash
# Preliminary check (the full evaluation is issue #6's mixcache eval): full compute vs a cache policy on the first N
# eval prompts of tiny-wan: denoise speedup, steps per mode and PSNR of the frames.   benchmarks/compare-cache.sh POLICY [N]
cd "$(dirname "${BASH_SOURCE[0]}")/.."
policy=$1; shift
grep -v '^#' models/tiny-wan/prompts/eval.txt | head -${1:-4} > /tmp/cmp_prompts.txt
rm -rf /tmp/cmp_none /tmp/cmp_$policy
./mixcache generate --prompts /tmp/cmp_prompts.txt --threads 2 --out /tmp/cmp_none --json > /tmp/cmp_none.json
./mixcache generate --prompts /tmp/cmp_prompts.txt --threads 2 --cache $policy --out /tmp/cmp_$policy --json > /tmp/cmp_$policy.json
/usr/bin/python3 - "$policy" <<'PY'
import json, sys, numpy as np, glob, os
from PIL import Image
p = sys.argv[1]
a = json.load(open('/tmp/cmp_none.json')); b = json.load(open(f'/tmp/cmp_{p}.json'))
for ra, rb in zip(a, b):
    fa = sorted(glob.glob(os.path.join(ra['outputs']['frames'], '*.png'))); fb = sorted(glob.glob(os.path.join(rb['outputs']['frames'], '*.png')))
    A = np.stack([np.asarray(Image.open(f), dtype=np.float64) / 255 for f in fa]); B = np.stack([np.asarray(Image.open(f), dtype=np.float64) / 255 for f in fb])
    mse = ((A - B) ** 2).mean(); psnr = 10 * np.log10(1 / mse) if mse > 0 else float('inf')
    print(f"{ra['prompt'][:40]:40s} speedup(denoise) {ra['latency_ms']['denoise'] / rb['latency_ms']['denoise']:.2f} ideal {rb['cache_summary']['ideal_speedup']} modes {rb['cache_summary']['steps_per_mode']} PSNR {psnr:.1f}")
PY
