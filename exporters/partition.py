#!/usr/bin/env python3
"""Split a monolithic ONNX DiT denoiser into the MixCacheOrt per-block package layout.

    /usr/bin/python3 exporters/partition.py denoiser.onnx --out pkg/ [--block-pattern '^/blocks\\.(\\d+)/']

For users who already have a single-graph denoiser (exported by torch.onnx from Wan2.1 or a diffusers
Wan transformer, or by anyone who kept module-scoped node names). Boundaries are found from node names:
every node whose name matches --block-pattern belongs to the block whose index the first group
captures. For block i, the tensors its nodes consume from outside the block are its inputs and the
one tensor it produces for outside consumers is its output. The inputs shared by every block are the
time modulation (e0: dim 1 == 6) and the text context; the other one is the hidden state. Whatever
runs after the last block is `post`; its extra input is the time embedding `e`.

If names are not scoped, pass the boundaries explicitly: --block-outputs t0,t1,... (one tensor per
block, in order) and --shared e0_tensor,context_tensor,e_tensor.

Output: pre.onnx, block_XX.onnx, post.onnx with the package's tensor names (latent/timestep/context_raw
-> hidden/e/e0/context; hidden/e0/context -> hidden_out; hidden/e -> velocity) and a partial manifest
(`partition.json`: graphs, sha256, block count) that export.py's manifest format extends.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from collections import defaultdict

import onnx
from onnx import helper, shape_inference

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _constant_outputs(graph) -> set[str]:
    """Initializers plus everything computed from them alone (Constant nodes, and the Identity nodes
    torch.onnx inserts when it de-duplicates equal initializers). Nodes are in topological order."""
    names = {i.name for i in graph.initializer}
    for n in graph.node:
        if all((not i) or i in names for i in n.input):
            names.update(n.output)
    return names


def find_boundaries(model: onnx.ModelProto, pattern: str):
    g = model.graph
    rx = re.compile(pattern)
    block_of: dict[int, int] = {}
    for k, n in enumerate(g.node):
        m = rx.search(n.name)
        if m:
            block_of[k] = int(m.group(1))
    if not block_of:
        raise SystemExit(f"no node name matches --block-pattern {pattern!r}; pass --block-outputs/--shared instead")
    count = max(block_of.values()) + 1
    producer_block = {}
    for k, n in enumerate(g.node):
        for o in n.output:
            producer_block[o] = block_of.get(k, -1)
    consts = _constant_outputs(g)
    ext_in, ext_out = defaultdict(set), defaultdict(set)
    graph_outputs = {o.name for o in g.output}
    for k, n in enumerate(g.node):
        b = block_of.get(k, -1)
        for t in n.input:
            if not t or t in consts:
                continue
            pb = producer_block.get(t, -2)  # -2: graph input
            if b >= 0 and pb != b:
                ext_in[b].add(t)
            if pb >= 0 and pb != b:
                ext_out[pb].add(t)
    for t in graph_outputs:
        if producer_block.get(t, -1) >= 0:
            ext_out[producer_block[t]].add(t)
    block_outputs = []
    for b in range(count):
        if len(ext_out[b]) != 1:
            raise SystemExit(f"block {b} has {len(ext_out[b])} outputs used outside it ({sorted(ext_out[b])}); "
                             "pass --block-outputs explicitly")
        block_outputs.append(next(iter(ext_out[b])))
    shared = set.intersection(*(ext_in[b] for b in range(count))) if count > 1 else set()
    hidden_in = ext_in[0] - shared
    if len(hidden_in) != 1 or len(shared) != 2:
        raise SystemExit(f"could not tell hidden/e0/context apart (hidden candidates {sorted(hidden_in)}, shared "
                         f"{sorted(shared)}); pass --shared explicitly")
    return count, next(iter(hidden_in)), block_outputs, sorted(shared)


def _dims(model, name):
    for v in list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output):
        if v.name == name:
            return [d.dim_value if d.dim_value else d.dim_param for d in v.type.tensor_type.shape.dim]
    return None


def _rename(model: onnx.ModelProto, mapping: dict[str, str]) -> onnx.ModelProto:
    g = model.graph
    for n in g.node:
        n.input[:] = [mapping.get(x, x) for x in n.input]
        n.output[:] = [mapping.get(x, x) for x in n.output]
    for v in list(g.input) + list(g.output) + list(g.value_info):
        v.name = mapping.get(v.name, v.name)
    return model


def _post_extra_input(model, pattern: str, pre_outputs: list[str], last_block_out: str, consts: set[str]) -> str:
    """The tensor besides the last block's output that the after-the-blocks region consumes: the nodes
    that are neither in a block nor needed to compute the blocks' pre-stage inputs."""
    g = model.graph
    rx = re.compile(pattern)
    producer = {o: n for n in g.node for o in n.output}
    needed, stack = set(), list(pre_outputs)
    while stack:
        t = stack.pop()
        n = producer.get(t)
        if n is None or id(n) in needed:
            continue
        needed.add(id(n))
        stack.extend(i for i in n.input if i)
    region = [n for n in g.node if not rx.search(n.name) and id(n) not in needed]
    produced = {o for n in region for o in n.output}
    extra = {i for n in region for i in n.input if i and i not in produced and i not in consts and i != last_block_out}
    if len(extra) != 1:
        raise SystemExit(f"post region has inputs {sorted(extra)} besides the last block output; pass --shared")
    return next(iter(extra))


def probe_shapes(model: onnx.ModelProto, tensors: list[str]) -> dict[str, tuple[int, list[int]]]:
    """(elem_type, shape) of boundary tensors, by running the graph once at batch 2 with them exposed as
    outputs: static shape inference often cannot see through the reshapes a tracer emits."""
    from tinywan import ortrun
    import numpy as np
    import tempfile

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    known = {o.name for o in probe.graph.output}
    for t in tensors:
        if t not in known:
            probe.graph.output.append(helper.make_empty_tensor_value_info(t))
    feeds = {}
    rng = np.random.default_rng(0)
    for i in model.graph.input:
        tt = i.type.tensor_type
        shape = [d.dim_value if d.dim_value else 2 for d in tt.shape.dim]
        dtype = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[tt.elem_type]
        feeds[i.name] = (rng.integers(0, 10, shape) if np.issubdtype(dtype, np.integer) else rng.random(shape)).astype(dtype)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "probe.onnx")
        onnx.save(probe, path)
        with ortrun.Session(path) as sess:
            values = sess.run(tensors, feeds)
    return {t: (onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[v.dtype], list(v.shape)) for t, v in zip(tensors, values)}


def extract(model: onnx.ModelProto, inputs: list[str], outputs: list[str], shapes) -> onnx.ModelProto:
    """Sub-graph computing `outputs` from `inputs` (plus initializers and constants). A linear-time
    replacement for onnx.utils.Extractor, whose reachability search is quadratic in graph size."""
    g = model.graph
    producer = {o: k for k, n in enumerate(g.node) for o in n.output}
    keep, stack, stop = set(), list(outputs), set(inputs)
    while stack:
        t = stack.pop()
        if t in stop or t not in producer or producer[t] in keep:
            continue
        keep.add(producer[t])
        stack.extend(i for i in g.node[producer[t]].input if i)
    nodes = [n for k, n in enumerate(g.node) if k in keep]
    used = {i for n in nodes for i in n.input}
    # Boundary tensors get the probed shapes with a symbolic batch dim.
    infos = {t: helper.make_tensor_value_info(t, shapes[t][0], ["batch", *shapes[t][1][1:]]) for t in inputs + outputs}
    sub = helper.make_graph(nodes, g.name, [infos[t] for t in inputs], [infos[t] for t in outputs],
                            initializer=[i for i in g.initializer if i.name in used])
    out = helper.make_model(sub, opset_imports=model.opset_import, producer_name="mixcacheort-partition")
    out.ir_version = model.ir_version
    onnx.checker.check_model(out)
    return out


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def partition(src: str, out_dir: str, pattern: str, block_outputs=None, shared=None) -> dict:
    model = onnx.load(src)
    inferred = shape_inference.infer_shapes(model)
    consts = _constant_outputs(model.graph)
    if block_outputs is None:
        count, hidden_in, block_outputs, pair = find_boundaries(model, pattern)
        e0_name = next((t for t in pair if (_dims(inferred, t) or [None, None])[1] == 6), None)
        if e0_name is None:
            raise SystemExit(f"cannot tell e0 from context among {pair} (no dim of size 6); pass --shared")
        context_name = next(t for t in pair if t != e0_name)
        e_name = _post_extra_input(model, pattern, [hidden_in, *pair], block_outputs[-1], consts)
    else:
        count = len(block_outputs)
        e0_name, context_name, e_name = shared
        hidden_in = None
    graph_inputs = [i.name for i in model.graph.input if i.name not in consts]
    graph_outputs = [o.name for o in model.graph.output]
    os.makedirs(out_dir, exist_ok=True)
    shapes = probe_shapes(model, [*graph_inputs, hidden_in, e_name, e0_name, context_name, *block_outputs, *graph_outputs])

    def save(name, ins, outs, rename):
        sub = extract(model, ins, outs, shapes)
        sub = _rename(sub, rename)
        path = os.path.join(out_dir, f"{name}.onnx")
        onnx.save(sub, path + ".tmp")
        os.replace(path + ".tmp", path)
        return {"file": f"{name}.onnx", "sha256": sha256(path)}

    graphs = {}
    if hidden_in is None:
        raise SystemExit("explicit mode needs the pre-stage hidden output too: use scoped names")
    graphs["pre"] = save("pre", graph_inputs, [hidden_in, e_name, e0_name, context_name],
                         {hidden_in: "hidden", e_name: "e", e0_name: "e0", context_name: "context"})
    prev = hidden_in
    for b in range(count):
        graphs[f"block_{b:02d}"] = save(f"block_{b:02d}", [prev, e0_name, context_name], [block_outputs[b]],
                                        {prev: "hidden", e0_name: "e0", context_name: "context", block_outputs[b]: "hidden_out"})
        prev = block_outputs[b]
    graphs["post"] = save("post", [prev, e_name], graph_outputs,
                          {prev: "hidden", e_name: "e", graph_outputs[0]: "velocity"})
    info = {"source": os.path.basename(src), "block_count": count, "graphs": graphs,
            "boundaries": {"hidden": hidden_in, "e": e_name, "e0": e0_name, "context": context_name,
                           "block_outputs": block_outputs}}
    with open(os.path.join(out_dir, "partition.json"), "w") as f:
        json.dump(info, f, indent=2)
    return info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="monolithic denoiser .onnx")
    ap.add_argument("--out", required=True)
    ap.add_argument("--block-pattern", default=r"^/blocks\.(\d+)/")
    ap.add_argument("--block-outputs", default=None, help="comma-separated block output tensor names, in order")
    ap.add_argument("--shared", default=None, help="e0,context,e tensor names (with --block-outputs)")
    args = ap.parse_args()
    bo = args.block_outputs.split(",") if args.block_outputs else None
    sh = args.shared.split(",") if args.shared else None
    info = partition(args.model, args.out, args.block_pattern, bo, sh)
    print(f"{info['block_count']} blocks -> {args.out}")
    print(json.dumps(info["boundaries"], indent=1))


if __name__ == "__main__":
    main()
