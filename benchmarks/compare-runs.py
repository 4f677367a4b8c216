#!/usr/bin/python3
"""Compares two `mixcache eval` runs.csv files run by run (same prompt, seed, method): whether each run took the same
steps per mode and block evaluations, and the mean PSNR per method before and after. Prints a markdown table.
    /usr/bin/python3 benchmarks/compare-runs.py OLD/runs.csv NEW/runs.csv
"""
import csv, sys, collections
old = list(csv.DictReader(open(sys.argv[1]))); new = list(csv.DictReader(open(sys.argv[2])))
key = lambda r: (r["prompt"], r["seed"], r["method"])
o = {key(r): r for r in old}; n = {key(r): r for r in new}
modes = [c for c in old[0] if c.startswith("steps_") and c in new[0]]
by = collections.defaultdict(lambda: [0, 0, 0.0, 0.0, 0])
for k, r in o.items():
    if k not in n or r["is_reference"] == "true":
        continue
    s = by[k[2]]
    s[0] += 1
    s[1] += all(r[m] == n[k][m] for m in modes)
    pa = float(r["psnr_db"] or 100); pb = float(n[k]["psnr_db"] or 100)
    s[2] += pa; s[3] += pb
    s[4] += r["block_evaluations"] == n[k]["block_evaluations"]
print("| method | runs | same steps per mode | same block evaluations | mean PSNR before | after | difference |")
print("|:--|--:|--:|--:|--:|--:|--:|")
for m, (c, same, a, b, be) in by.items():
    print(f"| {m} | {c} | {same} | {be} | {a/c:.4f} | {b/c:.4f} | {b/c - a/c:+.4f} |")
