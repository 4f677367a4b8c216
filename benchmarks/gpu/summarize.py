#!/usr/bin/env python3
"""Summarises a gpu-check.sh output folder into summary.json and summary.md (see gpu-check.sh for the steps).

    python3 benchmarks/gpu/summarize.py OUT [--steps N]

Reads OUT/info.json, OUT/gpu.txt and what OUT/work/ holds; parts that did not run are reported as missing.
"""
import argparse
import datetime
import glob
import json
import os
import array
import ast
import statistics


def load_npy(path):
    """A little-endian float32 .npy as a flat array (what `mixcache generate` writes); no numpy needed."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        raise ValueError(f"{path} is not a .npy file")
    header_len = int.from_bytes(data[8:10], "little") if data[6] == 1 else int.from_bytes(data[8:12], "little")
    start = (10 if data[6] == 1 else 12) + header_len
    header = ast.literal_eval(data[start - header_len:start].decode("latin1"))
    if header["descr"] != "<f4" or header["fortran_order"]:
        raise ValueError(f"{path}: expected little-endian float32 in C order, got {header}")
    values = array.array("f")
    values.frombytes(data[start:])
    return values


def parity(work):
    cpu = os.path.join(work, "parity-cpu", "latent.npy")
    if not os.path.exists(cpu):
        return None
    ref = load_npy(cpu)
    result = {}
    for name, folder in (("tf32_off", "parity-cuda"), ("tf32_on", "parity-cuda-tf32")):
        path = os.path.join(work, folder, "latent.npy")
        if os.path.exists(path):
            diff = [abs(a - b) for a, b in zip(load_npy(path), ref)]
            result[name] = {"max_abs": max(diff), "mean_abs": statistics.fmean(diff)}
    return result


def eval_table(work):
    path = os.path.join(work, "eval-cuda", "summary.json")
    if not os.path.exists(path):
        return None
    summary = json.load(open(path))
    rows = []
    for m in summary["methods"]:
        rows.append({
            "method": m["method"],
            "runs": m["runs"],
            "mean_latency_ms": m["mean_latency_ms"],
            "mean_speedup": m["mean_speedup"],
            "ideal_speedup": m.get("mean_ideal_speedup"),
            "realised_over_ideal": (m["mean_speedup"] / m["mean_ideal_speedup"]) if m.get("mean_ideal_speedup") else None,
            "mean_psnr_db": m.get("mean_psnr_db"),
            "steps_per_mode": m.get("mean_steps_per_mode"),
        })
    return {"environment": summary.get("environment"), "methods": rows}


def mode_times(work):
    result = {}
    for folder in sorted(glob.glob(os.path.join(work, "modes-*"))):
        run = json.load(open(os.path.join(folder, "run.json")))
        per_mode = {}
        for step in run["per_step"]:
            per_mode.setdefault(step["mode"], []).append(step["ms"])
        result[run["cache"]] = {mode: {"steps": len(v), "mean_ms": statistics.fmean(v), "median_ms": statistics.median(v)}
                                for mode, v in per_mode.items()}
    return result or None


def threads_sweep(work):
    by_threads = {}
    for folder in glob.glob(os.path.join(work, "threads-*-*")):
        threads = int(os.path.basename(folder).split("-")[1])
        run = json.load(open(os.path.join(folder, "run.json")))
        by_threads.setdefault(threads, []).append(run["latency_ms"]["total"])
    return {str(t): {"runs": len(v), "median_ms": statistics.median(v)} for t, v in sorted(by_threads.items())} or None


def peak_memory(work):
    path = os.path.join(work, "gpu-memory.log")
    if not os.path.exists(path):
        return None
    values = [int(line.strip()) for line in open(path) if line.strip().isdigit()]
    return max(values) if values else None


def markdown(s):
    info = s["info"]
    lines = [f"# GPU check ({s['date_utc']})", ""]
    if s["provider_under_test"] != "cuda":
        lines += [f"**Dry run: every 'CUDA' step below ran on the {s['provider_under_test']} provider (--on-cpu).**", ""]
    lines.append(f"- GPU: {s['gpu'] or 'no nvidia-smi'}")
    lines.append(f"- ONNX Runtime {info['ort_version']}, CUDA usable: {'yes' if info['cuda_usable'] else 'no'}"
                 + ("" if info["cuda_usable"] else f" ({info['cuda_error']})"))
    lines.append(f"- Steps per generation: {s['steps']}; CPU cores: {s['cpu_cores']}")
    if s["peak_gpu_memory_mib"] is not None:
        lines.append(f"- Peak GPU memory in use (nvidia-smi, parity + eval + modes): {s['peak_gpu_memory_mib']} MiB")
    if s["parity"]:
        lines += ["", "## CPU vs CUDA, same seed (latent after the last step)", "", "| TF32 | max abs | mean abs |", "|:--|--:|--:|"]
        for name, p in s["parity"].items():
            lines.append(f"| {name.split('_')[1]} | {p['max_abs']:.3g} | {p['mean_abs']:.3g} |")
    if s["eval"]:
        lines += ["", "## Cache methods on CUDA (one eval run, first run untimed warm-up)", "",
                  "| method | runs | latency ms | speedup | ideal | realised/ideal | PSNR dB |", "|:--|--:|--:|--:|--:|--:|--:|"]
        for r in s["eval"]["methods"]:
            psnr = "ref" if r["mean_psnr_db"] is None else f"{r['mean_psnr_db']:.2f}"
            ratio = "" if r["realised_over_ideal"] is None else f"{r['realised_over_ideal']:.2f}"
            ideal = "" if r["ideal_speedup"] is None else f"{r['ideal_speedup']:.2f}"
            lines.append(f"| {r['method']} | {r['runs']} | {r['mean_latency_ms']:.1f} | {r['mean_speedup']:.2f}x | {ideal} | {ratio} | {psnr} |")
    if s["mode_times"]:
        lines += ["", "## Step time per mode on CUDA (ms, mean over the steps of one generation)", "", "| method | mode | steps | mean ms |", "|:--|:--|--:|--:|"]
        for method, modes in s["mode_times"].items():
            for mode, t in modes.items():
                lines.append(f"| {method} | {mode} | {t['steps']} | {t['mean_ms']:.2f} |")
    if s.get("ladder"):
        lines += ["", "## Size ladder (generated weights; warm runs)", "",
                  "| package | cache | steps per mode: mean step time | denoise ms | realised/ideal | peak GPU MiB |", "|:--|:--|:--|--:|--:|--:|"]
        for r in s["ladder"]:
            modes = " · ".join(f"{k} {v['steps']}: {v['mean_ms']:.1f} ms" for k, v in r["per_mode"].items())
            ratio = "1.00 (reference)" if r["cache"] == "none" else ("" if r["realised_over_ideal"] is None else f"{r['realised_over_ideal']:.3f}")
            mem = "" if r["peak_gpu_memory_mib"] is None else str(r["peak_gpu_memory_mib"])
            lines.append(f"| {r['package']} | {r['cache']} | {modes} | {r['denoise_ms']:.0f} | {ratio} | {mem} |")
    if s.get("acceptance"):
        lines += ["", "## Issue #20 on this machine", ""] + [f"- {'holds' if a['holds'] else 'FAILS'}: {a['check']}" for a in s["acceptance"]]
    if s["threads"]:
        lines += ["", "## CPU threads (median of 3 generations)", "", "| threads | ms |", "|--:|--:|"]
        for t, v in s["threads"].items():
            lines.append(f"| {t} | {v['median_ms']:.1f} |")
    return "\n".join(lines) + "\n"


def ladder_table(work):
    """Step 6: per rung and cache, the warm generation's denoise time, steps per mode, realised/ideal speedup against
    the rung's full compute, and peak GPU memory (nvidia-smi, when sampled)."""
    rows = []
    for path in sorted(glob.glob(os.path.join(work, "ladder-*.json"))):
        stem = os.path.basename(path)[:-5]
        package, _, tag = stem.rpartition("-none") if stem.endswith("-none") else stem.partition("-replay-")
        tag = "none" if stem.endswith("-none") else "replay of " + tag
        try:
            run = json.load(open(path))
        except (OSError, ValueError):
            continue
        run = run[-1] if isinstance(run, list) else run  # the second (warm) generation
        steps = run["per_step"]
        mem_path = path[:-5] + ".mem"
        mem = None
        if os.path.exists(mem_path):
            values = [int(v) for v in open(mem_path).read().split() if v.strip().isdigit()]
            mem = max(values) if values else None
        rows.append({
            "package": package, "cache": tag, "steps": len(steps),
            "denoise_ms": sum(x["ms"] for x in steps),
            "block_evaluations": sum(x["block_evaluations"] for x in steps),
            "per_mode": {k: {"steps": v["steps"], "mean_ms": v["mean_ms"]} for k, v in run["cache_summary"]["per_mode"].items()},
            "peak_gpu_memory_mib": mem,
        })
    full = {r["package"]: r for r in rows if r["cache"] == "none"}
    for r in rows:
        f = full.get(r["package"])
        r["realised_over_ideal"] = None if f is None or r is f or not r["denoise_ms"] or not r["block_evaluations"] else \
            (f["denoise_ms"] / r["denoise_ms"]) / (f["block_evaluations"] / r["block_evaluations"])
    return rows


def acceptance(s):
    """Issue #20's GPU points, from this run: each cache's realised/ideal speedup >= 0.9, mixcache-eff >= 2.0x, and a
    MixCache full step within 1.1x of a plain full step (per-mode step times of the modes-* generations)."""
    checks = []
    if s["eval"]:
        for r in s["eval"]["methods"]:
            if r["realised_over_ideal"] is not None and r["method"] != "none":
                checks.append((f"{r['method']}: realised/ideal {r['realised_over_ideal']:.2f} >= 0.9", r["realised_over_ideal"] >= 0.9))
            if r["method"] == "mixcache-eff":
                checks.append((f"mixcache-eff: {r['mean_speedup']:.2f}x >= 2.0x", r["mean_speedup"] >= 2.0))
    modes = s["mode_times"] or {}
    plain = modes.get("none", {}).get("full")
    for method, per_mode in modes.items():
        if method.startswith("mixcache") and plain and "full" in per_mode:
            ratio = per_mode["full"]["median_ms"] / plain["median_ms"]
            checks.append((f"{method}: full step {ratio:.2f}x a plain full step (median) <= 1.1x", ratio <= 1.1))
    return checks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--provider", default="cuda", help="what ran where the check says CUDA (cpu with --on-cpu)")
    args = parser.parse_args()
    work = os.path.join(args.out, "work")
    gpu_txt = os.path.join(args.out, "gpu.txt")
    summary = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "steps": args.steps,
        "provider_under_test": args.provider,
        "cpu_cores": os.cpu_count(),
        "gpu": open(gpu_txt).read().strip() if os.path.exists(gpu_txt) else None,
        "info": json.load(open(os.path.join(args.out, "info.json"))),
        "parity": parity(work),
        "eval": eval_table(work),
        "mode_times": mode_times(work),
        "threads": threads_sweep(work),
        "peak_gpu_memory_mib": peak_memory(work),
        "ladder": ladder_table(work),
    }
    summary["acceptance"] = [{"check": c, "holds": ok} for c, ok in acceptance(summary)]
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(markdown(summary))


if __name__ == "__main__":
    main()
