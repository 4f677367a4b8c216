"""partition.py on synthetic monolithic exports built here (torch.onnx, opset 17): pre -> blocks -> post chained with
ONNX Runtime must reproduce the monolithic graph, and partition.json must list what each stage reads."""
from helpers import EXPORTERS  # noqa: F401  (first: sys.path and BLAS thread settings before numpy/torch load)
import contextlib
import io
import json
import os
import tempfile
import unittest

import numpy as np
import onnx
import torch
import torch.nn as nn

import export
import partition
from tinywan import ortrun
from tinywan.model import WanConfig, WanModel, apply_rope, attention, sinusoidal_embedding_1d

ATOL = 1e-5


# ---------------------------------------------------------------------------------------------
# Synthetic models
# ---------------------------------------------------------------------------------------------
def export_tiny_wan(path: str) -> None:
    """(a) Wan2.1 structure with torch.onnx's scoped names (`/blocks.N/...`), exported like export.py's denoiser."""
    torch.manual_seed(0)
    cfg = WanConfig(dim=32, ffn_dim=64, freq_dim=32, text_dim=16, num_heads=2, num_layers=3, text_len=8)
    model = WanModel(cfg, (2, 4, 4)).eval()
    nn.init.normal_(model.head.head.weight, std=0.1)  # Wan zero-initialises the head: the output would ignore the blocks
    g = torch.Generator().manual_seed(1)
    inputs = (torch.randn(2, 4, 2, 4, 4, generator=g), torch.tensor([900.0, 100.0]), torch.randn(2, 8, 16, generator=g))
    with contextlib.redirect_stdout(io.StringIO()):
        export.export_graph(model, inputs, ["latent", "timestep", "context_raw"], ["velocity"], path)


class DiffusersRope(nn.Module):
    """RoPE tables computed from the latent's shape, outside the blocks (diffusers' WanRotaryPosEmbed)."""

    def __init__(self, head_dim: int, patch):
        super().__init__()
        self.patch = patch
        self.register_buffer("inv_freq", 1.0 / 10000 ** (torch.arange(0, head_dim, 2).float() / head_dim), persistent=False)

    def forward(self, hidden_states):
        _, _, f, h, w = hidden_states.shape
        seq = (f // self.patch[0]) * (h // self.patch[1]) * (w // self.patch[2])
        freqs = torch.arange(seq, dtype=torch.float32)[:, None] * self.inv_freq[None, :]
        return freqs.cos(), freqs.sin()


class DiffusersAttention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.to_q, self.to_k, self.to_v, self.to_out = (nn.Linear(dim, dim) for _ in range(4))

    def forward(self, x, context=None, rope=None):
        b, d = x.shape[0], x.shape[2] // self.heads
        src = x if context is None else context
        q = self.to_q(x).view(b, -1, self.heads, d)
        k = self.to_k(src).view(b, -1, self.heads, d)
        v = self.to_v(src).view(b, -1, self.heads, d)
        if rope is not None:
            q, k = apply_rope(q, *rope), apply_rope(k, *rope)
        return self.to_out(attention(q, k, v))


class DiffusersBlock(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.scale_shift_table = nn.Parameter(torch.randn(1, 6, dim) / dim ** 0.5)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn1, self.attn2 = DiffusersAttention(dim, heads), DiffusersAttention(dim, heads)
        self.ffn = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(approximate="tanh"), nn.Linear(2 * dim, dim))

    def forward(self, hidden_states, encoder_hidden_states, temb, rotary_emb):
        shift, scale, gate, c_shift, c_scale, c_gate = (self.scale_shift_table + temb).chunk(6, dim=1)
        x = hidden_states + self.attn1(self.norm1(hidden_states) * (1 + scale) + shift, rope=rotary_emb) * gate
        x = x + self.attn2(self.norm2(x), context=encoder_hidden_states)
        return x + self.ffn(self.norm3(x) * (1 + c_scale) + c_shift) * c_gate


class DiffusersLike(nn.Module):
    """(b) diffusers WanTransformer3DModel's layout: `transformer_blocks.N`, diffusers' input/output names, RoPE
    tables fed to every block (4 shared block inputs) and an output reshape that reads the batch size and the
    patch grid from the input latent's shape."""

    def __init__(self, dim=32, heads=2, layers=3, in_ch=4, text_dim=16, patch=(1, 2, 2)):
        super().__init__()
        self.patch = patch
        self.rope = DiffusersRope(dim // heads, patch)
        self.patch_embedding = nn.Conv3d(in_ch, dim, patch, patch)
        self.time_embedder = nn.Sequential(nn.Linear(32, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.time_proj = nn.Linear(dim, 6 * dim)
        self.text_embedder = nn.Sequential(nn.Linear(text_dim, dim), nn.GELU(approximate="tanh"), nn.Linear(dim, dim))
        self.transformer_blocks = nn.ModuleList(DiffusersBlock(dim, heads) for _ in range(layers))
        self.scale_shift_table = nn.Parameter(torch.randn(1, 2, dim) / dim ** 0.5)
        self.norm_out = nn.LayerNorm(dim)
        self.proj_out = nn.Linear(dim, in_ch * patch[0] * patch[1] * patch[2])

    def forward(self, hidden_states, timestep, encoder_hidden_states):
        batch_size, _, num_frames, height, width = hidden_states.shape
        pt, ph, pw = self.patch
        ppf, pph, ppw = num_frames // pt, height // ph, width // pw
        rotary_emb = self.rope(hidden_states)
        hidden_states = self.patch_embedding(hidden_states).flatten(2).transpose(1, 2)
        temb = self.time_embedder(sinusoidal_embedding_1d(32, timestep))
        timestep_proj = self.time_proj(nn.functional.silu(temb)).view(batch_size, 6, -1)
        encoder_hidden_states = self.text_embedder(encoder_hidden_states)
        for block in self.transformer_blocks:
            hidden_states = block(hidden_states, encoder_hidden_states, timestep_proj, rotary_emb)
        shift, scale = (self.scale_shift_table + temb.unsqueeze(1)).chunk(2, dim=1)
        hidden_states = self.proj_out(self.norm_out(hidden_states) * (1 + scale) + shift)
        hidden_states = hidden_states.reshape(batch_size, ppf, pph, ppw, pt, ph, pw, -1)
        hidden_states = hidden_states.permute(0, 7, 1, 4, 2, 5, 3, 6)
        return hidden_states.flatten(6, 7).flatten(4, 5).flatten(2, 3)


def export_diffusers_like(path: str) -> None:
    """(b) with dynamic batch and latent grid, weights (all initializers) in one external data file."""
    torch.manual_seed(0)
    model = DiffusersLike().eval()
    inputs = (torch.randn(2, 4, 2, 4, 4), torch.tensor([900.0, 100.0]), torch.randn(2, 5, 16))
    tmp = path + ".torch.onnx"
    grid = {0: "batch", 2: "frames", 3: "height", 4: "width"}
    with torch.no_grad(), contextlib.redirect_stderr(io.StringIO()):
        torch.onnx.export(model, inputs, tmp, input_names=["hidden_states", "timestep", "encoder_hidden_states"],
                          output_names=["sample"], opset_version=17, do_constant_folding=True,
                          dynamic_axes={"hidden_states": grid, "timestep": {0: "batch"},
                                        "encoder_hidden_states": {0: "batch"}, "sample": grid})
    proto = onnx.load(tmp)
    os.remove(tmp)
    onnx.save_model(proto, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=os.path.basename(path) + ".data", size_threshold=0)


class SkipAcrossBlocks(nn.Module):
    """Block 2 reads block 0's output besides block 1's: not a chain."""

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList(nn.Linear(8, 8) for _ in range(3))

    def forward(self, x):
        h0 = self.blocks[0](x * 2)
        h1 = self.blocks[1](h0)
        return self.blocks[2](h1 + h0) * 3


class AuxBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(8, 8), nn.Linear(8, 8)

    def forward(self, h):
        aux = self.a(h)
        return self.b(torch.tanh(aux)) + h, aux


class SecondOutput(nn.Module):
    """The last block hands post a second tensor computed from its input."""

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList(AuxBlock() for _ in range(3))

    def forward(self, x):
        h = x * 2
        for block in self.blocks:
            h, aux = block(h)
        return h + aux


class ScaledBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)

    def forward(self, h, scale):
        return self.lin(h) * scale


class PassThrough(nn.Module):
    """Every block reads a model input (`scale`) itself, and the last block's output is the model's output."""

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList(ScaledBlock() for _ in range(3))

    def forward(self, x, scale):
        h = x * 2
        for block in self.blocks:
            h = block(h, scale)
        return h


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def feeds_for(path: str, batch: int, seed: int, grid=None) -> dict:
    """Random inputs for the model's declared inputs; symbolic dims: batch, then `grid` values by name."""
    rng = np.random.default_rng(seed)
    feeds = {}
    for v in onnx.load(path, load_external_data=False).graph.input:
        t = v.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else (batch if i == 0 else grid[d.dim_param])
                 for i, d in enumerate(t.shape.dim)]
        if v.name == "timestep":
            feeds[v.name] = rng.uniform(0, 1000, size=shape).astype(np.float32)
        else:
            feeds[v.name] = rng.standard_normal(shape).astype(np.float32)
    return feeds


def graph_io(path: str):
    g = onnx.load(path, load_external_data=False).graph
    return [i.name for i in g.input], [o.name for o in g.output]


def run_monolithic(path: str, feeds: dict) -> np.ndarray:
    out = graph_io(path)[1][0]
    with ortrun.Session(path) as s:
        return s.run([out], feeds)[0]


def run_chain(test: unittest.TestCase, out_dir: str, info: dict, feeds: dict) -> np.ndarray:
    """pre -> block_00 .. block_{L-1} -> post, every shared tensor bound by name from pre's outputs (0-d ones too,
    such as the batch size pre hands to post in the diffusers-like graph)."""
    pre_path = os.path.join(out_dir, info["graphs"]["pre"]["file"])
    test.assertEqual(graph_io(pre_path)[1], info["pre_outputs"])
    with ortrun.Session(pre_path) as s:
        pre = dict(zip(info["pre_outputs"], s.run(info["pre_outputs"], feeds)))
    h = pre["hidden"]
    for b in range(info["block_count"]):
        path = os.path.join(out_dir, info["graphs"][f"block_{b:02d}"]["file"])
        ins, outs = graph_io(path)
        test.assertEqual(ins[0], "hidden")
        test.assertEqual(outs, ["hidden_out"])
        test.assertEqual(ins[1:], [n for n in info["block_shared_inputs"] if n in ins])
        with ortrun.Session(path) as s:
            h = s.run(["hidden_out"], {"hidden": h, **{n: pre[n] for n in ins[1:]}})[0]
    path = os.path.join(out_dir, info["graphs"]["post"]["file"])
    ins, outs = graph_io(path)
    test.assertEqual(ins, info["post_inputs"])
    test.assertEqual(outs[0], "velocity")
    with ortrun.Session(path) as s:
        return s.run(["velocity"], {"hidden": h, **{n: pre[n] for n in ins[1:]}})[0]


def check_chain_matches(test, src: str, out_dir: str, info: dict, grids=(None,)) -> None:
    for grid in grids:
        for batch in (2, 1):
            feeds = feeds_for(src, batch, seed=batch, grid=grid)
            expected = run_monolithic(src, feeds)
            got = run_chain(test, out_dir, info, feeds)
            test.assertEqual(got.shape, expected.shape)
            np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0, err_msg=f"batch {batch} grid {grid}")


def partition_error(*args, **kwargs) -> str:
    with tempfile.TemporaryDirectory() as out, contextlib.redirect_stderr(io.StringIO()):
        try:
            partition.partition(args[0], out, *args[1:], **kwargs)
        except SystemExit as e:
            return str(e.code)
    raise AssertionError("partition did not stop")


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------
class ScopedTinyWanTest(unittest.TestCase):
    """(a) scoped names, inline weights."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.src = os.path.join(cls.tmp.name, "denoiser.onnx")
        export_tiny_wan(cls.src)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_chain_matches_monolithic_graph(self):
        with tempfile.TemporaryDirectory() as out:
            info = partition.partition(self.src, out)
            self.assertEqual(info["block_count"], 3)
            self.assertEqual(info["pre_outputs"], ["hidden", "e", "e0", "context"])
            self.assertEqual(info["block_shared_inputs"], ["e0", "context"])
            self.assertEqual(info["post_inputs"], ["hidden", "e"])
            with open(os.path.join(out, "partition.json")) as f:
                self.assertEqual(json.load(f)["block_shared_inputs"], ["e0", "context"])
            for name, g in info["graphs"].items():
                self.assertNotIn("external_data", g, name)  # inline source -> inline graphs
                for spec in g["inputs"] + g["outputs"]:
                    if spec["name"] not in ("timestep",):
                        self.assertEqual(spec["shape"][0], "batch", f"{name}.{spec['name']}")
            specs = {s["name"]: s["shape"] for s in info["graphs"]["pre"]["outputs"]}
            self.assertEqual(specs, {"hidden": ["batch", 8, 32], "e": ["batch", 32], "e0": ["batch", 6, 32],
                                     "context": ["batch", 8, 32]})
            check_chain_matches(self, self.src, out, info)

    def test_shared_names_a_tensor_in_scoped_mode(self):
        with tempfile.TemporaryDirectory() as out:
            first = partition.partition(self.src, out)
            context = first["boundaries"]["context"]
            info = partition.partition(self.src, out, shared=f"text={context}")
            self.assertEqual(info["block_shared_inputs"], ["e0", "text"])
            self.assertEqual(info["pre_outputs"], ["hidden", "e", "e0", "text"])
            check_chain_matches(self, self.src, out, info)


class DiffusersLikeTest(unittest.TestCase):
    """(b) transformer_blocks.N, 4 shared block inputs (RoPE outside the blocks), post reading the latent's
    shape, dynamic latent grid, external data in and out."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.src = os.path.join(cls.tmp.name, "transformer.onnx")
        export_diffusers_like(cls.src)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_chain_matches_monolithic_graph(self):
        with tempfile.TemporaryDirectory() as out:
            info = partition.partition(self.src, out, r"^/transformer_blocks\.(\d+)/")
            self.assertEqual(info["block_count"], 3)
            self.assertEqual(info["block_shared_inputs"], ["e0", "context", "rope_cos", "rope_sin"])
            self.assertEqual(info["post_inputs"][:2], ["hidden", "e"])
            pre_out = {s["name"]: s for s in info["graphs"]["pre"]["outputs"]}
            extras = info["post_inputs"][2:]
            self.assertTrue(extras, "post must read the latent's batch size / grid from pre")
            for name in extras:  # shape arithmetic on the input latent, computed in pre
                self.assertEqual((pre_out[name]["dtype"], pre_out[name]["shape"]), ("int64", []), name)
            self.assertEqual(info["pre_outputs"][:4], ["hidden", "e", "e0", "context"])
            self.assertEqual(set(info["pre_outputs"]), {"hidden", "e", *info["block_shared_inputs"], *extras})
            self.assertEqual(pre_out["e0"]["shape"], ["batch", 6, 32])
            self.assertEqual(graph_io(os.path.join(out, "pre.onnx"))[0], ["hidden_states", "timestep", "encoder_hidden_states"])
            for name, g in info["graphs"].items():
                data = g["external_data"]["file"]
                self.assertEqual(data, f"{name}.onnx.data")
                self.assertTrue(os.path.getsize(os.path.join(out, data)) > 0)
                proto = onnx.load(os.path.join(out, g["file"]), load_external_data=False)
                big = [t for t in proto.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
                self.assertTrue(big, name)
                self.assertTrue(all(e.value == data for t in big for e in t.external_data if e.key == "location"))
            # The dynamic latent grid survives: also at another (frames, height, width).
            check_chain_matches(self, self.src, out, info,
                                grids=({"frames": 2, "height": 4, "width": 4}, {"frames": 3, "height": 6, "width": 2}))


class DiffusersInputsTest(DiffusersLikeTest):
    """(b) with pre's inputs renamed to the package's (--inputs), as the C# executor feeds them."""

    def test_chain_matches_monolithic_graph(self):
        names = {"latent": "hidden_states", "context_raw": "encoder_hidden_states"}
        with tempfile.TemporaryDirectory() as out:
            info = partition.partition(self.src, out, r"^/transformer_blocks\.(\d+)/", inputs=names)
            self.assertEqual(graph_io(os.path.join(out, "pre.onnx"))[0], ["latent", "timestep", "context_raw"])
            feeds = feeds_for(self.src, 2, seed=3, grid={"frames": 2, "height": 4, "width": 4})
            expected = run_monolithic(self.src, feeds)
            renamed = {({v: k for k, v in names.items()}).get(n, n): a for n, a in feeds.items()}
            np.testing.assert_allclose(run_chain(self, out, info, renamed), expected, atol=ATOL, rtol=0)
        self.assertIn("the model has no input 'nope'", partition_error(self.src, r"^/transformer_blocks\.(\d+)/", inputs={"latent": "nope"}))


class ExplicitModeTest(unittest.TestCase):
    """(c) explicit boundaries on (a) with every node and inner tensor renamed (no scope left to find)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        scoped = os.path.join(cls.tmp.name, "scoped.onnx")
        export_tiny_wan(scoped)
        model = onnx.load(scoped)
        g = model.graph
        # By hand: each block's output is the last tensor its scope computes; block 0 reads pre's Transpose.
        last = {}
        for n in g.node:
            if n.name.startswith("/blocks."):
                last[int(n.name.split(".")[1].split("/")[0])] = n.output[0]
        cls.hidden_in = next(n.output[0] for n in g.node if n.name == "/Transpose")
        keep = {v.name for v in [*g.input, *g.output]} | {t.name for t in g.initializer}
        rename = {}
        for k, n in enumerate(g.node):
            n.name = f"node{k}"
            for j, o in enumerate(n.output):
                if o not in keep:
                    rename[o] = f"t{k}_{j}"
        for n in g.node:
            n.input[:] = [rename.get(t, t) for t in n.input]
            n.output[:] = [rename.get(t, t) for t in n.output]
        cls.block_outputs = [rename[last[b]] for b in range(3)]
        cls.hidden_in = rename[cls.hidden_in]
        cls.src = os.path.join(cls.tmp.name, "anonymous.onnx")
        onnx.save(model, cls.src)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check(self, info, out):
        self.assertEqual(info["block_count"], 3)
        self.assertEqual(info["boundaries"]["hidden"], self.hidden_in)
        self.assertEqual(info["boundaries"]["block_outputs"], self.block_outputs)
        self.assertEqual(info["pre_outputs"], ["hidden", "e", "e0", "context"])
        self.assertEqual(info["block_shared_inputs"], ["e0", "context"])
        self.assertEqual(info["post_inputs"], ["hidden", "e"])
        check_chain_matches(self, self.src, out, info)

    def test_scoped_mode_finds_nothing(self):
        msg = partition_error(self.src)
        self.assertIn("no node name matches --block-pattern", msg)
        self.assertNotIn("\n", msg)

    def test_block_outputs_and_hidden_in(self):
        with tempfile.TemporaryDirectory() as out:
            self.check(partition.partition(self.src, out, block_outputs=self.block_outputs, hidden_in=self.hidden_in), out)

    def test_hidden_in_derived(self):
        with tempfile.TemporaryDirectory() as out:
            self.check(partition.partition(self.src, out, block_outputs=self.block_outputs), out)

    def test_command_line_with_shared_names(self):
        with tempfile.TemporaryDirectory() as out:
            first = partition.partition(self.src, out, block_outputs=self.block_outputs)
            b = first["boundaries"]
            for shared in (f"e0={b['e0']},context={b['context']},e={b['e']}", f"{b['e0']},{b['context']},{b['e']}"):
                with contextlib.redirect_stdout(io.StringIO()) as printed:
                    partition.main([self.src, "--out", out, "--block-outputs", ",".join(self.block_outputs),
                                    "--hidden-in", self.hidden_in, "--shared", shared])
                self.assertIn("3 blocks", printed.getvalue())
                with open(os.path.join(out, "partition.json")) as f:
                    info = json.load(f)
                self.assertEqual(info["boundaries"]["e0"], b["e0"])
                self.check(info, out)


class PassThroughTest(unittest.TestCase):
    """pre hands a model input on to the blocks, post only renames the last block's output."""

    def test_chain_matches_monolithic_graph(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "toy.onnx")
            torch.manual_seed(0)
            with contextlib.redirect_stderr(io.StringIO()):
                torch.onnx.export(PassThrough(), (torch.randn(2, 8), torch.randn(2, 8)), src, input_names=["x", "scale"],
                                  output_names=["y"], dynamic_axes={"x": {0: "batch"}, "scale": {0: "batch"}, "y": {0: "batch"}},
                                  opset_version=17)
            out = os.path.join(tmp, "out")
            info = partition.partition(src, out)
            self.assertEqual(info["pre_outputs"], ["hidden", "scale_1"])
            self.assertEqual(info["block_shared_inputs"], ["scale_1"])
            self.assertEqual(info["post_inputs"], ["hidden"])
            self.assertEqual([s["shape"] for s in info["graphs"]["post"]["outputs"]], [["batch", 8]])
            check_chain_matches(self, src, out, info)


class BoundaryErrorTest(unittest.TestCase):
    """A boundary that cannot be found stops with one line naming the node or tensor."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.wan = os.path.join(cls.tmp.name, "denoiser.onnx")
        export_tiny_wan(cls.wan)
        cls.skip = os.path.join(cls.tmp.name, "skip.onnx")
        with contextlib.redirect_stderr(io.StringIO()):
            torch.onnx.export(SkipAcrossBlocks(), (torch.randn(2, 8),), cls.skip, input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=17)
        cls.aux = os.path.join(cls.tmp.name, "aux.onnx")
        with contextlib.redirect_stderr(io.StringIO()):
            torch.onnx.export(SecondOutput(), (torch.randn(2, 8),), cls.aux, input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=17)
        with tempfile.TemporaryDirectory() as out:
            cls.wan_info = partition.partition(cls.wan, out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def assertOneLine(self, msg, *parts):
        self.assertTrue(msg.startswith("partition: "), msg)
        self.assertNotIn("\n", msg)
        for p in parts:
            self.assertIn(p, msg)

    def test_unknown_block_output(self):
        self.assertOneLine(partition_error(self.wan, block_outputs=["/blocks.0/Add_8_output_0", "nope"]), "'nope'")

    def test_block_outputs_out_of_order(self):
        bo = self.wan_info["boundaries"]["block_outputs"]
        self.assertOneLine(partition_error(self.wan, block_outputs=[bo[1], bo[0], bo[2]], hidden_in=self.wan_info["boundaries"]["hidden"]),
                           repr(bo[1]))

    def test_shared_tensor_that_no_stage_reads(self):
        self.assertOneLine(partition_error(self.wan, shared="e0=latent"), "'latent'")
        self.assertOneLine(partition_error(self.wan, shared="e0=missing_tensor"), "'missing_tensor'")

    def test_skip_connection_across_blocks(self):
        self.assertOneLine(partition_error(self.skip), "block 2", "block 0")

    def test_second_output_of_a_block(self):
        self.assertOneLine(partition_error(self.aux), "block 2 hands out", "besides its output")

    def test_command_line_error_is_one_line(self):
        with tempfile.TemporaryDirectory() as out, self.assertRaises(SystemExit) as ex:
            partition.main([self.wan, "--out", out, "--block-pattern", r"^/layers\.(\d+)/"])
        self.assertOneLine(str(ex.exception.code), "--block-pattern")


if __name__ == "__main__":
    unittest.main()
