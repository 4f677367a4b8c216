#!/usr/bin/env python3
"""partition.py on a monolithic graph past protobuf's 2 GB limit: weights in external data, never held twice.

    /usr/bin/python3 exporters/partition_large_check.py [--work DIR] [--blocks 5] [--dim 4096] [--no-compare] [--keep]

Builds a synthetic DiT-shaped graph (pre -> `--blocks` scoped blocks `/blocks.N/...` -> post) with onnx.helper;
each block has two float32 weights of dim x 4*dim (512 MiB per block at dim 4096: 2.5 GiB for 5 blocks), generated
with numpy in chunks and written straight into one external data file (no torch, the weights are never in memory
at once). Then runs `partition.py` in a child process, takes that child's peak RSS (os.wait4 rusage), checks the
sub-graphs' external data files and, unless --no-compare, runs pre -> blocks -> post and the monolithic graph with
ONNX Runtime (tinywan/ortrun.py) at batch 2 on 4 tokens and compares them. Prints one line:

    partition_large_check: OK: ... peak RSS of partition.py ... MiB (x% of the weights) ...

OK needs the peak RSS below the weights' size (so they were not even held once) and, when compared, agreement
within 1e-4. Disk: about twice the weights (source + partitioned copy) under --work, removed unless --keep.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
ALIGN = 4096


class WeightWriter:
    """Appends float32 weights to one external data file and returns initializers that point at them."""

    def __init__(self, path: str, seed: int = 0):
        self.f = open(path, "wb")
        self.location = os.path.basename(path)
        self.rng = np.random.default_rng(seed)
        self.bytes = 0

    def add(self, name: str, shape, scale: float, offset: float = 0.0) -> onnx.TensorProto:
        """Uniform(offset - scale, offset + scale) weights, written row block by row block (<= 64 MiB at a time)."""
        if self.f.tell() % ALIGN:
            self.f.write(b"\0" * (ALIGN - self.f.tell() % ALIGN))
        start = self.f.tell()
        rows, cols = shape[0], int(np.prod(shape[1:]))
        step = max(1, (64 << 20) // (4 * cols))
        for r in range(0, rows, step):
            n = min(step, rows - r)
            block = self.rng.random((n, cols), dtype=np.float32)
            block *= 2 * scale
            block += offset - scale
            self.f.write(block.tobytes())
        length = self.f.tell() - start
        self.bytes += length
        t = TensorProto()
        t.name, t.data_type = name, TensorProto.FLOAT
        t.dims.extend(shape)
        t.data_location = TensorProto.EXTERNAL
        for key, value in (("location", self.location), ("offset", start), ("length", length)):
            e = t.external_data.add()
            e.key, e.value = key, str(value)
        return t

    def close(self):
        self.f.close()


def build(path: str, blocks: int, dim: int, c_in: int = 16, c_txt: int = 64) -> int:
    """Writes the monolithic model (proto + `<path>.data`); returns the weight bytes."""
    ffn = 4 * dim
    w = WeightWriter(path + ".data")
    inits, nodes = [], []

    def const(name, values):
        inits.append(helper.make_tensor(name, TensorProto.INT64, [len(values)], values))
        return name

    def node(op, name, inputs, **attrs):
        out = f"{name}_output_0"
        nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out

    # pre: hidden = latent @ W_in; e = sin(t * freq); e0 = reshape(tile(e) * m6); context = context_raw @ W_c
    inits += [w.add("patch_embedding.weight", [c_in, dim], c_in ** -0.5), w.add("time.freq", [1, dim], 0.01, 0.01),
              w.add("time.m6", [1, 6 * dim], 0.5), w.add("text_embedding.weight", [c_txt, dim], c_txt ** -0.5)]
    hidden = node("MatMul", "/patch_embedding/MatMul", ["latent", "patch_embedding.weight"])
    t = node("Unsqueeze", "/time/Unsqueeze", ["timestep", const("axes1", [1])])
    e = node("Sin", "/time/Sin", [node("Mul", "/time/Mul", [t, "time.freq"])])
    tiled = node("Tile", "/time/Tile", [e, const("tile6", [1, 6])])
    e0 = node("Reshape", "/time/Reshape", [node("Mul", "/time/Mul_1", [tiled, "time.m6"]), const("shape6", [-1, 6, dim])])
    context = node("MatMul", "/text_embedding/MatMul", ["context_raw", "text_embedding.weight"])
    x = hidden
    for b in range(blocks):
        s = f"/blocks.{b}"
        inits += [w.add(f"blocks.{b}.modulation", [1, 6, dim], 0.1), w.add(f"blocks.{b}.ffn.0.weight", [dim, ffn], dim ** -0.5),
                  w.add(f"blocks.{b}.ffn.2.weight", [ffn, dim], 0.5 * ffn ** -0.5)]
        mod = node("Add", f"{s}/Add", [e0, f"blocks.{b}.modulation"])
        shift, scale, gate = (node("Gather", f"{s}/Gather_{k}", [mod, const(f"{s}/idx{k}", [k])], axis=1) for k in range(3))
        y = node("Add", f"{s}/Add_1", [node("Mul", f"{s}/Mul", [x, node("Add", f"{s}/Add_2", [scale, "one"])]), shift])
        y = node("Add", f"{s}/Add_3", [y, node("ReduceMean", f"{s}/ReduceMean", [context], axes=[1], keepdims=1)])
        y = node("Tanh", f"{s}/Tanh", [node("MatMul", f"{s}/ffn.0/MatMul", [y, f"blocks.{b}.ffn.0.weight"])])
        y = node("MatMul", f"{s}/ffn.2/MatMul", [y, f"blocks.{b}.ffn.2.weight"])
        x = node("Add", f"{s}/Add_4", [x, node("Mul", f"{s}/Mul_1", [y, gate])])
    # post: velocity = (x * (1 + e)) @ W_out
    inits.append(w.add("head.weight", [dim, c_in], dim ** -0.5))
    ee = node("Add", "/head/Add", [node("Unsqueeze", "/head/Unsqueeze", [e, const("axes1b", [1])]), "one"])
    nodes.append(helper.make_node("MatMul", [node("Mul", "/head/Mul", [x, ee]), "head.weight"], ["velocity"], name="/head/MatMul"))
    inits.append(helper.make_tensor("one", TensorProto.FLOAT, [], [1.0]))
    w.close()
    graph = helper.make_graph(
        nodes, "large_dit",
        [helper.make_tensor_value_info("latent", TensorProto.FLOAT, ["batch", "tokens", c_in]),
         helper.make_tensor_value_info("timestep", TensorProto.FLOAT, ["batch"]),
         helper.make_tensor_value_info("context_raw", TensorProto.FLOAT, ["batch", 8, c_txt])],
        [helper.make_tensor_value_info("velocity", TensorProto.FLOAT, ["batch", "tokens", c_in])], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="partition_large_check")
    model.ir_version = 8
    onnx.save_model(model, path)
    onnx.checker.check_model(path)
    return w.bytes


def run_partition(src: str, out: str):
    """partition.py in a child process: (seconds, peak RSS bytes of that child, its output)."""
    t0 = time.time()
    child = subprocess.Popen([sys.executable, os.path.join(HERE, "partition.py"), src, "--out", out],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"partition_large_check: FAIL: partition.py exited {child.returncode}: {output.strip().splitlines()[-1:]}")
    return time.time() - t0, usage.ru_maxrss * 1024, output  # ru_maxrss is in KiB on Linux


def compare(src: str, out: str, info: dict) -> float:
    """max |chain - monolithic| at batch 2, 4 tokens (ONNX Runtime, one session at a time)."""
    sys.path.insert(0, HERE)
    from tinywan import ortrun
    rng = np.random.default_rng(1)
    feeds = {"latent": rng.standard_normal((2, 4, 16)).astype(np.float32),
             "timestep": np.array([900.0, 100.0], dtype=np.float32),
             "context_raw": rng.standard_normal((2, 8, 64)).astype(np.float32)}
    with ortrun.Session(src) as s:
        expected = s.run(["velocity"], feeds)[0]
    with ortrun.Session(os.path.join(out, "pre.onnx")) as s:
        pre = dict(zip(info["pre_outputs"], s.run(info["pre_outputs"], feeds)))
    h = pre["hidden"]
    for b in range(info["block_count"]):
        g = info["graphs"][f"block_{b:02d}"]
        with ortrun.Session(os.path.join(out, g["file"])) as s:
            h = s.run(["hidden_out"], {"hidden": h, **{i["name"]: pre[i["name"]] for i in g["inputs"][1:]}})[0]
    with ortrun.Session(os.path.join(out, "post.onnx")) as s:
        got = s.run(["velocity"], {"hidden": h, **{n: pre[n] for n in info["post_inputs"][1:]}})[0]
    return float(np.abs(got - expected).max())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=None, help="scratch folder (default: a new temporary folder)")
    ap.add_argument("--blocks", type=int, default=5)
    ap.add_argument("--dim", type=int, default=4096)
    ap.add_argument("--no-compare", action="store_true", help="skip the ONNX Runtime comparison")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="partition_large_")
    os.makedirs(work, exist_ok=True)
    try:
        src, out = os.path.join(work, "large.onnx"), os.path.join(work, "pkg")
        t0 = time.time()
        weights = build(src, args.blocks, args.dim)
        built = time.time() - t0
        seconds, peak, _ = run_partition(src, out)
        with open(os.path.join(out, "partition.json")) as f:
            info = json.load(f)
        copied = sum(g["external_data"]["bytes"] for g in info["graphs"].values())
        problems = []
        if weights <= 2**31:
            problems.append(f"weights {weights / 2**30:.2f} GiB do not pass 2 GiB")
        if info["block_count"] != args.blocks:
            problems.append(f"{info['block_count']} blocks, expected {args.blocks}")
        if copied < weights:
            problems.append(f"sub-graph data {copied} bytes < source weights {weights}")
        if max(os.path.getsize(os.path.join(out, g["file"])) for g in info["graphs"].values()) > 1 << 20:
            problems.append("a sub-graph .onnx holds weights inline")
        if peak >= weights:
            problems.append(f"peak RSS {peak / 2**20:.0f} MiB >= the weights")
        diff = None if args.no_compare else compare(src, out, info)
        if diff is not None and not diff <= 1e-4:
            problems.append(f"chain vs monolithic max|diff| {diff:.2e} > 1e-4")
        verdict = "FAIL: " + "; ".join(problems) + ": " if problems else "OK: "
        print(f"partition_large_check: {verdict}{args.blocks} blocks, weights {weights / 2**30:.2f} GiB in external data "
              f"(built in {built:.0f} s), partitioned in {seconds:.0f} s with peak RSS of partition.py "
              f"{peak / 2**20:.0f} MiB ({100 * peak / weights:.1f}% of the weights), sub-graph data {copied / 2**30:.2f} GiB"
              + ("" if diff is None else f", chain vs monolithic max|diff| {diff:.1e}"), flush=True)
        if problems:
            sys.exit(1)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
