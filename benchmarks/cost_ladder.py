#!/usr/bin/python3
"""Cost at real model sizes: ONE transformer block forward at batch 2 (both CFG branches) of exporters/ladder.py's
size ladder, timed in ONNX Runtime (CPU provider, through exporters/tinywan/ortrun.py), over a list of
(config, grid) points; and, with --chain-vs-monolithic, a package's chained per-block pass against its monolithic
denoiser.onnx.

    /usr/bin/python3 benchmarks/cost_ladder.py [CONFIG:GRID ...] [--runs R] [--threads N] [--attention unfused|fused]
                                               [--spin] [--csv PATH] [--dir DIR] [--keep]
    /usr/bin/python3 benchmarks/cost_ladder.py --chain-vs-monolithic PKG [--runs R] [--threads N] [--spin] [--csv PATH]

R defaults to 5, N to 2. Sessions run with intra-op spinning off (session.intra_op.allow_spinning=0), the C#
executor's default; --spin turns it on. (With it on, each chained session's idle pool spins on the cores the next one
needs: the M package's chained pass took 2.0x its monolithic pass instead of 1.02x on this 2-core machine.)

Block mode. POINTs are CONFIG:GRID with ladder.py's configs (S, M, L, XL) and grids (small 48 tokens, low 560, mid
2,730, 480p 32,760); the default is the widths S, M, L, XL at `small` and the tokens at width M over small, low, mid:
    S:small M:small L:small XL:small M:low M:mid
(an estimate, from the FLOPs and ladder.py's generation times: ~3 min on 2 cores, most of it generating XL's package,
whose generation peaks at ~5 GiB of memory and writes 2.3 GB of weights, deleted afterwards; L:low L:mid add ~1 min).
Each point's package is ladder.py --blocks 1 --no-validate in DIR/<config>-<grid>-<attention> (default: a temporary
directory); a package already there (same config, grid, attention, fp32, one block) is reused and its block weights
regenerated when missing. Each point is timed in its own process: one session of block_00.onnx with N intra-op
threads, 1 warm-up run, then R timed runs on random inputs hidden [2, tokens, dim], e0 [2, 6, dim],
context [2, text_len, dim]. Printed (markdown) and written to --csv, one row per point:
    config, grid, attention, tokens, dim, heads, ffn, text_len, params (the block's), weight_bytes,
    hidden_bytes (one hidden state [2, tokens, dim] in fp32: what a block cache holds per candidate),
    gflop (analytic: the block's matmuls and attention at batch 2), median_ms, min_ms, runs, threads, spinning,
    load_s (session creation), peak_rss_mib (the timing process)
Afterwards the weights (*.onnx.data) are deleted unless --keep; the graphs and manifests stay in --dir (kilobytes;
without --dir the temporary directory is removed). Plot the CSV with benchmarks/cost-plot.cs.

Chain-vs-monolithic mode: PKG must have denoiser.onnx (ladder.py --monolithic) and its weights
(exporters/regen_weights.py PKG). Loads pre, every block, post and denoiser (the weights are in memory twice), warms
each path up once, then alternates R chained and R monolithic passes at batch 2 on the same inputs: median and min of
each, their ratio, and max |chained - monolithic| (--csv: one row with these). The chained pass here runs pre, each block and post one after
another with the intermediate tensors passed through numpy (every output copied to the host, every input wrapped),
which the C# executor does not do: it keeps them in OrtValues bound on the device (DenoiserExecutor, IO binding), so
this ratio is an upper bound of what chaining costs the C# executor (its own measurement:
benchmarks/MixCacheOrt.Benchmarks DenoiserForwardBenchmarks).

Examples:
    /usr/bin/python3 benchmarks/cost_ladder.py --csv /tmp/cost.csv                       # the default set (~3 min)
    /usr/bin/python3 benchmarks/cost_ladder.py S:small M:small --runs 2 --csv /tmp/cost.csv
    /usr/bin/python3 exporters/ladder.py --config M --grid small --monolithic --out /tmp/ladder-M-mono
    /usr/bin/python3 benchmarks/cost_ladder.py --chain-vs-monolithic /tmp/ladder-M-mono --runs 5
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPORTERS = os.path.join(REPO, "exporters")
sys.path.insert(0, EXPORTERS)

DEFAULT_POINTS = ["S:small", "M:small", "L:small", "XL:small", "M:low", "M:mid"]


def _ladder_keys(name: str) -> tuple[str, ...]:
    """The keys of exporters/ladder.py's dict `name` (CONFIGS, GRIDS), read from its source: no torch import here."""
    import ast
    with open(os.path.join(EXPORTERS, "ladder.py")) as fh:
        tree = ast.parse(fh.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return tuple(k.value for k in node.value.keys)
    raise RuntimeError(f"exporters/ladder.py has no {name}")


CONFIGS = _ladder_keys("CONFIGS")  # S M L XL
GRIDS = _ladder_keys("GRIDS")  # 480p mid low small
COLUMNS = ["config", "grid", "attention", "tokens", "dim", "heads", "ffn", "text_len", "params", "weight_bytes",
           "hidden_bytes", "gflop", "median_ms", "min_ms", "runs", "threads", "spinning", "load_s", "peak_rss_mib"]
CHAIN_COLUMNS = ["package", "blocks", "tokens", "dim", "attention", "precision", "runs", "threads", "spinning", "chain_median_ms",
                 "chain_min_ms", "monolithic_median_ms", "monolithic_min_ms", "chain_over_monolithic",
                 "max_abs_diff", "boundary_bytes"]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def read_manifest(pkg: str) -> dict:
    with open(os.path.join(pkg, "manifest.json")) as fh:
        return json.load(fh)


def shape_of(spec: dict, batch: int) -> list[int]:
    return [batch if d == "batch" else int(d) for d in spec["shape"]]


def random_feed(specs: list[dict], batch: int, seed: int = 0) -> dict:
    """Random inputs for a graph's inputs (e0 scaled as a modulation: 0.1; timestep: [999, 500, ...])."""
    rng = np.random.default_rng(seed)
    feed = {}
    for s in specs:
        shape = shape_of(s, batch)
        if s["name"] == "timestep":
            feed[s["name"]] = np.linspace(999.0, 500.0, batch).astype(np.float32)
        else:
            feed[s["name"]] = (rng.standard_normal(shape) * (0.1 if s["name"] == "e0" else 1.0)).astype(s["dtype"])
    return feed


def block_gflop(tokens: int, dim: int, ffn: int, text_len: int, batch: int = 2) -> float:
    """Multiply-adds x 2 of one Wan block: self-attention q, k, v, o and scores/values, cross-attention q, o on the
    tokens and k, v on the text context, scores/values, and the FFN; norms, modulation and RoPE left out."""
    s, d, l = tokens, dim, text_len
    macs = 4 * s * d * d + 2 * s * s * d + 2 * s * d * d + 2 * l * d * d + 2 * s * l * d + 2 * s * d * ffn
    return 2.0 * macs * batch / 1e9


# ---------------------------------------------------------------------------------------------
# Block mode
# ---------------------------------------------------------------------------------------------
def session_config(spin: bool) -> dict:
    """Intra-op spinning off unless --spin, as the C# executor's default (ExecutionSettings.AllowSpinning): with one
    thread pool per session, the spinning pools of sessions that just ran steal the cores of the one running now."""
    return {"session.intra_op.allow_spinning": "1" if spin else "0"}


def measure_block(pkg: str, runs: int, threads: int, spin: bool = False) -> dict:
    """In the timing process: one block_00 session, 1 warm-up, `runs` timed runs at batch 2."""
    from tinywan import ortrun
    m = read_manifest(pkg)
    spec = m["graphs"]["block_00"]
    feed = random_feed(spec["inputs"], 2)
    t0 = time.perf_counter()
    with ortrun.Session(os.path.join(pkg, spec["file"]), threads=threads, config=session_config(spin)) as s:
        load_s = time.perf_counter() - t0
        s.run(["hidden_out"], feed)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            s.run(["hidden_out"], feed)
            times.append(time.perf_counter() - t)
    return {"median_ms": 1000 * statistics.median(times), "min_ms": 1000 * min(times), "load_s": load_s,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def block_parameters(pkg: str) -> int:
    """Elements of block_00's weights (its external initializers)."""
    import onnx
    model = onnx.load(os.path.join(pkg, "block_00.onnx"), load_external_data=False)
    return sum(int(np.prod(list(t.dims), dtype=np.int64)) for t in model.graph.initializer
               if t.data_location == onnx.TensorProto.EXTERNAL)


def reusable(pkg: str, config: str, grid: str, attention: str) -> bool:
    try:
        m = read_manifest(pkg)
    except (OSError, ValueError):
        return False
    gen = m.get("source", {}).get("generated", {})
    return (gen.get("config"), gen.get("grid"), gen.get("blocks"), m.get("attention"), m.get("precision", "fp32")) == \
        (config, grid, 1, attention, "fp32")


def ensure_package(pkg: str, config: str, grid: str, attention: str, threads: int) -> str:
    """Generates (or reuses) the single-block package; returns what was done."""
    t0 = time.time()
    if reusable(pkg, config, grid, attention):
        data = os.path.join(pkg, read_manifest(pkg)["graphs"]["block_00"]["external_data"]["file"])
        if os.path.exists(data):
            return "reused"
        import regen_weights
        regen_weights.regenerate(pkg, only={"block_00"}, log=None)
        return f"reused, block weights regenerated in {time.time() - t0:.0f}s"
    shutil.rmtree(pkg, ignore_errors=True)
    cmd = [sys.executable, os.path.join(EXPORTERS, "ladder.py"), "--config", config, "--grid", grid, "--blocks", "1",
           "--no-validate", "--attention", attention, "--threads", str(threads), "--out", pkg]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stderr[-3000:]}")
    return f"generated in {time.time() - t0:.0f}s"


def delete_weights(pkg: str) -> None:
    for f in os.listdir(pkg):
        if f.endswith(".onnx.data"):
            os.remove(os.path.join(pkg, f))


def parse_point(p: str) -> tuple[str, str]:
    config, sep, grid = p.partition(":")
    if not sep or config not in CONFIGS or grid not in GRIDS:
        raise argparse.ArgumentTypeError(f"point {p!r}: expected CONFIG:GRID with CONFIG in {CONFIGS}, GRID in {GRIDS}")
    return config, grid


def run_points(args) -> list[dict]:
    root = args.dir or tempfile.mkdtemp(prefix="cost-ladder-")
    os.makedirs(root, exist_ok=True)
    rows = []
    try:
        for config, grid in args.points:
            pkg = os.path.join(root, f"{config}-{grid}-{args.attention}")
            how = ensure_package(pkg, config, grid, args.attention, args.threads)
            try:
                cmd = [sys.executable, os.path.abspath(__file__), "--measure-block", pkg, "--runs", str(args.runs),
                       "--threads", str(args.threads)] + (["--spin"] if args.spin else [])
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    raise RuntimeError(f"timing {config}:{grid} failed:\n{r.stderr[-3000:]}")
                t = json.loads(r.stdout.strip().splitlines()[-1])
                m = read_manifest(pkg)
                a, g = m["architecture"], m["geometry"]
                tokens, dim = int(g["tokens"]), int(a["dim"])
                row = {"config": config, "grid": grid, "attention": args.attention, "tokens": tokens, "dim": dim,
                       "heads": int(a["num_heads"]), "ffn": int(a["ffn_dim"]), "text_len": int(a["text_len"]),
                       "params": block_parameters(pkg), "weight_bytes": m["graphs"]["block_00"]["external_data"]["bytes"],
                       "hidden_bytes": 2 * tokens * dim * 4,
                       "gflop": round(block_gflop(tokens, dim, int(a["ffn_dim"]), int(a["text_len"])), 3),
                       "median_ms": round(t["median_ms"], 3), "min_ms": round(t["min_ms"], 3), "runs": args.runs,
                       "threads": args.threads, "spinning": int(args.spin), "load_s": round(t["load_s"], 3), "peak_rss_mib": round(t["peak_rss_mib"])}
                rows.append(row)
                log(f"{config}:{grid}  {tokens} tokens, dim {dim}: median {row['median_ms']:.1f} ms, min {row['min_ms']:.1f} ms"
                    f" ({args.runs} runs, {args.threads} threads; package {how})")
            finally:
                if not args.keep:
                    delete_weights(pkg)
    finally:
        if args.dir is None and not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        elif args.keep:
            log(f"packages (with weights) kept in {root}")
    return rows


def print_points(rows: list[dict]) -> None:
    print("| point | tokens | dim | heads | FFN | block params | hidden [2, tokens, dim] fp32 | GFLOP | median (ms) | min (ms) | GFLOP/s | peak RSS (MiB) |")
    print("|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        hb = r["hidden_bytes"]
        size = f"{hb / 2**20:.2f} MiB" if hb >= 2**20 else f"{hb / 1024:.0f} KiB"
        print(f"| {r['config']}:{r['grid']} | {r['tokens']} | {r['dim']} | {r['heads']} | {r['ffn']} | {r['params'] / 1e6:.1f}M | "
              f"{size} | {r['gflop']:.1f} | {r['median_ms']:.1f} | {r['min_ms']:.1f} | {r['gflop'] / r['median_ms'] * 1000:.0f} | "
              f"{r['peak_rss_mib']} |")
    if rows:
        print(f"\nOne block forward at batch 2 (both CFG branches), {rows[0]['attention']} attention, ONNX Runtime CPU provider, "
              f"{rows[0]['threads']} intra-op threads (spinning {'on' if rows[0]['spinning'] else 'off'}), median and min of "
              f"{rows[0]['runs']} runs after 1 warm-up.")


# ---------------------------------------------------------------------------------------------
# Chain-vs-monolithic mode
# ---------------------------------------------------------------------------------------------
def chain_vs_monolithic(pkg: str, runs: int, threads: int, spin: bool = False) -> dict:
    from tinywan import ortrun
    m = read_manifest(pkg)
    graphs = m["graphs"]
    if "denoiser" not in graphs:
        raise SystemExit(f"{pkg} has no denoiser.onnx: write the package with exporters/ladder.py --monolithic")
    missing = [g["external_data"]["file"] for g in graphs.values()
               if "external_data" in g and not os.path.exists(os.path.join(pkg, g["external_data"]["file"]))]
    if missing:
        raise SystemExit(f"{pkg}: weights missing ({', '.join(missing[:3])}...): /usr/bin/python3 exporters/regen_weights.py {pkg}")
    blocks = int(m["blocks"]["count"])
    names = ["pre"] + [f"block_{i:02d}" for i in range(blocks)] + ["post"]
    t0 = time.perf_counter()
    sessions = {n: ortrun.Session(os.path.join(pkg, graphs[n]["file"]), threads=threads, config=session_config(spin))
                for n in names + ["denoiser"]}
    log(f"{len(sessions)} sessions loaded in {time.perf_counter() - t0:.1f}s")
    try:
        feed = random_feed(graphs["denoiser"]["inputs"], 2)

        def chained():
            hidden, e, e0, context = sessions["pre"].run(["hidden", "e", "e0", "context"], feed)
            boundary = hidden.nbytes + e.nbytes + e0.nbytes + context.nbytes
            for i in range(blocks):
                (hidden,) = sessions[f"block_{i:02d}"].run(["hidden_out"], {"hidden": hidden, "e0": e0, "context": context})
                boundary += hidden.nbytes
            return sessions["post"].run(["velocity"], {"hidden": hidden, "e": e})[0], boundary

        def monolithic():
            return sessions["denoiser"].run(["velocity"], feed)[0]

        a, boundary = chained()
        b = monolithic()
        tc, tm = [], []
        for _ in range(runs):
            t = time.perf_counter()
            chained()
            tc.append(time.perf_counter() - t)
            t = time.perf_counter()
            monolithic()
            tm.append(time.perf_counter() - t)
    finally:
        for s in sessions.values():
            s.close()
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return {"package": m["name"], "blocks": blocks, "tokens": m["geometry"]["tokens"], "dim": m["architecture"]["dim"],
            "attention": m.get("attention", "unfused"), "precision": m.get("precision", "fp32"), "runs": runs,
            "threads": threads, "spinning": int(spin), "chain_median_ms": round(1000 * statistics.median(tc), 3),
            "chain_min_ms": round(1000 * min(tc), 3), "monolithic_median_ms": round(1000 * statistics.median(tm), 3),
            "monolithic_min_ms": round(1000 * min(tm), 3),
            "chain_over_monolithic": round(statistics.median(tc) / statistics.median(tm), 4),
            "max_abs_diff": float(np.abs(a64 - b64).max()), "boundary_bytes": boundary}


def print_chain(r: dict) -> None:
    print("| package | blocks | tokens | dim | chained, via numpy (ms) | monolithic (ms) | chained / monolithic | max abs diff |")
    print("|:--|--:|--:|--:|--:|--:|--:|--:|")
    print(f"| {r['package']} | {r['blocks']} | {r['tokens']} | {r['dim']} | {r['chain_median_ms']:.1f} (min {r['chain_min_ms']:.1f}) | "
          f"{r['monolithic_median_ms']:.1f} (min {r['monolithic_min_ms']:.1f}) | {r['chain_over_monolithic']:.3f} | {r['max_abs_diff']:.1e} |")
    print(f"\nOne denoiser pass at batch 2, {r['attention']} attention, {r['precision']}, ONNX Runtime CPU provider, "
          f"{r['threads']} intra-op threads per session (spinning {'on' if r['spinning'] else 'off'}), median of {r['runs']} runs each (alternating) after 1 warm-up. The chained pass "
          f"runs pre, each block and post one after another with the intermediate tensors passed through numpy "
          f"({r['boundary_bytes'] / 2**20:.1f} MiB copied to the host per pass); the C# executor keeps them on the device "
          f"(IO binding), so this is an upper bound of its chaining cost.")


def write_csv(path: str, columns: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    log(f"wrote {path}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("points", nargs="*", type=parse_point, help=f"CONFIG:GRID (default: {' '.join(DEFAULT_POINTS)})")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per point (after 1 warm-up); default 5")
    ap.add_argument("--threads", type=int, default=2, help="ONNX Runtime intra-op threads; default 2")
    ap.add_argument("--attention", default="unfused", choices=["unfused", "fused"])
    ap.add_argument("--spin", action="store_true",
                    help="let idle intra-op threads spin (session.intra_op.allow_spinning=1); default off, as the C# executor")
    ap.add_argument("--csv", help="write the rows to this CSV file")
    ap.add_argument("--dir", help="where the single-block packages go (reused when already there); default: a temporary directory")
    ap.add_argument("--keep", action="store_true", help="keep the packages' weights (and the temporary directory)")
    ap.add_argument("--chain-vs-monolithic", metavar="PKG", help="time PKG's chained pass against its denoiser.onnx")
    ap.add_argument("--measure-block", metavar="PKG", help=argparse.SUPPRESS)  # the timing process
    args = ap.parse_args(argv)
    if args.runs < 1 or args.threads < 1:
        ap.error("--runs and --threads must be >= 1")
    if args.measure_block:
        print(json.dumps(measure_block(args.measure_block, args.runs, args.threads, args.spin)))
        return 0
    if args.chain_vs_monolithic:
        if args.points:
            ap.error("--chain-vs-monolithic takes no points")
        r = chain_vs_monolithic(args.chain_vs_monolithic, args.runs, args.threads, args.spin)
        print_chain(r)
        if args.csv:
            write_csv(args.csv, CHAIN_COLUMNS, [r])
        return 0
    args.points = args.points or [parse_point(p) for p in DEFAULT_POINTS]
    t0 = time.time()
    rows = run_points(args)
    print_points(rows)
    if args.csv:
        write_csv(args.csv, COLUMNS, rows)
    log(f"{len(rows)} points in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
