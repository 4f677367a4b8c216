#!/usr/bin/python3
"""Fused vs unfused attention at the largest grid this CPU runs (issue #22): one L-width (Wan2.1-1.3B) block of
exporters/ladder.py at the `mid` grid (2,730 tokens), batch 2, unfused (MatMul-Softmax-MatMul) and fused
(com.microsoft MultiHeadAttention), each in its own process: latency (median of 3 after one warm-up), peak RSS, and
the max difference of the two outputs. Prints markdown.
    /usr/bin/python3 exporters/ladder.py --config L --grid mid --blocks 1 --out /tmp/lad-mid-u
    /usr/bin/python3 exporters/ladder.py --config L --grid mid --blocks 1 --attention fused --out /tmp/lad-mid-f
    /usr/bin/python3 benchmarks/attention.py /tmp/lad-mid-u /tmp/lad-mid-f
"""
import json, os, resource, subprocess, sys, time

import numpy as np

CHILD = """
import json, os, resource, sys, time
import numpy as np
sys.path.insert(0, os.path.join(sys.argv[3], "exporters"))
from tinywan import ortrun
pkg = sys.argv[1]
m = json.load(open(os.path.join(pkg, "manifest.json")))
ins = {i["name"]: i["shape"] for i in m["graphs"]["block_00"]["inputs"]}
rng = np.random.default_rng(0)
feeds = {n: (rng.standard_normal([2 if d == "batch" else d for d in s]) * (0.1 if n == "e0" else 1)).astype(np.float32) for n, s in ins.items()}
with ortrun.Session(os.path.join(pkg, "block_00.onnx"), threads=2) as s:
    s.run(["hidden_out"], feeds)
    times = []
    for _ in range(3):
        t = time.time(); out = s.run(["hidden_out"], feeds)[0]; times.append(time.time() - t)
np.save(sys.argv[2], out)
print(json.dumps({"ms": 1000 * sorted(times)[1], "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "tokens": ins["hidden"][1], "attention": m.get("attention", "unfused")}))
"""

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rows = []
for i, pkg in enumerate(sys.argv[1:3]):
    out = subprocess.run([sys.executable, "-c", CHILD, pkg, f"/tmp/attention_out{i}.npy", repo], check=True, capture_output=True, text=True)
    rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
diff = float(np.abs(np.load("/tmp/attention_out0.npy") - np.load("/tmp/attention_out1.npy")).max())
print("| attention | tokens | block latency (ms, batch 2) | peak RSS (MiB) |")
print("|:--|--:|--:|--:|")
for r in rows:
    print(f"| {r['attention']} | {r['tokens']} | {r['ms']:.0f} | {r['rss_mib']:.0f} |")
print(f"\nmax |fused - unfused| = {diff:.1e}")
