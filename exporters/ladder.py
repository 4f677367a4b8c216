#!/usr/bin/env python3
"""Size ladder: MixCacheOrt packages at Wan2.1 shapes with generated weights (for cost, never for quality).

    /usr/bin/python3 exporters/ladder.py --config S|M|L|XL --grid small|low|mid|480p [--blocks K] [--seed N]
                                         [--attention unfused|fused] [--dtype fp32|fp16] [--monolithic] --out PKG

Writes text_encoder.onnx (stand-in: word ids -> embedding -> linear), pre.onnx, block_00..block_{K-1}.onnx,
post.onnx (export.py's stages of tinywan/model.py's WanModel, Wan2.1's architecture), decoder.onnx (stand-in for
Wan's VAE decoder with its output shape: 1x1 projection, causal 1+4(F-1) frame repeat, nearest 8x8 upsample) and
manifest.json. The weights are ONNX external data (`<graph>.onnx.data`) whose bytes are a pure function of
(seed, graph, initializer name, shape, dtype): `regen_weights.py PKG` rewrites them byte for byte, so a package is
shipped as its .onnx files and manifest (kilobytes) and its weights are regenerated on the target machine.

The graphs are traced by torch at the configuration's real widths; blocks are traced on a small token grid with the
token dimension symbolic, and their RoPE tables are computed inside the graph from the token index (Range, Div,
Mod, one [3, head_dim/2] frequency matrix, Cos, Sin), so a 480p block graph holds no table of 32,760 rows and its
tracing never runs 32,760-token attention. `--attention fused` emits self- and cross-attention as ONNX Runtime's
com.microsoft MultiHeadAttention (query [B, S, hidden], key/value [B, L, hidden], num_heads).

`--dtype fp16` (manifest: "precision": "fp16", weights.dtype "float16", name suffix -fp16) converts the traced float32
pre, block and post graphs to float16 (`to_float16`; torch 1.13 cannot trace in half precision on a CPU): their weights
and the activations between them (hidden, e, e0, context, hidden_out) are float16; pre keeps its float32 inputs
(latent, timestep, context_raw) and casts inside, post returns float32 velocity. Inside, float32 is kept where float16
would break: the sinusoidal timestep embedding and the RoPE angles with their Cos/Sin (until they meet a weight or a
float16 value), and the q/k RMS norms (as Wan computes them); LayerNormalization (opset 17: float32 statistics),
Softmax, the matmuls and MultiHeadAttention run in float16. The text encoder and decoder stand-ins stay float32. The
graphs are checked against PyTorch in float32, before the conversion. The generated float16 weights are the float32
package's (same seed) rounded to nearest, so an fp16 and an fp32 package of one seed compare directly.

`--monolithic` also writes denoiser.onnx: pre -> block_00 .. block_{K-1} -> post composed into ONE graph (`compose_denoiser`:
the saved graphs' nodes and initializers, renamed `<graph>/<name>`, wired output to input) with the chain's inputs
(latent, timestep, context_raw) and output (velocity), for timing chained against monolithic execution. It has no
weights file of its own: its initializers are external references into pre's, the blocks' and post's `.onnx.data`
files (same offsets), so it costs no disk and regen_weights.py checks those references (manifest:
graphs.denoiser.external_data_from lists the graphs; there is no graphs.denoiser.external_data).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import tinywan  # noqa: E402,F401  (before torch: BLAS thread settings)
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import regen_weights  # noqa: E402
from export import PostStage, PreStage  # noqa: E402  (the package stages, shared with export.py)
from tinywan import model as wan  # noqa: E402
from tinywan.model import WanAttentionBlock, WanConfig, WanModel  # noqa: E402
from tinywan.wan_checkpoint import WAN_T2V_SAMPLER  # noqa: E402

OPSET = 17
FORMAT = "mixcacheort-dit-package"
WAN_TEXT = {"text_dim": 4096, "text_len": 512, "in_dim": 16, "out_dim": 16}
CONFIGS = {
    # tiny-wan's shapes
    "S": dict(dim=128, num_layers=12, num_heads=4, ffn_dim=512, text_dim=64, text_len=16, in_dim=4, out_dim=4),
    "M": dict(dim=512, num_layers=12, num_heads=8, ffn_dim=2048, **WAN_TEXT),
    # Wan2.1-T2V-1.3B
    "L": dict(dim=1536, num_layers=30, num_heads=12, ffn_dim=8960, **WAN_TEXT),
    # Wan2.1-T2V-14B's block shapes (40 blocks in the real model; --blocks, default 2)
    "XL": dict(dim=5120, num_layers=2, num_heads=40, ffn_dim=13824, **WAN_TEXT),
}
WAN_BLOCKS = {"S": 12, "M": 12, "L": 30, "XL": 40}
# Latent (F, H, W). 480p: 81 frames at 480x832 through Wan's VAE (stride 4 in time, causal: 1 + 80/4; 8 in space).
# mid: 240x416, 25 frames (7 x 30 x 52 latent, 2,730 tokens): the largest grid whose L-width attention fits this project's
# 24 GiB CPU machine comfortably (one fp32 attention matrix: 12 heads x 2,730^2 x 4 B = 358 MB per batch row).
# low: 128x224, 17 frames (5 x 16 x 28 latent, 560 tokens): between small and mid on the tokens axis (cost_ladder.py).
GRIDS = {"480p": (21, 60, 104), "mid": (7, 30, 52), "low": (5, 16, 28), "small": (3, 8, 8)}
TRACE_GRID = (3, 8, 8)  # blocks are traced here (token dim symbolic), then their RoPE is rebuilt for the target grid
VAE_STRIDE = (4, 8, 8)
UNBATCHED = ("rope_cos", "rope_sin")  # block trace inputs without a batch dim
DTYPES = {"fp32": "float32", "fp16": "float16"}  # --dtype -> the DiT graphs' weight and activation dtype
# fp16: the graphs converted besides the blocks, and their float tensors that stay float32 (all others: float16).
FLOAT32_IO = {"pre": ("latent", "timestep", "context_raw"), "post": ("velocity",)}
FPS = 16
# The stand-in tokenizer: a made-up word vocabulary (tiny-wan's words and a few more), so prompts encode.
VOCAB = ["<pad>", "<unk>", "a", "an", "the", "of", "on", "in", "with", "and", "moving", "walking", "running", "flying",
         "slowly", "quickly", "left", "right", "up", "down", "red", "yellow", "green", "cyan", "blue", "purple", "white",
         "black", "circle", "square", "triangle", "cat", "dog", "bird", "car", "city", "street", "forest", "beach",
         "ocean", "sky", "mountain", "night", "day", "sunset", "rain", "snow", "light", "dark", "gray", "background"]


def make_config(name: str, blocks: int | None = None) -> WanConfig:
    d = dict(CONFIGS[name])
    if blocks is not None:
        d["num_layers"] = blocks
    return WanConfig(**d)


# ---------------------------------------------------------------------------------------------
# Stage modules
# ---------------------------------------------------------------------------------------------
class BlockStage(nn.Module):
    """One Wan block with its RoPE tables as inputs (replaced by an in-graph computation after export)."""

    def __init__(self, cfg: WanConfig):
        super().__init__()
        self.block = WanAttentionBlock(cfg)

    def forward(self, hidden, e0, context, rope_cos, rope_sin):
        return self.block(hidden, e0, context, rope_cos, rope_sin)


class TextStandIn(nn.Module):
    """umT5 stand-in: word ids [B, L] -> embedding -> linear -> [B, L, text_dim], zero at pad positions."""

    def __init__(self, vocab: int, text_dim: int):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, text_dim)
        self.proj = nn.Linear(text_dim, text_dim)

    def forward(self, tokens):
        mask = (tokens != 0).float()[:, :, None]
        return self.proj(self.token_embedding(tokens)) * mask


class DecoderStandIn(nn.Module):
    """Wan VAE decoder stand-in with its output shape: latent [B, C, F, h, w] -> frames [B, 1+4(F-1), 8h, 8w, 3] in
    (0, 1): a 1x1 projection to RGB, frame 0 once and every later latent frame 4 times, nearest 8x8 upsampling."""

    def __init__(self, in_dim: int, grid):
        super().__init__()
        f, h, w = grid
        st, sh, sw = VAE_STRIDE
        self.out = (1 + st * (f - 1), sh * h, sw * w)
        self.hw, self.s = (h, w), (sh, sw)
        self.proj = nn.Linear(in_dim, 3)
        self.register_buffer("frame_index", torch.tensor([0] + [i for i in range(1, f) for _ in range(st)]), persistent=False)
        self.register_buffer("upsample", torch.ones(1, 1, 1, sh, 1, sw, 1), persistent=False)

    def forward(self, latent):
        x = self.proj(latent.permute(0, 2, 3, 4, 1))  # [B, F, h, w, 3]
        x = torch.index_select(x, 1, self.frame_index)  # [B, F', h, w, 3]
        (h, w), (sh, sw) = self.hw, self.s
        x = x.reshape(-1, self.out[0], h, 1, w, 1, 3) * self.upsample
        return torch.sigmoid(x.reshape(-1, self.out[0], h * sh, w * sw, 3))


# ---------------------------------------------------------------------------------------------
# Fused attention (com.microsoft MultiHeadAttention)
# ---------------------------------------------------------------------------------------------
_UNFUSED = wan.attention  # the reference math (attention_mode patches wan.attention)


class _MultiHeadAttention(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q, k, v, num_heads: int):  # q [B, S, N*D], k/v [B, L, N*D]
        b, s, c = q.shape
        d = c // num_heads
        return _UNFUSED(q.view(b, s, num_heads, d), k.view(b, k.shape[1], num_heads, d),
                             v.view(b, v.shape[1], num_heads, d))

    @staticmethod
    def symbolic(g, q, k, v, num_heads):
        out = g.op("com.microsoft::MultiHeadAttention", q, k, v, num_heads_i=num_heads)
        out.setType(q.type())
        return out


def fused_attention(q, k, v):
    """Same contract as tinywan.model.attention (q [B, Sq, N, D], k/v [B, Sk, N, D] -> [B, Sq, N*D])."""
    return _MultiHeadAttention.apply(q.flatten(2), k.flatten(2), v.flatten(2), int(q.shape[2]))


@contextlib.contextmanager
def attention_mode(mode: str):
    if mode not in ("fused", "unfused"):
        raise ValueError(f"attention must be 'fused' or 'unfused', not {mode!r}")
    saved = wan.attention
    if mode == "fused":
        wan.attention = fused_attention
    try:
        yield
    finally:
        wan.attention = saved


# ---------------------------------------------------------------------------------------------
# RoPE in the graph
# ---------------------------------------------------------------------------------------------
def rope_frequencies(head_dim: int, theta: float = 10000.0) -> np.ndarray:
    """[3, head_dim/2] float32: row r holds axis r's (frames, height, width) frequency ladder in its columns (Wan's
    split of the complex pairs, as tinywan.model.rope_tables), zeros elsewhere; angles = (f, h, w) @ this."""
    c = head_dim // 2
    parts = [c - 2 * (c // 3), c // 3, c // 3]
    m = np.zeros((3, c), np.float64)
    col = 0
    for r, n in enumerate(parts):
        m[r, col:col + n] = 1.0 / np.power(theta, np.arange(0, 2 * n, 2, dtype=np.float64) / (2 * n))
        col += n
    return m.astype(np.float32)


def rope_tables_f32(head_dim: int, grid) -> tuple[np.ndarray, np.ndarray]:
    """What the in-graph RoPE computes (float32 angles), for the PyTorch side of validation."""
    f, h, w = grid
    idx = np.arange(f * h * w)
    pos = np.stack([idx // (h * w), (idx // w) % h, idx % w], 1).astype(np.float32)
    ang = (pos @ rope_frequencies(head_dim)).astype(np.float32)
    return np.cos(ang), np.sin(ang)


def set_rope_grid(model: onnx.ModelProto, head_dim: int, token_grid) -> None:
    """Replaces the graph inputs rope_cos/rope_sin (or a previous in-graph RoPE) by nodes that compute them for
    `token_grid`, and declares hidden/hidden_out with that token count."""
    g = model.graph
    keep = [n for n in g.node if not n.name.startswith("rope/")]
    inputs = [i for i in g.input if i.name not in ("rope_cos", "rope_sin")]
    f, h, w = token_grid
    s = f * h * w

    def i64(name, v):
        return helper.make_node("Constant", [], [name], name=name, value=numpy_helper.from_array(np.array(v, np.int64), name))

    nodes = [
        i64("rope/zero", 0), i64("rope/tokens", s), i64("rope/one", 1), i64("rope/hw", h * w), i64("rope/w", w),
        i64("rope/h", h), i64("rope/axis1", [1]),
        helper.make_node("Constant", [], ["rope/freq"], name="rope/freq",
                         value=numpy_helper.from_array(rope_frequencies(head_dim), "rope/freq")),
        helper.make_node("Range", ["rope/zero", "rope/tokens", "rope/one"], ["rope/idx"], name="rope/range"),
        helper.make_node("Div", ["rope/idx", "rope/hw"], ["rope/fi"], name="rope/div_f"),
        helper.make_node("Div", ["rope/idx", "rope/w"], ["rope/row"], name="rope/div_w"),
        helper.make_node("Mod", ["rope/row", "rope/h"], ["rope/hi"], name="rope/mod_h"),
        helper.make_node("Mod", ["rope/idx", "rope/w"], ["rope/wi"], name="rope/mod_w"),
    ]
    for a in ("fi", "hi", "wi"):
        nodes.append(helper.make_node("Unsqueeze", [f"rope/{a}", "rope/axis1"], [f"rope/{a}2"], name=f"rope/unsq_{a}"))
    nodes += [
        helper.make_node("Concat", ["rope/fi2", "rope/hi2", "rope/wi2"], ["rope/pos_i"], name="rope/concat", axis=1),
        helper.make_node("Cast", ["rope/pos_i"], ["rope/pos"], name="rope/cast", to=TensorProto.FLOAT),
        helper.make_node("MatMul", ["rope/pos", "rope/freq"], ["rope/angle"], name="rope/matmul"),
        helper.make_node("Cos", ["rope/angle"], ["rope_cos"], name="rope/cos"),
        helper.make_node("Sin", ["rope/angle"], ["rope_sin"], name="rope/sin"),
    ]
    del g.node[:]
    g.node.extend(nodes + keep)
    del g.input[:]
    g.input.extend(inputs)
    for v in list(g.input) + list(g.output):
        if v.name in ("hidden", "hidden_out"):
            v.type.tensor_type.shape.dim[1].dim_value = s


# ---------------------------------------------------------------------------------------------
# Float16 (--dtype fp16): the traced float32 graph, converted
# ---------------------------------------------------------------------------------------------
_FLOATS = (TensorProto.FLOAT, TensorProto.FLOAT16)
_INT64_OUT = {"Shape", "Size", "NonZero", "ArgMax", "ArgMin"}
_BOOL_OUT = {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf"}


def _as_fp16(t: TensorProto, name: str) -> TensorProto:
    return numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), name)


def to_float16(model: onnx.ModelProto, weights: set[str], float32_io=(), keep_float32=lambda node: False) -> None:
    """Converts a traced float32 graph to float16 in place: the `weights` initializers become float16, and so does
    every float graph input/output not named in `float32_io` (the others keep float32, cast inside the graph).

    A node computes in float32 when `keep_float32(node)` says so (an island: its outputs go back to float16 at their
    readers), or when it reads no weight and all its float activation inputs derive from float32 graph inputs or
    from integers without a weight or a float16 value on the way -- so pre's sinusoidal timestep embedding (angles up
    to 1000 rad) and the in-graph RoPE (token positions -> angles -> Cos/Sin) stay float32 up to their first weight
    or float16 partner; every other node computes in float16. Where a node reads a float value of the
    other precision a Cast is inserted (one per value and precision); float constants (Constant nodes, non-weight
    initializers) are converted instead, and a node's own float dtype attributes (Cast's `to`, ConstantOfShape's
    `value`) follow its precision."""
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    consts = {n.output[0]: n for n in g.node if n.op_type == "Constant"}
    dtype = {t.name: t.data_type for t in g.initializer}
    for t in g.initializer:
        if t.name in weights and t.data_type == TensorProto.FLOAT:
            t.CopyFrom(_as_fp16(t, t.name))
            dtype[t.name] = TensorProto.FLOAT16
    for v in g.input:
        tt = v.type.tensor_type
        if tt.elem_type == TensorProto.FLOAT and v.name not in float32_io:
            tt.elem_type = TensorProto.FLOAT16
        dtype[v.name] = tt.elem_type

    natural = {v.name for v in g.input if v.name in float32_io}  # float32 by origin: float32 inputs, integers
    nodes, converted = [], {}  # converted: (value, precision) -> the name holding it in that precision

    def convert(name: str, to: int) -> str:
        key = (name, to)
        if key not in converted:
            new = f"{name}/{'fp16' if to == TensorProto.FLOAT16 else 'fp32'}"
            if name in consts and to == TensorProto.FLOAT16:
                nodes.append(helper.make_node("Constant", [], [new], name=new, value=_as_fp16(consts[name].attribute[0].t, new)))
            elif name in inits and name not in weights and to == TensorProto.FLOAT16:
                g.initializer.append(_as_fp16(inits[name], new))
            else:
                nodes.append(helper.make_node("Cast", [name], [new], name=new, to=to))
            converted[key] = new
            dtype[new] = to
        return converted[key]

    for node in g.node:
        if node.op_type == "Constant":
            nodes.append(node)
            dtype[node.output[0]] = node.attribute[0].t.data_type
            continue
        activations = [x for x in node.input if x and dtype.get(x) in _FLOATS and x not in consts and
                       (x not in inits or x in weights)]
        reads_weight = any(x in weights for x in node.input)
        inherits = not reads_weight and all(x in natural for x in activations)
        if inherits:
            natural.update(node.output)
        prec = TensorProto.FLOAT if inherits or keep_float32(node) else TensorProto.FLOAT16
        for i, x in enumerate(node.input):
            if x and dtype.get(x) in _FLOATS and dtype[x] != prec:
                node.input[i] = convert(x, prec)
        for a in node.attribute:
            if node.op_type == "Cast" and a.name == "to" and a.i in _FLOATS:
                a.i = prec
            elif node.op_type == "ConstantOfShape" and a.name == "value" and a.t.data_type in _FLOATS and a.t.data_type != prec:
                a.t.CopyFrom(_as_fp16(a.t, a.t.name) if prec == TensorProto.FLOAT16 else numpy_helper.from_array(
                    numpy_helper.to_array(a.t).astype(np.float32), a.t.name))
        if node.op_type == "Cast":
            out = next(a.i for a in node.attribute if a.name == "to")
        elif node.op_type == "ConstantOfShape":
            out = next((a.t.data_type for a in node.attribute if a.name == "value"), TensorProto.FLOAT)
        elif node.op_type in _INT64_OUT:
            out = TensorProto.INT64
        elif node.op_type in _BOOL_OUT:
            out = TensorProto.BOOL
        else:
            out = dtype.get(node.input[1 if node.op_type == "Where" else 0])
            if out is None:
                raise ValueError(f"to_float16: no dtype known for {node.op_type} {node.name}'s input")
        for y in node.output:
            dtype[y] = out
        nodes.append(node)

    for v in g.output:
        tt = v.type.tensor_type
        if tt.elem_type not in _FLOATS:
            continue
        want = TensorProto.FLOAT if v.name in float32_io else TensorProto.FLOAT16
        tt.elem_type = want
        if dtype[v.name] != want:  # rename the producer's output, cast it into the graph output
            inner = f"{v.name}/{'fp16' if dtype[v.name] == TensorProto.FLOAT16 else 'fp32'}"
            for n in nodes:
                n.output[:] = [inner if y == v.name else y for y in n.output]
                n.input[:] = [inner if x == v.name else x for x in n.input]
            nodes.append(helper.make_node("Cast", [inner], [v.name], name=f"{v.name}/cast", to=want))

    # Drop the float32 constants that only their float16 copies read now.
    used = {x for n in nodes for x in n.input} | {v.name for v in g.output}
    nodes = [n for n in nodes if n.op_type != "Constant" or n.output[0] in used]
    keep = [t for t in g.initializer if t.name in used or t.name in weights]
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(keep)
    del g.value_info[:]


def block_keeps_float32(node) -> bool:
    """Float32 islands of a float16 block beyond those to_float16 finds itself: the q/k RMS norms (a square and a
    mean over dim: Wan computes them in float32; in float16 |x| > 256 would overflow)."""
    return "/norm_q/" in node.name or "/norm_k/" in node.name


# ---------------------------------------------------------------------------------------------
# Monolithic denoiser (--monolithic): the saved stage graphs composed into one
# ---------------------------------------------------------------------------------------------
DENOISER_INPUTS = ("latent", "timestep", "context_raw")


def compose_denoiser(pkg: str, blocks: int) -> onnx.ModelProto:
    """pre -> block_00 .. block_{blocks-1} -> post of the package in `pkg`, as one graph with pre's inputs (latent,
    timestep, context_raw) and post's output (velocity): the saved graphs' nodes (in order) and initializers, every
    name prefixed `<graph>/`, each graph's inputs wired to the values the chain feeds them (a block: the previous
    hidden_out, pre's e0 and context; post: the last hidden_out and pre's e). The graphs are read without their weights:
    the initializers keep their external-data references (location, offset, length) into the stages' own
    `<graph>.onnx.data`, so the composed graph computes with exactly the chain's weights and has no data file."""
    def load(name):
        return onnx.load(os.path.join(pkg, f"{name}.onnx"), load_external_data=False)

    nodes, inits, opsets = [], [], {}

    def add(gname: str, model: onnx.ModelProto, wiring: dict) -> dict:
        """Appends one graph; `wiring` maps its input (and kept output) names to the composed graph's values.
        Returns its outputs' names in the composed graph."""
        g = model.graph
        if model.functions or g.sparse_initializer:
            raise ValueError(f"compose_denoiser: {gname} has local functions or sparse initializers")
        for op in model.opset_import:
            opsets[op.domain] = max(opsets.get(op.domain, 0), op.version)
        missing = {i.name for i in g.input} - set(wiring)
        if missing:
            raise ValueError(f"compose_denoiser: {gname}'s inputs {sorted(missing)} are not wired")
        names = dict(wiring)

        def r(x: str) -> str:
            return x if not x else names.setdefault(x, f"{gname}/{x}")

        for t in g.initializer:
            t.name = r(t.name)
            inits.append(t)
        for k, n in enumerate(g.node):
            if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in n.attribute):
                raise ValueError(f"compose_denoiser: {gname}'s node {n.name} has a subgraph")
            n.input[:] = [r(x) for x in n.input]
            n.output[:] = [r(y) for y in n.output]
            n.name = f"{gname}/{n.name or f'{n.op_type}_{k}'}"
            nodes.append(n)
        return {o.name: r(o.name) for o in g.output}

    pre = load("pre")
    graph_inputs = list(pre.graph.input)
    if tuple(i.name for i in graph_inputs) != DENOISER_INPUTS:
        raise ValueError(f"compose_denoiser: pre's inputs are {[i.name for i in graph_inputs]}, expected {list(DENOISER_INPUTS)}")
    p = add("pre", pre, {n: n for n in DENOISER_INPUTS})
    hidden = p["hidden"]
    for i in range(blocks):
        name = f"block_{i:02d}"
        hidden = add(name, load(name), {"hidden": hidden, "e0": p["e0"], "context": p["context"]})["hidden_out"]
    post = load("post")
    graph_outputs = list(post.graph.output)
    add("post", post, {"hidden": hidden, "e": p["e"], "velocity": "velocity"})
    graph = helper.make_graph(nodes, "denoiser", graph_inputs, graph_outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in sorted(opsets.items())],
                              producer_name="exporters/ladder.py --monolithic")
    model.ir_version = pre.ir_version
    return model


MONOLITHIC_CHECK_BYTES = 1 << 30  # export_denoiser's check loads these weights twice


def max_abs_chain_vs_denoiser(pkg: str, cfg: WanConfig, grid, blocks: int, batch: int = 2, seed: int = 0) -> float:
    """Max |denoiser - (pre -> blocks -> post)| of velocity in ONNX Runtime, one stage session at a time."""
    from tinywan import ortrun
    rng = np.random.default_rng(seed)
    feed = {"latent": rng.standard_normal((batch, cfg.in_dim, *grid)).astype(np.float32),
            "timestep": np.array([999.0, 500.0][:batch] + [250.0] * max(0, batch - 2), np.float32),
            "context_raw": rng.standard_normal((batch, cfg.text_len, cfg.text_dim)).astype(np.float32)}

    def run(name, outputs, inputs):
        with ortrun.Session(os.path.join(pkg, f"{name}.onnx")) as s:
            return s.run(outputs, inputs)

    hidden, e, e0, context = run("pre", ["hidden", "e", "e0", "context"], feed)
    for i in range(blocks):
        (hidden,) = run(f"block_{i:02d}", ["hidden_out"], {"hidden": hidden, "e0": e0, "context": context})
    (chain,) = run("post", ["velocity"], {"hidden": hidden, "e": e})
    (mono,) = run("denoiser", ["velocity"], feed)
    return float(np.abs(chain.astype(np.float64) - mono.astype(np.float64)).max())


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------
def _clean(name: str) -> str:
    return name[2:] if name.startswith("m.") else name


def name_weights(model: onnx.ModelProto, module: nn.Module) -> set[str]:
    """Renames the graph's initializers after the module's parameters (torch folds a Linear's W into an anonymous
    W^T initializer: found by value, named `<param>_t`) and returns the names of those weight initializers."""
    params = {n: p.detach().numpy() for n, p in module.named_parameters()}
    by_shape = defaultdict(list)
    for n, a in params.items():
        if a.ndim == 2:
            by_shape[a.shape[::-1]].append(n)
    rename, weights = {}, set()
    for t in model.graph.initializer:
        if t.name in params:
            rename[t.name] = _clean(t.name)
        elif t.data_type == TensorProto.FLOAT and len(t.dims) == 2 and tuple(t.dims) in by_shape:
            a = numpy_helper.to_array(t)
            for n in by_shape[tuple(t.dims)]:
                if np.array_equal(params[n].T, a):
                    rename[t.name] = _clean(n) + "_t"
                    break
            del a
        if t.name in rename:
            weights.add(rename[t.name])
    for t in model.graph.initializer:
        t.name = rename.get(t.name, t.name)
    for node in model.graph.node:
        for i, x in enumerate(node.input):
            if x in rename:
                node.input[i] = rename[x]
    return weights


def trace(module, inputs, in_names, out_names, dynamic, custom: bool) -> onnx.ModelProto:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "g.onnx")
        with torch.no_grad():
            torch.onnx.export(module, inputs, path, input_names=in_names, output_names=out_names, dynamic_axes=dynamic,
                              opset_version=OPSET, do_constant_folding=True,
                              custom_opsets={"com.microsoft": 1} if custom else None)
        return onnx.load(path)


def declare_outputs(model: onnx.ModelProto, shapes) -> None:
    """Output dims: batch symbolic, the rest concrete (the tracer names some symbolically)."""
    for out, shape in zip(model.graph.output, shapes):
        dims = out.type.tensor_type.shape.dim
        while len(dims) < len(shape):
            dims.add()
        for i, d in enumerate(dims):
            if i == 0:
                d.dim_param = "batch"
            else:
                d.dim_value = int(shape[i])


def validate(model: onnx.ModelProto, module, inputs, in_names, out_names) -> float:
    """Max |ONNX Runtime - PyTorch| at batch 2 and 1, on the graph with the PyTorch weights still inline."""
    from tinywan import ortrun
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "v.onnx")
        onnx.save(model, path)
        with torch.no_grad(), ortrun.Session(path) as sess:
            for batch in (2, 1):
                args = tuple(x if n in UNBATCHED else x[:batch] for n, x in zip(in_names, inputs))
                expected = module(*args)
                expected = expected if isinstance(expected, tuple) else (expected,)
                feed = {n: a.numpy() for n, a in zip(in_names, args) if n in {i.name for i in model.graph.input}}
                got = sess.run(out_names, feed)
                for e, g in zip(expected, got):
                    if tuple(e.shape) != g.shape:
                        raise RuntimeError(f"output shape {g.shape} != PyTorch {tuple(e.shape)}")
                    worst = max(worst, float(np.abs(e.numpy() - g).max()))
    return worst


def tensor_specs(values) -> list[dict]:
    names = {TensorProto.FLOAT: "float32", TensorProto.INT64: "int64", TensorProto.FLOAT16: "float16"}
    out = []
    for v in values:
        t = v.type.tensor_type
        out.append({"name": v.name, "dtype": names[t.elem_type],
                    "shape": [d.dim_param if d.dim_param else d.dim_value for d in t.shape.dim]})
    return out


sha256 = regen_weights.file_sha256


class Exporter:
    def __init__(self, config: str, grid: str, blocks: int | None, seed: int, attention: str, out: str,
                 validate_graphs: bool | None = None, log=print, dtype: str = "fp32", monolithic: bool = False):
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {sorted(DTYPES)}, not {dtype!r}")
        self.config, self.seed, self.attention, self.out, self.dtype = config, seed, attention, out, dtype
        self.monolithic = monolithic
        self.grid_name = grid if isinstance(grid, str) else "x".join(str(int(v)) for v in grid)
        self.cfg = make_config(config, blocks)
        self.grid = GRIDS[grid] if isinstance(grid, str) else tuple(grid)
        p = self.cfg.patch_size
        self.token_grid = tuple(self.grid[i] // p[i] for i in range(3))
        self.tokens = int(np.prod(self.token_grid))
        # Graphs whose activations scale with the grid are checked against PyTorch only at small token counts.
        self.validate_full = (self.tokens <= 4096) if validate_graphs is None else validate_graphs
        self.validate_blocks = validate_graphs is not False
        self.log = log or (lambda *a: None)
        self.graphs, self.parameters = {}, {}

    # -- one graph -----------------------------------------------------------------------------
    def save(self, gname: str, model: onnx.ModelProto, weights: set[str], err: float | None) -> None:
        data = f"{gname}.onnx.data"
        regen_weights.externalize(model, data, weights)
        path = os.path.join(self.out, f"{gname}.onnx")
        onnx.save(model, path + ".tmp")
        os.replace(path + ".tmp", path)
        entry = regen_weights.write_data(path, gname, self.seed)
        spec = {"file": f"{gname}.onnx", "sha256": sha256(path), "inputs": tensor_specs(model.graph.input),
                "outputs": tensor_specs(model.graph.output)}
        if entry is not None:
            spec["external_data"] = entry
            self.parameters[gname] = sum(int(np.prod(list(t.dims))) for t, _ in regen_weights.external_tensors(model))
        if err is not None:
            spec["max_abs_error_vs_pytorch"] = err
        self.graphs[gname] = spec

    def export(self, gname, module, inputs, in_names, out_names, dynamic=None, check=True) -> None:
        t0 = time.time()
        module.eval()
        dynamic = dynamic or {n: {0: "batch"} for n in in_names + out_names}
        with attention_mode(self.attention):
            model = trace(module, inputs, in_names, out_names, dynamic, False)  # no attention outside the blocks
            with torch.no_grad():
                ref = module(*inputs)
        ref = ref if isinstance(ref, tuple) else (ref,)
        declare_outputs(model, [r.shape for r in ref])
        weights = name_weights(model, module)
        err = None
        if check and self.validate_full:
            with attention_mode(self.attention):
                err = validate(model, module, inputs, in_names, out_names)
        if self.dtype == "fp16" and gname in FLOAT32_IO:
            to_float16(model, weights, FLOAT32_IO[gname])
        self.save(gname, model, weights, err)
        self.log(f"  {gname:13s} {self._size(gname)}" + (f"  max|ort - torch| = {err:.2e}" if err is not None else "")
                 + f"  ({time.time() - t0:.1f}s)")

    def _size(self, gname) -> str:
        spec = self.graphs[gname]
        onnx_kb = os.path.getsize(os.path.join(self.out, spec["file"])) / 1024
        data = spec.get("external_data", {}).get("bytes", 0)
        return f"{onnx_kb:7.1f} KiB graph + {data / 2**20:9.1f} MiB weights"

    # -- the package ---------------------------------------------------------------------------
    def run(self) -> dict:
        os.makedirs(self.out, exist_ok=True)
        cfg, seed = self.cfg, self.seed
        f, h, w = self.grid
        g = torch.Generator().manual_seed(0)
        torch.manual_seed(seed)
        self.log(f"ladder {self.config} grid {self.grid_name} {self.grid} ({self.tokens} tokens), {cfg.num_layers} blocks, "
                 f"attention {self.attention}, {self.dtype}, seed {seed} -> {self.out}")

        text = TextStandIn(len(VOCAB), cfg.text_dim)
        tokens = torch.from_numpy(np.stack([tokenize("a red circle moving right", cfg.text_len), tokenize("", cfg.text_len)]))
        self.export("text_encoder", text, (tokens,), ["tokens"], ["context_raw"])
        del text

        stages = WanModel(WanConfig(**{**cfg.to_dict(), "num_layers": 0}), self.grid)
        nn.init.normal_(stages.head.head.weight, std=0.02)  # Wan zero-inits it: post's check would see only the bias
        latent = torch.randn(2, cfg.in_dim, f, h, w, generator=g)
        timestep = torch.tensor([999.0, 500.0])
        context_raw = torch.randn(2, cfg.text_len, cfg.text_dim, generator=g)
        self.export("pre", PreStage(stages), (latent, timestep, context_raw), ["latent", "timestep", "context_raw"],
                    ["hidden", "e", "e0", "context"])
        hidden = torch.randn(2, self.tokens, cfg.dim, generator=g)
        e = torch.randn(2, cfg.dim, generator=g)
        self.export("post", PostStage(stages), (hidden, e), ["hidden", "e"], ["velocity"])
        del stages, hidden

        self.export_blocks(g)

        dec = DecoderStandIn(cfg.in_dim, self.grid)
        self.export("decoder", dec, (latent,), ["latent"], ["frames"])
        if self.monolithic:
            self.export_denoiser()
        return self.write_manifest(dec.out)

    def export_denoiser(self) -> None:
        """denoiser.onnx (--monolithic): the saved pre, blocks and post composed into one graph whose weights are
        theirs (external references into their .data files). Checked against the chain in ONNX Runtime (batch 2,
        the generated weights) when the grid is validated and those weights are at most MONOLITHIC_CHECK_BYTES."""
        t0 = time.time()
        stages = ["pre"] + [f"block_{i:02d}" for i in range(self.cfg.num_layers)] + ["post"]
        model = compose_denoiser(self.out, self.cfg.num_layers)
        path = os.path.join(self.out, "denoiser.onnx")
        onnx.save(model, path + ".tmp")
        os.replace(path + ".tmp", path)
        spec = {"file": "denoiser.onnx", "sha256": sha256(path), "inputs": tensor_specs(model.graph.input),
                "outputs": tensor_specs(model.graph.output), "external_data_from": stages}
        weights = sum(self.graphs[n].get("external_data", {}).get("bytes", 0) for n in stages)
        err = None
        if self.validate_full and weights <= MONOLITHIC_CHECK_BYTES:
            err = max_abs_chain_vs_denoiser(self.out, self.cfg, self.grid, self.cfg.num_layers)
            spec["max_abs_error_vs_chain"] = err
        self.graphs["denoiser"] = spec
        kib = os.path.getsize(path) / 1024
        self.log(f"  denoiser      {kib:7.1f} KiB graph, weights: {len(stages)} stages' .data files ({weights / 2**20:.1f} MiB)"
                 + (f"  max|monolithic - chain| = {err:.2e}" if err is not None else "") + f"  ({time.time() - t0:.1f}s)")

    def export_blocks(self, g) -> None:
        """Traces one block on TRACE_GRID, checks it there (and on the target grid when small), then writes the same
        structure K times: only the weights file (and so the generated weights) differ per block."""
        t0 = time.time()
        cfg = self.cfg
        hd = cfg.dim // cfg.num_heads
        stage = BlockStage(cfg).eval()
        p = cfg.patch_size
        tg = tuple(TRACE_GRID[i] // p[i] for i in range(3))

        def args(token_grid):
            s = int(np.prod(token_grid))
            cos, sin = rope_tables_f32(hd, token_grid)
            return (torch.randn(2, s, cfg.dim, generator=g), torch.randn(2, 6, cfg.dim, generator=g) * 0.1,
                    torch.randn(2, cfg.text_len, cfg.dim, generator=g), torch.from_numpy(cos), torch.from_numpy(sin))

        in_names = ["hidden", "e0", "context", "rope_cos", "rope_sin"]
        dynamic = {"hidden": {0: "batch", 1: "tokens"}, "e0": {0: "batch"}, "context": {0: "batch"},
                   "rope_cos": {0: "tokens"}, "rope_sin": {0: "tokens"}, "hidden_out": {0: "batch", 1: "tokens"}}
        trace_args = args(tg)
        with attention_mode(self.attention):
            model = trace(stage, trace_args, in_names, ["hidden_out"], dynamic, self.attention == "fused")
        declare_outputs(model, [(2, 1, cfg.dim)])
        weights = name_weights(model, stage)
        err = None
        if self.validate_blocks:
            checks = [(tg, trace_args)] + ([(self.token_grid, args(self.token_grid))] if self.validate_full and self.token_grid != tg else [])
            err = 0.0
            for grid, a in checks:
                set_rope_grid(model, hd, grid)
                with attention_mode(self.attention):
                    err = max(err, validate(model, stage, a, in_names, ["hidden_out"]))
        set_rope_grid(model, hd, self.token_grid)
        if self.dtype == "fp16":
            to_float16(model, weights, keep_float32=block_keeps_float32)
        del stage
        for i in range(cfg.num_layers):
            self.save(f"block_{i:02d}", model, weights, err)
        self.log(f"  block_00..{cfg.num_layers - 1:02d}  {self._size('block_00')} each"
                 + (f"  max|ort - torch| = {err:.2e} (traced on {tg} tokens)" if err is not None else "")
                 + f"  ({time.time() - t0:.1f}s)")

    def write_manifest(self, frames) -> dict:
        cfg = self.cfg
        L = cfg.num_layers
        f, h, w = self.grid
        scheduler = dict(WAN_T2V_SAMPLER, timestep_scale=1000.0) if self.config != "S" else \
            {"type": "flow_match_euler", "steps": 50, "shift": 3.0, "guidance": 5.0, "timestep_scale": 1000.0}
        weight_bytes = sum(s.get("external_data", {}).get("bytes", 0) for s in self.graphs.values())
        graph_order = ["text_encoder", "pre"] + [f"block_{i:02d}" for i in range(L)] + ["post"] \
            + (["denoiser"] if "denoiser" in self.graphs else []) + ["decoder"]
        manifest = {
            "format": FORMAT,
            "format_version": 1,
            "name": f"ladder-{self.config}-{self.grid_name}" + (f"-{L}blocks" if L != WAN_BLOCKS[self.config] else "")
                    + ("-fused" if self.attention == "fused" else "") + ("-fp16" if self.dtype == "fp16" else ""),
            "source": {"generated": {"config": self.config, "seed": self.seed, "grid": self.grid_name,
                                     "blocks": L, "generator": "exporters/regen_weights.py",
                                     "note": "weights are random (no quality claims); text encoder and decoder are "
                                             "shape stand-ins for umT5 and Wan's VAE"}},
            "architecture": {"family": "wan2.1", **cfg.to_dict()},
            "attention": self.attention,
            "precision": self.dtype,
            "geometry": {
                "latent_channels": cfg.in_dim, "latent_frames": f, "latent_height": h, "latent_width": w,
                "tokens": self.tokens, "token_grid": list(self.token_grid),
                "frames": frames[0], "height": frames[1], "width": frames[2], "fps": FPS,
            },
            "blocks": {"count": L, "file_pattern": "block_{index:02d}.onnx",
                       "candidates": sorted({c for c in (L // 4, L // 2, (3 * L) // 4) if c <= L - 2}),
                       "hidden_input": "hidden", "hidden_output": "hidden_out"},
            "scheduler": scheduler,
            "tokenizer": {"type": "word", "vocab": VOCAB, "text_len": cfg.text_len, "pad_id": 0, "unk_id": 1,
                          "lowercase": True, "word_pattern": "[a-z]+"},
            "noise": {"generator": "splitmix64-box-muller", "doc": "exporters/tinywan/noise.py"},
            "weights": {"dtype": DTYPES[self.dtype], "bytes": weight_bytes, "parameters": sum(self.parameters.values()),
                        "regenerate": "python3 exporters/regen_weights.py <package>"},
            "validation": "max_abs_error_vs_pytorch: the graph structure against PyTorch, with PyTorch's initial "
                          "weights before they were replaced by the generated ones; blocks on the trace grid"
                          + ("; fp16: checked in float32 before the conversion to float16" if self.dtype == "fp16" else "")
                          + ("; denoiser (pre -> blocks -> post in one graph, sharing their weights): "
                             "max_abs_error_vs_chain, the chain against it in ONNX Runtime at batch 2 with the generated "
                             "weights" if "denoiser" in self.graphs else ""),
            "graphs": {k: self.graphs[k] for k in graph_order},
        }
        path = os.path.join(self.out, "manifest.json")
        with open(path + ".tmp", "w") as fh:
            json.dump(manifest, fh, indent=2)
        os.replace(path + ".tmp", path)
        return manifest


def tokenize(prompt: str, text_len: int) -> np.ndarray:
    import re
    ids = [VOCAB.index(t) if t in VOCAB else 1 for t in re.findall("[a-z]+", prompt.lower())][:text_len]
    return np.array(ids + [0] * (text_len - len(ids)), np.int64)


def build(config: str, grid, out: str, blocks: int | None = None, seed: int = 0, attention: str = "unfused",
          validate_graphs: bool | None = None, log=print, dtype: str = "fp32", monolithic: bool = False) -> dict:
    return Exporter(config, grid, blocks, seed, attention, out, validate_graphs, log, dtype, monolithic).run()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, choices=sorted(CONFIGS))
    ap.add_argument("--grid", default="small", choices=sorted(GRIDS))
    ap.add_argument("--blocks", type=int, default=None, help="number of blocks (default: the config's; XL: 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--attention", default="unfused", choices=["unfused", "fused"])
    ap.add_argument("--dtype", default="fp32", choices=sorted(DTYPES),
                    help="fp16: pre, blocks and post in float16 (weights and the activations between them; pre's inputs "
                         "and post's velocity stay float32); the text encoder and decoder stand-ins stay float32")
    ap.add_argument("--monolithic", action="store_true",
                    help="also write denoiser.onnx: pre -> blocks -> post as one graph sharing their weights files")
    ap.add_argument("--out", required=True)
    ap.add_argument("--validate", dest="validate", action="store_true", default=None,
                    help="check every graph against PyTorch even at large grids (default: only up to 4096 tokens; blocks always on the trace grid)")
    ap.add_argument("--no-validate", dest="validate", action="store_false")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    if args.blocks is not None and args.blocks < 1:
        ap.error("--blocks must be >= 1")
    torch.set_num_threads(args.threads)
    t0 = time.time()
    m = build(args.config, args.grid, args.out, args.blocks, args.seed, args.attention, args.validate, dtype=args.dtype,
              monolithic=args.monolithic)
    graph_bytes = sum(os.path.getsize(os.path.join(args.out, s["file"])) for s in m["graphs"].values())
    print(f"done in {time.time() - t0:.1f}s: {len(m['graphs'])} graphs, {graph_bytes / 1024:.0f} KiB of graphs + manifest "
          f"{os.path.getsize(os.path.join(args.out, 'manifest.json')) / 1024:.0f} KiB, "
          f"{m['weights']['bytes'] / 2**30:.2f} GiB of generated weights ({m['weights']['parameters'] / 1e6:.1f}M parameters)")


if __name__ == "__main__":
    main()
