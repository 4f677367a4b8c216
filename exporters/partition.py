#!/usr/bin/env python3
"""Split a monolithic ONNX DiT denoiser into the MixCacheOrt per-block package layout.

    /usr/bin/python3 exporters/partition.py denoiser.onnx --out pkg/                      # scoped node names
    /usr/bin/python3 exporters/partition.py model.onnx --out pkg/ --block-pattern '^/transformer_blocks\\.(\\d+)/'
    /usr/bin/python3 exporters/partition.py model.onnx --out pkg/ --block-outputs T0,T1,... [--hidden-in T]
    ... [--shared e0=T,context=T,e=T,NAME=T]                                              # names, either mode

For users who already have a single-graph denoiser (exported by torch.onnx from Wan2.1 or a diffusers Wan
transformer, or any DiT whose blocks form a chain). Nothing is run: the graph is only read and cut.

Block boundaries
    Scoped mode (default): every node whose name matches --block-pattern belongs to the block whose index the
    pattern's first group captures (`/blocks.N/...` for torch.onnx exports of Wan, `/transformer_blocks.N/...`
    for other diffusers models). A block hands one tensor to the rest of the graph: its output (the one computed
    from most of the block). Anything else it hands on must not depend on the hidden state (torch.onnx merges
    equal nodes across blocks, so block 1 may read block 0's `Unsqueeze(rope_cos)`); it is recomputed by every
    stage that reads it.
    Explicit mode: --block-outputs names the L block output tensors, in order. A node belongs to block i when
    the latest chain tensor it depends on is block i's input (block i-1's output). Block 0's input is
    --hidden-in, or, when omitted, derived: the latest tensor before block 0's output that, together with the
    tensors block 1 reads from outside, cuts block 0 off from the model inputs and leaves a region with the same
    operators as block 1.
    In both modes, nodes outside the blocks that depend on block i-1 (and not a later one) are computed in block
    i; nodes that depend on the last block are `post`; nodes that depend on no block are `pre`. A pre node whose
    results only post reads (explicit mode: only post or only one block) moves there, unless it reads a model
    input itself, so that post and the blocks receive what the architecture hands them (the time embedding, not
    the head's modulation slices).

Interfaces (data flow, any number of tensors)
    Every non-constant tensor a block reads from outside the blocks is a shared block input; everything post
    reads besides the last block's output is a post input; `pre` computes and outputs all of them, so the
    executor binds each by name from pre's outputs. Package names: pre outputs `hidden` (block 0's input), `e`
    (the floating rank-2 post input, as wide as the hidden state, depending on no model input e0 does not: the
    time embedding), `e0` (the shared input with a dimension of size 6: the 6-way modulation), `context` (the
    floating rank-3 shared input computed from a model input that neither the hidden state nor e0 depend on: the
    text context) and the others under a sanitized version of their source name (`/rope/Cos_output_0` ->
    `rope_cos`). Blocks read `hidden`, then the shared
    inputs they use (e0, context, extras) and output `hidden_out`; post reads `hidden`, `e` (if any) and the
    extras it needs and outputs `velocity` (the model's first output). --shared overrides or adds names
    (`NAME=TENSOR`; the legacy form `T_e0,T_context,T_e` names e0, context and e). Pre keeps the model's input
    names.

Shapes
    Boundary tensor types come from ONNX static shape inference (with data propagation) on the weight-free
    graph, run twice with the model's symbolic batch set to 2 and to 3: dimensions that follow it are declared
    `batch`, equal ones concretely, and anything inference cannot tell (symbolic spatial dims, reshapes whose
    target shape it cannot compute) as a named symbolic dimension (`rope_cos_dim0`). ONNX Runtime does not check
    symbolic dimensions. When inference loses a block output's rank (torch's chunk arithmetic: onnx 1.12 does not
    propagate Div), the output is declared with its block input's type (a block keeps the residual stream's
    shape; such outputs are listed in partition.json); any other tensor of unknown rank is an error. No graph is
    ever run here (the full-size graph needs the whole attention matrix: ~100 GB at 480p).

Large models
    The model is loaded without its external data (`onnx.load(..., load_external_data=False)`). When it has
    external data (or a sub-graph would pass protobuf's 2 GB limit), every sub-graph gets its own
    `<name>.onnx.data` file (the layout of onnx.save_model(..., save_as_external_data=True,
    all_tensors_to_one_file=True)), filled by copying each weight's bytes from the source file in 64 MiB chunks:
    weights are never held in memory. Graphs are checked with onnx.checker's path form.

Output: pre.onnx, block_XX.onnx, post.onnx (+ .onnx.data files) and partition.json: block count, pre_outputs,
block_shared_inputs (the shared inputs in the order the block graphs declare them; a block that reads fewer
declares the subset), post_inputs (post's inputs, `hidden` first), per graph its file, sha256, inputs and outputs
(name, dtype, shape; the manifest format of export.py) and external data file, and the source tensor behind
every package name. Any boundary that cannot be found stops with a one-line error naming the node or tensor.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict

import onnx
from onnx import TensorProto, helper, shape_inference

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from regen_weights import file_sha256 as sha256  # noqa: E402  (one file hash for every exporter)
from onnx.external_data_helper import uses_external_data

DEFAULT_PATTERN = r"^/blocks\.(\d+)/"
PRE = -1  # region of a node: PRE, a block index 0..L-1, or L (post); None for constants
FREE = -2  # region of block nodes that do not depend on the hidden state and are read by other stages too
PROTOBUF_LIMIT = 2**31 - 1 - (64 << 20)  # leave room for the graph itself
INLINE_LIMIT = 1024  # bytes; smaller tensors stay inside the .onnx file (onnx.save_model's default threshold)
ALIGN = 4096  # external tensors start on page boundaries (ONNX Runtime can then map them)
CHUNK = 64 << 20
RESERVED = ("hidden", "hidden_out", "velocity")
NONDETERMINISTIC = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"}


def fail(message: str):
    """One-line error (the CLI prints it and exits with status 1)."""
    raise SystemExit("partition: " + " ".join(message.split()))


def _few(names, k: int = 4) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:k])
    return f"[{shown}{f', ... (+{len(names) - k} more)' if len(names) > k else ''}]"


# ---------------------------------------------------------------------------------------------
# Graph index
# ---------------------------------------------------------------------------------------------
def _subgraph_refs(node) -> list[str]:
    """Outer-scope tensors read inside the node's subgraphs (If/Loop/Scan bodies)."""
    refs = []
    for a in node.attribute:
        bodies = [a.g] if a.type == onnx.AttributeProto.GRAPH else list(a.graphs)
        for body in bodies:
            defined = {v.name for v in body.input} | {t.name for t in body.initializer}
            defined |= {o for n in body.node for o in n.output}
            refs += [t for n in body.node for t in [*n.input, *_subgraph_refs(n)] if t and t not in defined]
    return refs


class Graph:
    """The main graph with producers, consumers, constants and per-node inputs, in topological order."""

    def __init__(self, model: onnx.ModelProto):
        g = model.graph
        self.model = model
        self.inits = {t.name: t for t in g.initializer}
        self.inputs = [v.name for v in g.input if v.name not in self.inits]
        self.input_set = set(self.inputs)
        self.outputs = [v.name for v in g.output]
        nodes = list(g.node)
        ins = [[t for t in [*n.input, *_subgraph_refs(n)] if t] for n in nodes]
        order = self._topological(nodes, ins)
        self.nodes = [nodes[k] for k in order]
        self.node_inputs = [ins[k] for k in order]
        self.producer = {o: k for k, n in enumerate(self.nodes) for o in n.output if o}
        self.consumers = defaultdict(list)
        for k, tensors in enumerate(self.node_inputs):
            for t in dict.fromkeys(tensors):
                self.consumers[t].append(k)
        # Initializers and everything computed from them alone (Constant nodes, the Identity nodes torch.onnx
        # inserts for de-duplicated initializers): copied into every sub-graph that needs them.
        self.consts = set(self.inits)
        for k, n in enumerate(self.nodes):
            if n.op_type not in NONDETERMINISTIC and all(t in self.consts for t in self.node_inputs[k]):
                self.consts.update(o for o in n.output if o)

    @staticmethod
    def _topological(nodes, ins) -> list[int]:
        produced = {o: k for k, n in enumerate(nodes) for o in n.output if o}
        if all(produced.get(t, -1) < k for k, tensors in enumerate(ins) for t in tensors):
            return list(range(len(nodes)))
        waiting = [sum(1 for t in set(tensors) if t in produced) for tensors in ins]
        users = defaultdict(list)
        for k, tensors in enumerate(ins):
            for t in set(tensors):
                if t in produced:
                    users[produced[t]].append(k)
        ready = [k for k, w in enumerate(waiting) if w == 0]
        order = []
        while ready:
            k = ready.pop()
            order.append(k)
            for u in users[k]:
                waiting[u] -= 1
                if waiting[u] == 0:
                    ready.append(u)
        if len(order) != len(nodes):
            fail("the graph has a cycle")
        return order

    def is_const(self, k: int) -> bool:
        return all(o in self.consts for o in self.nodes[k].output if o)

    def name(self, k: int) -> str:
        n = self.nodes[k]
        return n.name or f"{n.op_type} node #{k} (output {n.output[0]!r})"

    def exists(self, t: str) -> bool:
        return t in self.producer or t in self.input_set


def _region_name(r, L: int) -> str:
    return "pre" if r == PRE else "post" if r == L else f"block {r}"


# ---------------------------------------------------------------------------------------------
# Regions: which stage computes each node
# ---------------------------------------------------------------------------------------------
def regions_from_names(G: Graph, pattern: str):
    """Scoped mode: blocks from node names; unscoped nodes by the latest block they depend on."""
    try:
        rx = re.compile(pattern)
    except re.error as e:
        fail(f"--block-pattern {pattern!r} is not a regular expression: {e}")
    named = {}
    for k, n in enumerate(G.nodes):
        m = rx.search(n.name) if not G.is_const(k) else None
        if m:
            try:
                named[k] = int(m.group(1))
            except (IndexError, TypeError, ValueError):
                fail(f"--block-pattern {pattern!r} must capture the block index in its first group (node {n.name!r})")
    if not named:
        examples = [n.name for k, n in enumerate(G.nodes) if not G.is_const(k)][:3]
        fail(f"no node name matches --block-pattern {pattern!r} (node names look like {_few(examples, 3)}); "
             "pass a pattern or --block-outputs")
    L = max(named.values()) + 1
    missing = sorted(set(range(L)) - set(named.values()))
    if missing:
        fail(f"no node name matches block {missing[0]} of 0..{L - 1} with --block-pattern {pattern!r}")
    region, level = [None] * len(G.nodes), {}
    for k, n in enumerate(G.nodes):
        if G.is_const(k):
            continue
        dep, src = PRE, None
        for t in G.node_inputs[k]:
            if level.get(t, PRE) > dep:
                dep, src = level[t], t
        if k in named:
            if dep > named[k]:
                fail(f"node {n.name!r} of block {named[k]} reads {src!r}, computed in {_region_name(dep, L)}: "
                     "the blocks do not form a chain")
            region[k] = named[k]
        else:
            region[k] = PRE if dep == PRE else L if dep >= L - 1 else dep + 1
        for o in n.output:
            level[o] = region[k]
    return L, region


def regions_from_chain(G: Graph, chain: list):
    """Explicit mode: chain = [block 0 input or None, block 0 output, ..., block L-1 output]. A node belongs to
    the stage whose input is the latest chain tensor it depends on."""
    index = {t: i for i, t in enumerate(chain) if t}
    L = len(chain) - 1
    region, level = [None] * len(G.nodes), {}
    for k, n in enumerate(G.nodes):
        if G.is_const(k):
            continue
        dep = max((index[t] if t in index else level.get(t, PRE) for t in G.node_inputs[k]), default=PRE)
        region[k] = PRE if dep == PRE else min(dep, L)
        for o in n.output:
            level[o] = region[k]
    return region


def sink(G: Graph, region: list, L: int, into_blocks: bool, keep: set) -> None:
    """Moves pre nodes whose results only post (or, into_blocks, only one block) reads into that stage, latest
    first so that whole chains move; nodes that read a model input and producers of `keep` stay in pre."""
    graph_outputs = set(G.outputs)
    for k in reversed(range(len(G.nodes))):
        if region[k] != PRE or any(t in G.input_set for t in G.node_inputs[k]):
            continue
        outs = [o for o in G.nodes[k].output if o]
        if any(o in keep for o in outs):
            continue
        targets = {region[c] for o in outs for c in G.consumers.get(o, ())}
        targets |= {L for o in outs if o in graph_outputs}
        if len(targets) == 1:
            r = next(iter(targets))
            if r == L or (into_blocks and r is not None and 0 <= r < L):
                region[k] = r


def interfaces(G: Graph, region: list, L: int):
    """ext_in[r]: {tensor: first reading node} a stage r (block or post = L) reads from outside it;
    ext_out[b]: {tensor: a reader outside block b} of what block b hands out. A FREE tensor counts as the
    tensors its FREE producers read (the reader recomputes it)."""
    ext_in = [dict() for _ in range(L + 1)]
    ext_out = [dict() for _ in range(L)]
    frontier = {}

    def expand(t):
        p = G.producer.get(t)
        if p is None or region[p] != FREE:
            return [t]
        if t not in frontier:
            frontier[t] = list(dict.fromkeys(x for i in G.node_inputs[p] if i not in G.consts for x in expand(i)))
        return frontier[t]

    def stage_of(t):
        p = G.producer.get(t)
        return PRE if p is None else region[p]

    for k, tensors in enumerate(G.node_inputs):
        r = region[k]
        if r is None or r == FREE:
            continue
        for t in (x for i in tensors if i not in G.consts for x in expand(i)):
            pr = stage_of(t)
            if pr != r:
                if r != PRE:
                    ext_in[r].setdefault(t, k)
                if pr is not None and 0 <= pr < L:
                    ext_out[pr].setdefault(t, f"node {G.name(k)!r}")
    for t in G.outputs:
        pr = stage_of(t)
        if pr is not None and 0 <= pr < L:
            ext_out[pr].setdefault(t, "the model outputs")
    return ext_in, ext_out


def _within(G: Graph, region: list, b: int, t: str) -> set:
    """Nodes of block b that t depends on (t's producer included)."""
    seen, stack = set(), [t]
    while stack:
        p = G.producer.get(stack.pop())
        if p is not None and region[p] == b and p not in seen:
            seen.add(p)
            stack.extend(G.node_inputs[p])
    return seen


def main_output(G: Graph, region: list, b: int, handouts: dict) -> str:
    """Scoped mode: of the tensors block b hands out, its output is the one computed from most of the block."""
    sizes = sorted(((len(_within(G, region, b, t)), t) for t in handouts), reverse=True)
    if len(sizes) > 1 and sizes[0][0] == sizes[1][0]:
        fail(f"block {b} hands out {len(sizes)} tensors {_few(handouts)}; a block must hand exactly one tensor on "
             "(check --block-pattern, or pass --block-outputs)")
    return sizes[0][1]


def free_handouts(G: Graph, region: list, L: int, block_outputs: list, ext_out: list, block_input=None) -> None:
    """Marks FREE what a block hands out besides its output (torch.onnx merges equal nodes across blocks, so block
    1 may read block 0's copy of `Unsqueeze(rope_cos)`): each reader recomputes it. block_input(b) gives block b's
    input where known; a hand-out that depends on it (or on another block) is a real second output: an error."""
    for b in range(L):
        for t, reader in ext_out[b].items():
            if t == block_outputs[b]:
                continue
            nodes = _within(G, region, b, t)
            reads = {i for k in nodes for i in G.node_inputs[k] if i not in G.consts and G.producer.get(i) not in nodes}
            from_blocks = [i for i in reads if i in G.producer and region[G.producer[i]] in range(L)]
            blocked = [i for i in reads if block_input and i == block_input(b)] + from_blocks
            if blocked:
                fail(f"block {b} hands out {t!r} (read by {reader}) besides its output {block_outputs[b]!r}, and it "
                     f"depends on {blocked[0]!r}; only one tensor may pass from one block to the rest of the graph")
            for k in nodes:
                region[k] = FREE


def _ancestors(G: Graph, outputs, stop: set, limit: int | None = None):
    """(non-constant nodes needed for `outputs` given `stop`, model inputs reached); None past `limit` nodes."""
    seen, reached, stack = set(), set(), list(outputs)
    while stack:
        t = stack.pop()
        if t in stop or t in G.consts:
            continue
        p = G.producer.get(t)
        if p is None:
            reached.add(t)
        elif p not in seen:
            seen.add(p)
            if limit is not None and len(seen) > limit:
                return None
            stack.extend(G.node_inputs[p])
    return seen, reached


def _cut(G: Graph, outputs, stop: set, limit: int):
    """The nodes between `stop` and `outputs` if `stop` cuts them off from the model inputs, else None."""
    found = _ancestors(G, outputs, stop, limit)
    return found[0] if found is not None and not found[1] else None


def derive_hidden_in(G: Graph, block_outputs: list, types) -> str:
    """Block 0's input in explicit mode when --hidden-in is not given (see the module docstring)."""
    L = len(block_outputs)
    if L < 2:
        fail("cannot derive block 0's input from a single block output; pass --hidden-in")
    region = regions_from_chain(G, [None, *block_outputs])
    sink(G, region, L, True, set(block_outputs))
    ext_in, _ = interfaces(G, region, L)
    shared = set(ext_in[1]) - {block_outputs[0]}
    ops = lambda nodes: Counter(G.nodes[k].op_type for k in nodes)  # noqa: E731
    ref_nodes = _cut(G, [block_outputs[1]], shared | {block_outputs[0]}, len(G.nodes))
    if ref_nodes is None:
        fail(f"block 1 (output {block_outputs[1]!r}) reads model inputs directly; pass --hidden-in")
    reference = ops(ref_nodes)
    tainted = set(shared)  # tensors that depend on a shared input cannot be block 0's input
    for k, tensors in enumerate(G.node_inputs):
        if any(t in tainted for t in tensors):
            tainted.update(G.nodes[k].output)
    ancestors, model_inputs = _ancestors(G, [block_outputs[0]], set())
    candidates = [o for k in sorted(ancestors, reverse=True) for o in G.nodes[k].output
                  if o and o not in tainted and o != block_outputs[0]]
    candidates += [t for t in G.inputs if t in model_inputs and t not in tainted]
    want = types(block_outputs[0])
    for t in candidates[:256]:
        have = types(t)
        if want and have and (want[0] != have[0] or (None not in (want[1], have[1]) and len(want[1]) != len(have[1]))):
            continue
        nodes = _cut(G, [block_outputs[0]], shared | {t}, 2 * len(ref_nodes) + 16)
        if nodes is not None and ops(nodes) == reference:
            return t
    fail(f"cannot derive block 0's input from {block_outputs[0]!r}: no tensor before it leaves a region with "
         "block 1's operators; pass --hidden-in")


# ---------------------------------------------------------------------------------------------
# Types and shapes (static inference, nothing is run)
# ---------------------------------------------------------------------------------------------
def _batch_symbol(G: Graph):
    """The model inputs' most common symbolic first dimension (the batch), or None if the batch is static."""
    counts = Counter()
    for v in G.model.graph.input:
        if v.name in G.input_set and v.type.tensor_type.shape.dim:
            d = v.type.tensor_type.shape.dim[0]
            if not d.HasField("dim_value"):
                counts[d.dim_param or ""] += 1
    return counts.most_common(1)[0][0] if counts else None


def _mark_external(t, location: str, offset: int | None = None, length: int | None = None) -> None:
    """Points an initializer (without data) at its bytes in an external file."""
    del t.external_data[:]
    t.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", offset), ("length", length)):
        if value is not None:
            entry = t.external_data.add()
            entry.key, entry.value = key, str(value)


def _read_external(t, src_dir: str, limit: int = 1 << 16):
    """Raw bytes of an external tensor (small ones only), or None."""
    info = {e.key: e.value for e in t.external_data}
    path = os.path.join(src_dir, info.get("location", ""))
    if not os.path.isfile(path):
        return None
    offset = int(info.get("offset", 0))
    length = int(info["length"]) if "length" in info else os.path.getsize(path) - offset
    if length > limit:
        return None
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(length)


def _skeleton(G: Graph, src_dir: str, batch_symbol, batch: int | None) -> onnx.ModelProto:
    """The graph without weight data (inference needs types and dims only), with small integer initializers
    kept (shape constants, for data propagation) and the batch dimension set to `batch`."""
    m = onnx.ModelProto()
    m.ir_version = G.model.ir_version
    m.opset_import.extend(G.model.opset_import)
    m.functions.extend(G.model.functions)
    g = m.graph
    g.node.extend(G.nodes)
    g.output.extend(G.model.graph.output)
    for v in G.model.graph.input:
        if v.name in G.inits:
            continue
        nv = g.input.add()
        nv.CopyFrom(v)
        for i, d in enumerate(nv.type.tensor_type.shape.dim):
            unnamed = i == 0 and not d.HasField("dim_value") and batch_symbol == ""
            if batch is not None and batch_symbol is not None and (d.dim_param == batch_symbol if d.dim_param else unnamed):
                d.dim_value = batch
    for t in G.model.graph.initializer:
        s = g.initializer.add()
        numel = 1
        for d in t.dims:
            numel *= d
        if t.data_type in (TensorProto.INT64, TensorProto.INT32) and numel <= 4096:
            s.CopyFrom(t)
            if uses_external_data(t):
                raw = _read_external(t, src_dir)
                if raw is not None:
                    del s.external_data[:]
                    s.data_location = TensorProto.DEFAULT
                    s.raw_data = raw
            continue
        s.name, s.data_type = t.name, t.data_type
        s.dims.extend(t.dims)
        _mark_external(s, "__weights_not_loaded__")
    return m


class Types:
    """(elem_type, dims) of any tensor: dims are ints, "batch", a source symbol, or None (unknown); dims None
    when the rank is unknown. From static inference at batch 2 and 3 (see the module docstring)."""

    def __init__(self, G: Graph, src_dir: str):
        self.symbol = _batch_symbol(G)
        self.runs = []
        for batch in ((2, 3) if self.symbol is not None else (None,)):
            skeleton = _skeleton(G, src_dir, self.symbol, batch)
            try:
                graph = shape_inference.infer_shapes(skeleton, check_type=False, strict_mode=False, data_prop=True).graph
            except Exception as e:  # inference gives up on some custom graphs: keep the declared types only
                print(f"partition: shape inference failed ({str(e).splitlines()[0]}); using declared types", file=sys.stderr)
                graph = skeleton.graph
            self.runs.append({v.name: v.type for v in (*graph.value_info, *graph.output, *graph.input)})
        self.cache = {}

    def __call__(self, t: str):
        if t not in self.cache:
            self.cache[t] = self._combine(t)
        return self.cache[t]

    def _combine(self, t):
        types = [r.get(t) for r in self.runs]
        elem = next((x.tensor_type.elem_type for x in types if x is not None and x.tensor_type.elem_type), 0)
        if not elem:
            return None
        shapes = [[d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in x.tensor_type.shape.dim]
                  if x is not None and x.tensor_type.HasField("shape") else None for x in types]
        known = [s for s in shapes if s is not None]
        if not known or len({len(s) for s in known}) != 1:
            return elem, None
        dims = []
        for i in range(len(known[0])):
            values = [s[i] for s in known]
            if len(known) == 2 and len(self.runs) == 2 and values == [2, 3]:
                dims.append("batch")
            elif all(isinstance(v, int) for v in values) and len(set(values)) == 1 and len(known) == len(shapes):
                dims.append(values[0])
            elif all(isinstance(v, str) for v in values) and len(set(values)) == 1 and not values[0].startswith("unk__"):
                dims.append("batch" if values[0] == self.symbol else values[0])
            else:
                dims.append(None)
        return elem, dims


def _value_info(name: str, typ, source: str):
    if typ is None:
        fail(f"cannot infer the element type of {source!r} (static shape inference does not know its producer)")
    elem, dims = typ
    if dims is None:
        fail(f"cannot infer the rank of {source!r} (static shape inference cannot follow its producer)")
    return helper.make_tensor_value_info(name, elem, [f"{name}_dim{i}" if d is None else d for i, d in enumerate(dims)])


def _dtype(elem: int) -> str:
    name = TensorProto.DataType.Name(elem).lower()
    return {"float": "float32", "double": "float64"}.get(name, name)


def _specs(values) -> list[dict]:
    out = []
    for v in values:
        t = v.type.tensor_type
        shape = [d.dim_param if d.dim_param else d.dim_value for d in t.shape.dim] if t.HasField("shape") else None
        out.append({"name": v.name, "dtype": _dtype(t.elem_type), "shape": shape})
    return out


# ---------------------------------------------------------------------------------------------
# Package names
# ---------------------------------------------------------------------------------------------
def sanitize(name: str) -> str:
    """`/rope/Cos_output_0` -> `rope_cos`: torch.onnx's output suffix dropped, [a-z0-9_] only."""
    s = re.sub(r"_output_\d+$", "", name)
    s = re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_").lower()
    return s if s and not s[0].isdigit() else "t_" + s


def _value_sources(G: Graph) -> dict:
    """Bit mask of the model inputs each tensor depends on by value (Shape/Size outputs depend on none)."""
    deps = {t: 1 << i for i, t in enumerate(G.inputs)}
    for k, n in enumerate(G.nodes):
        m = 0
        if n.op_type not in ("Shape", "Size"):
            for t in G.node_inputs[k]:
                m |= deps.get(t, 0)
        for o in n.output:
            deps[o] = m
    return deps


_FLOATS = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.BFLOAT16, TensorProto.DOUBLE}


def parse_shared(shared) -> dict:
    """--shared: "e0=T,context=T,NAME=T" (or a dict) -> {package name: source tensor}; the legacy plain list
    "T_e0,T_context,T_e" names e0, context, e."""
    if not shared:
        return {}
    if isinstance(shared, dict):
        items = list(shared.items())
    else:
        parts = shared.split(",") if isinstance(shared, str) else list(shared)
        parts = [p.strip() for p in parts if p.strip()]
        if all("=" not in p for p in parts):
            if len(parts) > 3:
                fail(f"--shared without names takes at most 3 tensors (e0, context, e), got {len(parts)}")
            items = list(zip(("e0", "context", "e"), parts))
        elif all("=" in p for p in parts):
            items = [tuple(x.strip() for x in p.split("=", 1)) for p in parts]
        else:
            fail("--shared: give every entry as NAME=TENSOR, or none (the legacy e0,context,e list)")
    out = {}
    for name, tensor in items:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name in RESERVED:
            fail(f"--shared: {name!r} cannot be a package tensor name (an identifier other than {', '.join(RESERVED)})")
        if name in out:
            fail(f"--shared names {name!r} twice")
        out[name] = tensor
    return out


def assign_names(G, hidden_in, shared, post_extras, types, overrides) -> dict:
    """{source tensor: package name} for pre's outputs (see the module docstring)."""
    names = {hidden_in: "hidden"}
    for pkg, t in overrides.items():
        if t not in shared and t not in post_extras:
            fail(f"--shared {pkg}={t}: {t!r} is not read by the blocks or post from pre "
                 f"(block inputs {_few(shared)}, post inputs {_few(post_extras)})")
        if t in names:
            fail(f"--shared names {t!r} twice")
        names[t] = pkg
    deps = _value_sources(G)
    taken = lambda: set(names.values())  # noqa: E731
    free = lambda t: t not in names  # noqa: E731
    dims = lambda t: (types(t) or (0, None))[1]  # noqa: E731
    is_float = lambda t: (types(t) or (0, None))[0] in _FLOATS  # noqa: E731
    width = dims(hidden_in)[-1] if dims(hidden_in) else None

    def embedding(t, rank):  # floating, of this rank, as wide as the hidden state when both widths are known
        d = dims(t)
        return is_float(t) and d is not None and len(d) == rank and not (
            isinstance(width, int) and isinstance(d[-1], int) and d[-1] != width)

    if "e0" not in taken():
        c = [t for t in shared if free(t) and dims(t) and 6 in dims(t)[1:]]
        if len(c) > 1:
            c = [t for t in c if len(dims(t)) == 3 and dims(t)[1] == 6]
        if len(c) == 1:
            names[c[0]] = "e0"
    e0 = next((t for t, n in names.items() if n == "e0"), None)
    if "context" not in taken():
        used = deps.get(hidden_in, 0) | deps.get(e0, 0)
        c = [t for t in shared if free(t) and embedding(t, 3) and deps.get(t, 0) and not deps[t] & used]
        if len(c) == 1:
            names[c[0]] = "context"
    if "e" not in taken():
        c = [t for t in post_extras if free(t) and t not in shared and embedding(t, 2)]
        if len(c) > 1 and e0 is not None:
            c = [t for t in c if deps.get(t, 0) and not deps[t] & ~deps.get(e0, 0)]
        if len(c) == 1:
            names[c[0]] = "e"
    reserved = set(RESERVED) | {"e", "e0", "context"} | set(G.inputs) | set(G.outputs)
    for t in [*shared, *post_extras]:
        if free(t):
            base = name = sanitize(t)
            i = 1
            while name in reserved or name in taken():
                name = f"{base}_{i}"
                i += 1
            names[t] = name
    return names


# ---------------------------------------------------------------------------------------------
# Sub-graphs
# ---------------------------------------------------------------------------------------------
def _rename(graph, mapping: dict, io: bool) -> None:
    """Renames node inputs/outputs (subgraph bodies included) and initializers; graph inputs/outputs if io."""
    for n in graph.node:
        n.input[:] = [mapping.get(x, x) for x in n.input]
        n.output[:] = [mapping.get(x, x) for x in n.output]
        for a in n.attribute:
            for body in ([a.g] if a.type == onnx.AttributeProto.GRAPH else list(a.graphs)):
                _rename(body, mapping, True)
    for v in [*graph.initializer, *graph.value_info, *((*graph.input, *graph.output) if io else ())]:
        v.name = mapping.get(v.name, v.name)


def extract(G: Graph, name: str, inputs: list, outputs: list) -> onnx.ModelProto:
    """The sub-graph computing `outputs` from `inputs` plus constants; both are lists of (source tensor, package
    ValueInfo: name and type). Linear in the sub-graph's size."""
    stop = {t for t, _ in inputs}
    keep, stack = set(), [t for t, _ in outputs if t not in stop]
    while stack:
        t = stack.pop()
        if t in stop or t in G.inits:
            continue
        p = G.producer.get(t)
        if p is None:
            fail(f"{name} needs {t!r}, which is neither computed in it nor one of its inputs")
        if p not in keep:
            keep.add(p)
            stack.extend(G.node_inputs[p])
    nodes = [G.nodes[k] for k in sorted(keep)]
    used = {t for k in keep for t in G.node_inputs[k]}
    mapping = {t: v.name for t, v in inputs}
    passthrough = []
    for t, v in outputs:
        if t in stop:  # an input handed on unchanged (a model input the blocks read, a last block output = model output)
            passthrough.append(helper.make_node("Identity", [t], [v.name], name=f"{v.name}_passthrough"))
        else:
            mapping[t] = v.name
    # An internal tensor that already has a package name gets another one.
    targets = set(mapping.values()) | {v.name for _, v in outputs}
    for t in {o for n in nodes for o in n.output} | (used & set(G.inits)):
        if t in targets and t not in mapping:
            mapping[t] = f"{t}__{name}_internal"
    graph = helper.make_graph(nodes + passthrough, f"{G.model.graph.name or 'denoiser'}_{name}",
                              [v for _, v in inputs], [v for _, v in outputs],
                              initializer=[t for n, t in G.inits.items() if n in used])
    _rename(graph, mapping, io=False)  # the graph's inputs and outputs already carry package names
    model = helper.make_model(graph, opset_imports=list(G.model.opset_import), producer_name="mixcacheort-partition")
    model.ir_version = G.model.ir_version
    model.functions.extend(G.model.functions)
    return model


def _external_location(t, src_dir: str):
    info = {e.key: e.value for e in t.external_data}
    path = os.path.join(src_dir, info.get("location", ""))
    if not info.get("location") or not os.path.isfile(path):
        fail(f"external data of initializer {t.name!r} not found: {path}")
    offset = int(info.get("offset", 0))
    length = int(info["length"]) if "length" in info else os.path.getsize(path) - offset
    return path, offset, length


def _write_weights(graph, src_dir: str, data_path: str, data_name: str) -> None:
    """Moves the graph's initializers (>= INLINE_LIMIT bytes) into one external data file: source external data
    is copied in chunks, never loaded; inline data is written out and dropped from the proto."""
    handles = {}
    buf = memoryview(bytearray(CHUNK))
    try:
        with open(data_path, "wb") as out:
            for t in graph.initializer:
                if uses_external_data(t):
                    path, offset, length = _external_location(t, src_dir)
                elif t.HasField("raw_data") and len(t.raw_data) >= INLINE_LIMIT:
                    path, offset, length = None, 0, len(t.raw_data)
                else:
                    continue
                if length >= ALIGN and out.tell() % ALIGN:
                    out.write(b"\0" * (ALIGN - out.tell() % ALIGN))
                start = out.tell()
                if path is None:
                    out.write(t.raw_data)
                    t.ClearField("raw_data")
                else:
                    src = handles.get(path) or handles.setdefault(path, open(path, "rb"))
                    src.seek(offset)
                    left = length
                    while left:
                        n = src.readinto(buf[:min(left, CHUNK)])
                        if not n:
                            fail(f"external data of initializer {t.name!r} in {path} ends before its {length} bytes")
                        out.write(buf[:n])
                        left -= n
                _mark_external(t, data_name, start, length)
    finally:
        for f in handles.values():
            f.close()


def save(model: onnx.ModelProto, out_dir: str, name: str, src_dir: str, external: bool) -> dict:
    """Writes <name>.onnx (and <name>.onnx.data when external or past protobuf's limit); checks the file."""
    path = os.path.join(out_dir, f"{name}.onnx")
    data_name = f"{name}.onnx.data"
    data_path = os.path.join(out_dir, data_name)
    if os.path.exists(data_path):
        os.remove(data_path)
    external = external or model.ByteSize() > PROTOBUF_LIMIT
    if external:
        _write_weights(model.graph, src_dir, data_path, data_name)
    onnx.save_model(model, path + ".tmp")
    os.replace(path + ".tmp", path)
    try:
        onnx.checker.check_model(path)  # the path form: no 2 GB limit, external files checked
    except onnx.checker.ValidationError as e:
        fail(f"{name}.onnx fails the ONNX checker: {str(e).splitlines()[0]}")
    entry = {"file": f"{name}.onnx", "sha256": sha256(path),
             "inputs": _specs(model.graph.input), "outputs": _specs(model.graph.output)}
    if external:
        entry["external_data"] = {"file": data_name, "sha256": sha256(data_path), "bytes": os.path.getsize(data_path)}
    return entry


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------
def _check_chain(G, L, region, hidden_in, block_outputs, ext_in, ext_out):
    """Block b reads block b-1's output and pre's tensors only; post reads the last block's output and pre's."""
    chain = [hidden_in, *block_outputs]
    where = lambda t: PRE if G.producer.get(t) is None else region[G.producer[t]]  # noqa: E731
    for b in range(L):
        extra = [t for t in ext_out[b] if t != block_outputs[b]]
        if extra:
            fail(f"block {b} hands out {extra[0]!r} (read by {ext_out[b][extra[0]]}) besides its output "
                 f"{block_outputs[b]!r}; only one tensor may pass from one block to the rest of the graph")
        if b > 0 and block_outputs[b - 1] not in ext_in[b]:
            fail(f"block {b} does not read block {b - 1}'s output {block_outputs[b - 1]!r}")
    for r in range(L + 1):
        for t in ext_in[r]:
            if t in chain and t != chain[r]:
                i = chain.index(t)
                what = f"block {i - 1}'s output" if i else "block 0's input"
                fail(f"{_region_name(r, L)} reads {t!r}, {what} (a skip connection across blocks): "
                     "cannot split into a chain")
            if t not in chain and where(t) != PRE:
                fail(f"{_region_name(r, L)} reads {t!r} from {_region_name(where(t), L)}: cannot split into a chain")
    if hidden_in not in ext_in[0]:
        fail(f"block 0 does not read {hidden_in!r} (--hidden-in)")
    for t in G.outputs:
        if where(t) not in (PRE, L, L - 1):
            fail(f"model output {t!r} is computed in {_region_name(where(t), L)}, not after the last block")
    order = lambda ts: sorted(ts, key=lambda t: min(e[t] for e in ext_in if t in e))  # noqa: E731
    shared = order({t for b in range(L) for t in ext_in[b] if t not in chain})
    post_extras = order(t for t in ext_in[L] if t != block_outputs[-1])
    return shared, post_extras


def scoped_boundaries(G: Graph, pattern: str, hidden_in, types):
    """Scoped mode: (L, region, block outputs, block 0's input, ext_in, ext_out)."""
    L, region = regions_from_names(G, pattern)
    sink(G, region, L, False, set())
    ext_in, ext_out = interfaces(G, region, L)
    block_outputs = []
    for b in range(L):
        if not ext_out[b]:
            fail(f"nothing that block {b} computes is used outside it (check --block-pattern)")
        block_outputs.append(main_output(G, region, b, ext_out[b]))
    free_handouts(G, region, L, block_outputs, ext_out, lambda b: block_outputs[b - 1] if b else hidden_in)
    ext_in, ext_out = interfaces(G, region, L)
    if hidden_in is None:  # what block 0 reads and no later stage does
        later = {t for r in range(1, L + 1) for t in ext_in[r]}
        cands = [t for t in ext_in[0] if t not in later]
        want = types(block_outputs[0])
        if len(cands) > 1 and want:
            cands = [t for t in cands if types(t) == want]
        if len(cands) != 1:
            fail(f"cannot tell block 0's hidden input among {_few(cands)}; pass --hidden-in")
        hidden_in = cands[0]
    return L, region, block_outputs, hidden_in, ext_in, ext_out


def explicit_boundaries(G: Graph, block_outputs, hidden_in, types):
    """Explicit mode: (L, region, block outputs, block 0's input, ext_in, ext_out)."""
    block_outputs = list(block_outputs)
    for t in block_outputs:
        if t not in G.producer:
            fail(f"--block-outputs: no node computes {t!r}")
    if len(set(block_outputs)) != len(block_outputs):
        fail("--block-outputs names a tensor twice")
    L = len(block_outputs)
    if hidden_in is None:
        hidden_in = derive_hidden_in(G, block_outputs, types)
    chain = [hidden_in, *block_outputs]
    region = regions_from_chain(G, chain)
    for b, t in enumerate(block_outputs):
        r = region[G.producer[t]]
        if r != b:
            fail(f"--block-outputs: {t!r} does not depend on {chain[b]!r} (block {b}'s input); "
                 f"it is computed in {_region_name(r, L) if r is not None else 'constants'}")
    sink(G, region, L, True, set(chain))
    ext_in, ext_out = interfaces(G, region, L)
    free_handouts(G, region, L, block_outputs, ext_out, lambda b: chain[b])
    ext_in, ext_out = interfaces(G, region, L)
    return L, region, block_outputs, hidden_in, ext_in, ext_out


def partition(src: str, out_dir: str, pattern: str = DEFAULT_PATTERN, block_outputs=None, shared=None,
              hidden_in: str | None = None, log=None, inputs: dict | None = None) -> dict:
    """Splits `src` into out_dir/{pre,block_XX,post}.onnx + partition.json; returns partition.json's content.
    block_outputs (list) selects explicit mode; shared: package names (see parse_shared); log: progress callback;
    inputs: {package name: model input} renames pre's inputs (e.g. latent=hidden_states, context_raw=
    encoder_hidden_states for a diffusers export), so the executor, which feeds latent/timestep/context_raw, can run it."""
    log = log or (lambda _msg: None)
    model = onnx.load(src, load_external_data=False)
    src_dir = os.path.dirname(os.path.abspath(src))
    G = Graph(model)
    overrides = parse_shared(shared)
    for pkg, t in overrides.items():
        if not G.exists(t):
            fail(f"--shared {pkg}={t}: no tensor {t!r} in the graph")
    if hidden_in is not None and (not G.exists(hidden_in) or hidden_in in G.consts):
        fail(f"--hidden-in: no non-constant tensor {hidden_in!r} in the graph")
    renamed = {}
    for pkg, t in (inputs or {}).items():
        if t not in G.input_set:
            fail(f"--inputs {pkg}={t}: the model has no input {t!r} (inputs: {', '.join(G.inputs)})")
        renamed[t] = pkg
    for name in (*RESERVED, "e", "e0", "context"):
        if name in G.input_set:
            fail(f"model input {name!r} has the name of a tensor pre hands on; rename it before partitioning")
    types = Types(G, src_dir)
    if types.symbol is None:
        print("partition: warning: the model's inputs have no symbolic batch dimension; its graphs will run at the "
              "exported batch size only (the executor needs batch 1 and 2)", file=sys.stderr)
    external = any(uses_external_data(t) for t in model.graph.initializer)

    if block_outputs is None:
        L, region, block_outputs, hidden_in, ext_in, ext_out = scoped_boundaries(G, pattern, hidden_in, types)
    else:
        L, region, block_outputs, hidden_in, ext_in, ext_out = explicit_boundaries(G, block_outputs, hidden_in, types)
    shared_in, post_extras = _check_chain(G, L, region, hidden_in, block_outputs, ext_in, ext_out)
    if hidden_in in post_extras:
        fail(f"post reads the blocks' input {hidden_in!r} (a long skip connection): not supported")

    names = assign_names(G, hidden_in, shared_in, post_extras, types, overrides)
    first = {"e0": 0, "context": 1}
    block_shared = sorted((names[t] for t in shared_in), key=lambda n: first.get(n, 2))  # stable: data-flow order
    post_inputs = ["hidden", *sorted((names[t] for t in post_extras), key=lambda n: 0 if n == "e" else 1)]
    standard = {"hidden": 0, "e": 1, "e0": 2, "context": 3}
    pre_outputs = sorted(dict.fromkeys(["hidden", *block_shared, *post_inputs[1:]]), key=lambda n: standard.get(n, 4))
    source = {n: t for t, n in names.items()}

    # The hidden chain: where inference loses a block output's rank (torch's chunk/reshape shape arithmetic, which
    # data propagation does not follow), it is declared with its block input's type (blocks keep the residual
    # stream's shape) and listed in partition.json.
    chain_types, assumed = {hidden_in: types(hidden_in)}, []
    for prev, t in zip([hidden_in, *block_outputs], block_outputs):
        typ = types(t)
        if (typ is None or typ[1] is None) and chain_types[prev] is not None:
            typ = (typ[0] if typ else chain_types[prev][0], chain_types[prev][1])
            assumed.append(t)
        chain_types[t] = typ

    def declared(t):
        """A model input as the model declares it, its batch dimension named `batch`."""
        v = onnx.ValueInfoProto()
        v.CopyFrom(next(x for x in model.graph.input if x.name == t))
        v.name = renamed.get(t, t)
        for d in v.type.tensor_type.shape.dim:
            if d.dim_param and d.dim_param == types.symbol:
                d.dim_param = "batch"
        return v

    def vi(name, t):
        return _value_info(name, chain_types[t] if t in chain_types else types(t), t)

    out_names = {t: "velocity" if i == 0 else sanitize(t) + "_out" for i, t in enumerate(G.outputs)}
    plan = [("pre", [(t, declared(t)) for t in G.inputs], [(source[n], vi(n, source[n])) for n in pre_outputs])]
    prev = hidden_in
    for b in range(L):
        reads = sorted((t for t in shared_in if t in ext_in[b]), key=lambda t: block_shared.index(names[t]))
        plan.append((f"block_{b:02d}", [(prev, vi("hidden", prev)), *[(t, vi(names[t], t)) for t in reads]],
                     [(block_outputs[b], vi("hidden_out", block_outputs[b]))]))
        prev = block_outputs[b]
    plan.append(("post", [(prev, vi("hidden", prev)), *[(source[n], vi(n, source[n])) for n in post_inputs[1:]]],
                 [(t, vi(n, t)) for t, n in out_names.items()]))

    os.makedirs(out_dir, exist_ok=True)
    graphs = {}
    for gname, ins, outs in plan:
        sub = extract(G, gname, ins, outs)
        graphs[gname] = save(sub, out_dir, gname, src_dir, external)
        log(f"  {gname}: {len(sub.graph.node)} nodes, inputs {[v.name for v in sub.graph.input]}")
        del sub

    info = {"format": "mixcacheort-partition", "source": os.path.basename(src), "block_count": L,
            "pre_outputs": pre_outputs, "block_shared_inputs": block_shared, "post_inputs": post_inputs,
            "graphs": graphs,
            "boundaries": {"hidden": hidden_in, "e": source.get("e"), "e0": source.get("e0"),
                           "context": source.get("context"), "block_outputs": block_outputs,
                           "tensors": {n: source[n] for n in pre_outputs}},
            "shapes": {"method": "onnx static shape inference at batch 2 and 3; nothing run",
                       "block_outputs_typed_as_block_inputs": assumed}}
    with open(os.path.join(out_dir, "partition.json.tmp"), "w") as f:
        json.dump(info, f, indent=2)
    os.replace(os.path.join(out_dir, "partition.json.tmp"), os.path.join(out_dir, "partition.json"))
    return info


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="monolithic denoiser .onnx (external data next to it is read in place)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--block-pattern", default=DEFAULT_PATTERN,
                    help="regex on node names; its first group is the block index (scoped mode)")
    ap.add_argument("--block-outputs", default=None, help="comma-separated block output tensors, in order (explicit mode)")
    ap.add_argument("--hidden-in", default=None, help="block 0's input tensor (optional: derived when omitted)")
    ap.add_argument("--shared", default=None,
                    help="package names for tensors pre hands on: e0=T,context=T,e=T,NAME=T (either mode); "
                         "a plain T_e0,T_context,T_e list names e0, context and e")
    ap.add_argument("--inputs", default=None,
                    help="rename pre's inputs to the package's: latent=T,timestep=T,context_raw=T (model input names)")
    args = ap.parse_args(argv)
    bo = [t.strip() for t in args.block_outputs.split(",") if t.strip()] if args.block_outputs else None
    inputs = None
    if args.inputs:
        pairs = [p.split("=", 1) for p in args.inputs.split(",") if p.strip()]
        if any(len(p) != 2 or not p[0].strip() or not p[1].strip() for p in pairs):
            fail(f"--inputs {args.inputs!r}: write NAME=MODEL_INPUT,... (e.g. latent=hidden_states)")
        inputs = {k.strip(): v.strip() for k, v in pairs}
    info = partition(args.model, args.out, args.block_pattern, bo, args.shared, args.hidden_in, log=print, inputs=inputs)
    print(f"{info['block_count']} blocks -> {args.out}")
    print(f"  pre outputs {info['pre_outputs']}; blocks share {info['block_shared_inputs']}; post reads {info['post_inputs']}")
    print(json.dumps(info["boundaries"]["tensors"], indent=1))


if __name__ == "__main__":
    main()
