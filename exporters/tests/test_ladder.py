"""Size ladder (ladder.py) and generated weights (regen_weights.py), at tiny sizes only.

    cd exporters && /usr/bin/python3 -m unittest discover -s tests -p "test_ladder.py" -v

LADDER_TEST_L=1 also builds an L (Wan2.1-1.3B-shaped) package on the small grid with 2 blocks (~0.55 GB of weights).
"""
from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
import unittest
from contextlib import redirect_stdout, redirect_stderr

from helpers import EXPORTERS  # noqa: F401  (sys.path, BLAS settings, torch threads)

import numpy as np
import onnx

import ladder
import regen_weights
from tinywan import ortrun

SEED = 7


def quiet_build(*args, **kwargs):
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ladder.build(*args, log=None, **kwargs)


def manifest(pkg):
    with open(os.path.join(pkg, "manifest.json")) as fh:
        return json.load(fh)


def tensor_specs_of(proto):
    return ladder.tensor_specs(proto.graph.input), ladder.tensor_specs(proto.graph.output)


def value_types(proto) -> dict:
    """Element type of every typed value of the graph (inputs, initializers, Constants, inferred intermediates)."""
    inferred = onnx.shape_inference.infer_shapes(proto)
    types = {v.name: v.type.tensor_type.elem_type for v in list(inferred.graph.input) + list(inferred.graph.output)
             + list(inferred.graph.value_info)}
    types.update({t.name: t.data_type for t in proto.graph.initializer})
    types.update({n.output[0]: n.attribute[0].t.data_type for n in proto.graph.node if n.op_type == "Constant"})
    return types


def run_chain(pkg, prompt="a red circle moving right", batch=2):
    """text_encoder -> pre -> blocks -> post -> decoder in ONNX Runtime; returns every stage's outputs."""
    m = manifest(pkg)
    g = m["geometry"]
    text_len = m["tokenizer"]["text_len"]
    rng = np.random.default_rng(0)
    out = {}
    tokens = np.stack([ladder.tokenize(prompt, text_len), ladder.tokenize("", text_len)])[:batch]

    def run(name, outputs, feed):
        with ortrun.Session(os.path.join(pkg, m["graphs"][name]["file"])) as s:
            return s.run(outputs, feed)

    (ctx,) = run("text_encoder", ["context_raw"], {"tokens": tokens})
    latent = rng.standard_normal((batch, g["latent_channels"], g["latent_frames"], g["latent_height"], g["latent_width"])).astype(np.float32)
    timestep = np.array([999.0, 500.0], np.float32)[:batch]
    hidden, e, e0, context = run("pre", ["hidden", "e", "e0", "context"], {"latent": latent, "timestep": timestep, "context_raw": ctx})
    out.update(latent=latent, timestep=timestep, context_raw=ctx, hidden_pre=hidden, e=e, e0=e0, context=context)
    for i in range(m["blocks"]["count"]):
        (hidden,) = run(f"block_{i:02d}", ["hidden_out"], {"hidden": hidden, "e0": e0, "context": context})
        out[f"block_{i:02d}"] = hidden
    (velocity,) = run("post", ["velocity"], {"hidden": hidden, "e": e})
    (frames,) = run("decoder", ["frames"], {"latent": velocity})
    out.update(velocity=velocity, frames=frames)
    return out


class LadderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ladder-test-")
        cls.pkg = os.path.join(cls.tmp, "S")
        cls.fused = os.path.join(cls.tmp, "S-fused")
        cls.fp16 = os.path.join(cls.tmp, "S-fp16")
        cls.fused16 = os.path.join(cls.tmp, "S-fused-fp16")
        cls.mono = os.path.join(cls.tmp, "S-mono")
        cls.mono16 = os.path.join(cls.tmp, "S-mono-fused-fp16")
        t0 = time.time()
        quiet_build("S", "small", cls.pkg, blocks=2, seed=SEED)
        quiet_build("S", "small", cls.fused, blocks=2, seed=SEED, attention="fused")
        quiet_build("S", "small", cls.fp16, blocks=2, seed=SEED, dtype="fp16")
        quiet_build("S", "small", cls.fused16, blocks=2, seed=SEED, attention="fused", dtype="fp16")
        quiet_build("S", "small", cls.mono, blocks=3, seed=SEED, monolithic=True)
        quiet_build("S", "small", cls.mono16, blocks=3, seed=SEED, attention="fused", dtype="fp16", monolithic=True)
        cls.build_seconds = time.time() - t0

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # -- layout and manifest ----------------------------------------------------------------------
    def test_package_layout_and_manifest(self):
        m = manifest(self.pkg)
        self.assertEqual(m["format"], "mixcacheort-dit-package")
        self.assertEqual(m["format_version"], 1)
        self.assertEqual(m["source"]["generated"]["config"], "S")
        self.assertEqual(m["source"]["generated"]["seed"], SEED)
        self.assertEqual(m["attention"], "unfused")
        self.assertEqual(manifest(self.fused)["attention"], "fused")
        self.assertEqual((m["precision"], m["weights"]["dtype"]), ("fp32", "float32"))
        names = ["text_encoder", "pre", "block_00", "block_01", "post", "decoder"]
        self.assertEqual(list(m["graphs"]), names)
        self.assertEqual(m["blocks"]["count"], 2)
        self.assertTrue(all(0 <= c < m["blocks"]["count"] - 1 for c in m["blocks"]["candidates"]))
        tok = m["tokenizer"]
        self.assertEqual(tok["vocab"][tok["pad_id"]], "<pad>")
        self.assertEqual(tok["vocab"][tok["unk_id"]], "<unk>")
        self.assertEqual(tok["text_len"], 16)
        a = m["architecture"]
        self.assertEqual((a["dim"], a["num_heads"], a["ffn_dim"], a["text_dim"], a["in_dim"], a["num_layers"]), (128, 4, 512, 64, 4, 2))
        g = m["geometry"]
        self.assertEqual((g["latent_frames"], g["latent_height"], g["latent_width"], g["tokens"]), (3, 8, 8, 48))
        self.assertEqual((g["frames"], g["height"], g["width"]), (9, 64, 64))
        for name in names:
            spec = m["graphs"][name]
            path = os.path.join(self.pkg, spec["file"])
            self.assertEqual(spec["sha256"], regen_weights.file_sha256(path), name)
            ed = spec["external_data"]
            self.assertEqual(ed["file"], f"{name}.onnx.data")
            self.assertEqual(ed["sha256"], regen_weights.file_sha256(os.path.join(self.pkg, ed["file"])), name)
            self.assertEqual(ed["bytes"], os.path.getsize(os.path.join(self.pkg, ed["file"])))
            # Every weight is external; what stays inline is small constants only.
            proto = onnx.load(path, load_external_data=False)
            inline = sum(len(t.raw_data) for t in proto.graph.initializer if t.data_location != onnx.TensorProto.EXTERNAL)
            self.assertLess(inline, 4096, name)
            self.assertTrue(any(t.data_location == onnx.TensorProto.EXTERNAL for t in proto.graph.initializer), name)
            self.assertLess(spec["max_abs_error_vs_pytorch"], 1e-5, name)
        self.assertEqual(m["graphs"]["block_00"]["inputs"][0]["shape"], ["batch", 48, 128])
        self.assertEqual(m["graphs"]["decoder"]["outputs"][0]["shape"], ["batch", 9, 64, 64, 3])
        # Blocks share one structure; their weights differ.
        self.assertEqual(onnx.load(os.path.join(self.pkg, "block_00.onnx")).graph.node,
                         onnx.load(os.path.join(self.pkg, "block_01.onnx")).graph.node)
        self.assertNotEqual(m["graphs"]["block_00"]["external_data"]["sha256"], m["graphs"]["block_01"]["external_data"]["sha256"])

    def test_scheduler_is_wans_for_m(self):
        self.assertEqual(manifest(self.pkg)["scheduler"]["type"], "flow_match_euler")  # S: tiny-wan's
        cfg = ladder.make_config("L")
        self.assertEqual((cfg.dim, cfg.num_layers, cfg.num_heads, cfg.ffn_dim, cfg.freq_dim, cfg.text_dim, cfg.text_len,
                          cfg.in_dim, cfg.out_dim, tuple(cfg.patch_size)), (1536, 30, 12, 8960, 256, 4096, 512, 16, 16, (1, 2, 2)))
        self.assertEqual(ladder.GRIDS["480p"], (21, 60, 104))
        self.assertEqual((ladder.GRIDS["mid"], ladder.GRIDS["low"]), ((7, 30, 52), (5, 16, 28)))  # 2,730 and 560 tokens
        self.assertEqual(21 * 30 * 52, 32760)

    def test_committed_size_is_small(self):
        """Without its .data files a package is kilobytes: that is what is committed or shipped."""
        for pkg in (self.pkg, self.fused, self.fp16, self.fused16):
            small = sum(os.path.getsize(os.path.join(pkg, f)) for f in os.listdir(pkg) if not f.endswith(".data"))
            self.assertLess(small, 300 * 1024, pkg)

    # -- ONNX Runtime ---------------------------------------------------------------------------------
    def test_graphs_run_in_onnx_runtime(self):
        m = manifest(self.pkg)
        for batch in (2, 1):
            out = run_chain(self.pkg, batch=batch)
            self.assertEqual(out["hidden_pre"].shape, (batch, 48, 128))
            self.assertEqual(out["velocity"].shape, (batch, 4, 3, 8, 8))
            self.assertEqual(out["frames"].shape, (batch, 9, 64, 64, 3))
            for k, v in out.items():
                self.assertTrue(np.isfinite(v).all(), k)
            self.assertTrue(((out["frames"] > 0) & (out["frames"] < 1)).all())
            # the empty prompt is an all-zero context (pads are zeroed, like Wan's)
            if batch == 2:
                self.assertEqual(float(np.abs(out["context_raw"][1]).max()), 0.0)
                self.assertGreater(float(np.abs(out["context_raw"][0]).max()), 0.0)
            # the blocks do something
            self.assertGreater(float(np.abs(out["block_01"] - out["hidden_pre"]).max()), 1e-6)
        del m

    def test_fused_attention_matches_unfused(self):
        def mha_nodes(pkg):
            proto = onnx.load(os.path.join(pkg, "block_00.onnx"), load_external_data=False)
            return [n for n in proto.graph.node if n.op_type == "MultiHeadAttention" and n.domain == "com.microsoft"]

        self.assertEqual(len(mha_nodes(self.fused)), 2)  # self- and cross-attention
        self.assertEqual(len(mha_nodes(self.pkg)), 0)
        self.assertEqual([a.i for a in mha_nodes(self.fused)[0].attribute if a.name == "num_heads"], [4])
        # Same seed and weight names: identical weights; only the attention differs.
        for name, spec in manifest(self.pkg)["graphs"].items():
            self.assertEqual(spec["external_data"]["sha256"], manifest(self.fused)["graphs"][name]["external_data"]["sha256"], name)
        a, b = run_chain(self.pkg), run_chain(self.fused)
        for k in ("block_00", "block_01", "velocity", "frames"):
            self.assertLess(float(np.abs(a[k] - b[k]).max()), 1e-4, k)
        # and on inputs with larger activations, block by block
        rng = np.random.default_rng(1)
        feed = {"hidden": rng.standard_normal((2, 48, 128)).astype(np.float32) * 3,
                "e0": rng.standard_normal((2, 6, 128)).astype(np.float32),
                "context": rng.standard_normal((2, 16, 128)).astype(np.float32) * 3}
        with ortrun.Session(os.path.join(self.pkg, "block_00.onnx")) as s1, ortrun.Session(os.path.join(self.fused, "block_00.onnx")) as s2:
            y1, y2 = s1.run(["hidden_out"], feed)[0], s2.run(["hidden_out"], feed)[0]
        self.assertLess(float(np.abs(y1 - y2).max()), 1e-4)

    def test_blocks_are_grid_generic(self):
        """Blocks are traced on the small grid and rebuilt for the target one: checked against PyTorch on another grid."""
        pkg = os.path.join(self.tmp, "S-grid")
        m = quiet_build("S", (2, 6, 10), pkg, blocks=1, seed=SEED, attention="fused")
        self.assertEqual(m["geometry"]["tokens"], 30)
        self.assertEqual(m["blocks"]["candidates"], [])
        self.assertEqual(m["graphs"]["block_00"]["inputs"][0]["shape"], ["batch", 30, 128])
        self.assertLess(m["graphs"]["block_00"]["max_abs_error_vs_pytorch"], 1e-5)
        self.assertEqual(m["graphs"]["decoder"]["outputs"][0]["shape"], ["batch", 5, 48, 80, 3])
        out = run_chain(pkg)
        self.assertEqual(out["velocity"].shape, (2, 4, 2, 6, 10))

    def test_rope_matches_model_tables(self):
        import torch
        from tinywan.model import rope_tables
        cos, sin = rope_tables(32, (3, 4, 5))
        c32, s32 = ladder.rope_tables_f32(32, (3, 4, 5))
        self.assertLess(float(np.abs(cos.numpy() - c32).max()), 1e-5)
        self.assertLess(float(np.abs(sin.numpy() - s32).max()), 1e-5)
        del torch

    # -- float16 (--dtype fp16) ------------------------------------------------------------------------
    FP16_GRAPHS = ("pre", "block_00", "block_01", "post")  # the text encoder and decoder stand-ins stay float32

    def test_fp16_package_structure(self):
        f32, f16 = onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16
        for pkg in (self.fp16, self.fused16):
            m = manifest(pkg)
            self.assertEqual((m["precision"], m["weights"]["dtype"]), ("fp16", "float16"))
            self.assertTrue(m["name"].endswith("-fp16"), m["name"])
            self.assertEqual(m["weights"]["parameters"], manifest(self.pkg)["weights"]["parameters"])
            io = {name: ({v["name"]: v["dtype"] for v in spec["inputs"]}, {v["name"]: v["dtype"] for v in spec["outputs"]})
                  for name, spec in m["graphs"].items()}
            self.assertEqual(io["text_encoder"], ({"tokens": "int64"}, {"context_raw": "float32"}))
            self.assertEqual(io["pre"], ({"latent": "float32", "timestep": "float32", "context_raw": "float32"},
                                         dict.fromkeys(["hidden", "e", "e0", "context"], "float16")))
            for b in ("block_00", "block_01"):
                self.assertEqual(io[b], (dict.fromkeys(["hidden", "e0", "context"], "float16"), {"hidden_out": "float16"}))
            self.assertEqual(io["post"], ({"hidden": "float16", "e": "float16"}, {"velocity": "float32"}))
            self.assertEqual(io["decoder"], ({"latent": "float32"}, {"frames": "float32"}))
            for name, spec in m["graphs"].items():
                path = os.path.join(pkg, spec["file"])
                proto = onnx.load(path)  # with its weights
                onnx.checker.check_model(proto, full_check=True)
                self.assertEqual(tensor_specs_of(proto), (spec["inputs"], spec["outputs"]), name)
                want = f16 if name in self.FP16_GRAPHS else f32
                for t in proto.graph.initializer:
                    if t.data_location == onnx.TensorProto.EXTERNAL or t.data_type in (f32, f16):
                        self.assertEqual(t.data_type, want, f"{name}: {t.name}")
                # the weights are the fp32 package's, rounded to nearest (same seed, names and shapes)
                twin = {t.name: onnx.numpy_helper.to_array(t) for t in onnx.load(os.path.join(self.pkg, spec["file"])).graph.initializer}
                for t in proto.graph.initializer:
                    if t.data_location == onnx.TensorProto.EXTERNAL:
                        a = onnx.numpy_helper.to_array(t)
                        self.assertTrue(np.array_equal(a, twin[t.name].astype(a.dtype)), f"{name}: {t.name}")
                if name in self.FP16_GRAPHS:
                    # float32 islands: the RoPE / timestep angles and their Cos/Sin, the q/k RMS norms
                    types = value_types(proto)
                    for n in proto.graph.node:
                        if n.op_type in ("Cos", "Sin", "Pow", "ReduceMean", "Sqrt"):
                            self.assertEqual(types[n.input[0]], f32, f"{name}: {n.name}")
                        if n.op_type in ("MatMul", "Gemm", "Conv", "Softmax", "LayerNormalization", "MultiHeadAttention") \
                                and not n.name.startswith("rope/"):
                            # (onnx's inference does not type what follows com.microsoft MultiHeadAttention)
                            if not (pkg == self.fused16 and n.input[0] not in types):
                                self.assertEqual(types[n.input[0]], f16, f"{name}: {n.name}")
            mha = [n for n in onnx.load(os.path.join(pkg, "block_00.onnx"), load_external_data=False).graph.node
                   if n.op_type == "MultiHeadAttention"]
            self.assertEqual(len(mha), 2 if pkg == self.fused16 else 0)

    def test_fp16_chain_matches_fp32(self):
        """fp16 vs fp32 package (same seed: the fp16 weights are the fp32 ones rounded), text encoder -> decoder.
        ONNX Runtime's CPU provider runs these float16 graphs: it wraps nodes without a float16 CPU kernel (most of
        them) in Casts to float32, so this measures the rounding of the weights and of the values between graphs (and
        between fp16 and fp32 kernels), not float16 arithmetic as a GPU does it.
        Measured max |fp16 - fp32| / max |fp32| <= 8e-4 per output, fp16's unit roundoff being 2^-11 = 4.9e-4;
        the bound is 4e-3 (8 units of roundoff)."""
        tol = 4e-3
        for ref_pkg, pkg in ((self.pkg, self.fp16), (self.fused, self.fused16), (self.pkg, self.fused16)):
            ref, out = run_chain(ref_pkg), run_chain(pkg)
            for k in ("hidden_pre", "e", "e0", "context", "block_00", "block_01"):
                self.assertEqual(out[k].dtype, np.float16, k)
            for k in ("context_raw", "velocity", "frames"):
                self.assertEqual(out[k].dtype, np.float32, k)
            for k in ("hidden_pre", "e", "e0", "context", "block_00", "block_01", "velocity", "frames"):
                a, b = ref[k].astype(np.float64), out[k].astype(np.float64)
                self.assertTrue(np.isfinite(b).all(), k)
                self.assertLess(float(np.abs(a - b).max() / np.abs(a).max()), tol, f"{pkg}: {k}")
        # a block on larger activations (|hidden_out| up to ~120), fed the same float16-representable inputs
        rng = np.random.default_rng(1)
        for scale in (3.0, 30.0):
            feed = {"hidden": (rng.standard_normal((2, 48, 128)) * scale).astype(np.float16),
                    "e0": rng.standard_normal((2, 6, 128)).astype(np.float16),
                    "context": (rng.standard_normal((2, 16, 128)) * scale).astype(np.float16)}
            for ref_pkg, pkg in ((self.pkg, self.fp16), (self.fused, self.fused16)):
                with ortrun.Session(os.path.join(ref_pkg, "block_00.onnx")) as s1, ortrun.Session(os.path.join(pkg, "block_00.onnx")) as s2:
                    y1 = s1.run(["hidden_out"], {k: v.astype(np.float32) for k, v in feed.items()})[0].astype(np.float64)
                    y2 = s2.run(["hidden_out"], feed)[0].astype(np.float64)
                self.assertLess(float(np.abs(y1 - y2).max() / np.abs(y1).max()), tol, (pkg, scale))

    def regenerated_copy(self, source, name, files=6):
        """A copy of `source` whose weight files were deleted and regenerated; asserts they came back byte for byte
        and --check passes."""
        pkg = os.path.join(self.tmp, name)
        shutil.copytree(source, pkg)
        before = {f: regen_weights.file_sha256(os.path.join(pkg, f)) for f in os.listdir(pkg) if f.endswith(".data")}
        self.assertEqual(len(before), files)
        for f in before:
            os.remove(os.path.join(pkg, f))
        with redirect_stdout(io.StringIO()):
            self.assertEqual(regen_weights.main([pkg]), 0)
            self.assertEqual(regen_weights.main([pkg, "--check"]), 0)
        after = {f: regen_weights.file_sha256(os.path.join(pkg, f)) for f in os.listdir(pkg) if f.endswith(".data")}
        self.assertEqual(before, after)
        self.assertEqual(manifest(pkg), manifest(source))  # manifest and graphs untouched
        return pkg

    def test_fp16_regen_byte_for_byte(self):
        self.regenerated_copy(self.fp16, "regen-fp16")
        # half the fp32 package's block weights (page alignment aside)
        b16, b32 = (manifest(p)["graphs"]["block_00"]["external_data"]["bytes"] for p in (self.fp16, self.pkg))
        self.assertLess(abs(2 * b16 - b32), 2 * 4096 * 24)

    # -- monolithic denoiser (--monolithic) ------------------------------------------------------------
    def run_denoiser(self, pkg, chain):
        with ortrun.Session(os.path.join(pkg, "denoiser.onnx")) as s:
            return s.run(["velocity"], {k: chain[k] for k in ("latent", "timestep", "context_raw")})[0]

    def test_monolithic_manifest_and_graph(self):
        for pkg in (self.mono, self.mono16):
            m = manifest(pkg)
            stages = ["pre", "block_00", "block_01", "block_02", "post"]
            self.assertEqual(list(m["graphs"]), ["text_encoder"] + stages + ["denoiser", "decoder"])
            spec = m["graphs"]["denoiser"]
            path = os.path.join(pkg, "denoiser.onnx")
            self.assertEqual(spec["file"], "denoiser.onnx")
            self.assertEqual(spec["sha256"], regen_weights.file_sha256(path))
            # the chain's signature: pre's inputs, post's output (as tiny-wan's denoiser.onnx)
            self.assertEqual(spec["inputs"], m["graphs"]["pre"]["inputs"])
            self.assertEqual(spec["outputs"], m["graphs"]["post"]["outputs"])
            self.assertEqual([i["name"] for i in spec["inputs"]], ["latent", "timestep", "context_raw"])
            self.assertEqual(spec["outputs"][0]["name"], "velocity")
            # no weights of its own: references into the stages' files, which the manifest counts once
            self.assertNotIn("external_data", spec)
            self.assertEqual(spec["external_data_from"], stages)
            self.assertFalse(os.path.exists(path + ".data"))
            self.assertEqual(m["weights"]["bytes"], sum(g["external_data"]["bytes"] for g in m["graphs"].values() if "external_data" in g))
            proto = onnx.load(path, load_external_data=False)
            self.assertEqual(tensor_specs_of(proto), (spec["inputs"], spec["outputs"]))
            locations = {dict((e.key, e.value) for e in t.external_data)["location"] for t in proto.graph.initializer
                         if t.data_location == onnx.TensorProto.EXTERNAL}
            self.assertEqual(locations, {f"{s}.onnx.data" for s in stages})
            onnx.checker.check_model(onnx.load(path), full_check=True)  # with the weights, through the references
            self.assertLess(os.path.getsize(path), 300 * 1024)
        mha = [n for n in onnx.load(os.path.join(self.mono16, "denoiser.onnx"), load_external_data=False).graph.node
               if n.op_type == "MultiHeadAttention"]
        self.assertEqual(len(mha), 2 * 3)

    def test_monolithic_matches_chain(self):
        """chain == monolithic within 1e-5 (fp32; measured: identical), at batch 2 and 1."""
        self.assertLessEqual(manifest(self.mono)["graphs"]["denoiser"]["max_abs_error_vs_chain"], 1e-5)
        for batch in (2, 1):
            chain = run_chain(self.mono, batch=batch)
            mono = self.run_denoiser(self.mono, chain)
            self.assertEqual(mono.shape, (batch, 4, 3, 8, 8))
            self.assertGreater(float(np.abs(chain["velocity"]).max()), 1e-2)
            self.assertLess(float(np.abs(mono - chain["velocity"]).max()), 1e-5, batch)
        # it computes with the blocks' weights: another block_01 weights file changes its output
        pkg = os.path.join(self.tmp, "mono-damaged")
        shutil.copytree(self.mono, pkg)
        chain = run_chain(pkg)
        data = os.path.join(pkg, "block_01.onnx.data")
        a = np.fromfile(data, np.float32)
        (a * 2).tofile(data)
        self.assertGreater(float(np.abs(self.run_denoiser(pkg, chain) - chain["velocity"]).max()), 1e-4)

    def test_monolithic_fp16_matches_chain(self):
        """fp16 (fused): ONNX Runtime's CPU provider runs float16 nodes between Casts to float32 and drops Cast pairs
        where the chain's graph boundaries were, so the monolithic graph skips some float16 roundings the chain does:
        measured max |mono - chain| / max |chain| = 6.4e-4 at S (1.3 units of fp16 roundoff); bound 4e-3 as above."""
        chain = run_chain(self.mono16)
        mono = self.run_denoiser(self.mono16, chain)
        self.assertEqual(mono.dtype, np.float32)
        err = float(np.abs(mono - chain["velocity"]).max() / np.abs(chain["velocity"]).max())
        self.assertLess(err, 4e-3)
        self.assertLess(manifest(self.mono16)["graphs"]["denoiser"]["max_abs_error_vs_chain"], 4e-3)  # |velocity| < 1

    def test_monolithic_regen_and_check(self):
        # text_encoder, pre, 3 blocks, post, decoder: no weight file of the denoiser's own
        pkg = self.regenerated_copy(self.mono, "regen-mono", files=7)
        chain = run_chain(pkg)
        self.assertLess(float(np.abs(self.run_denoiser(pkg, chain) - chain["velocity"]).max()), 1e-5)
        # a reference that is not the stage's tensor is found by both modes
        path = os.path.join(pkg, "denoiser.onnx")
        proto = onnx.load(path, load_external_data=False)
        t = next(t for t in proto.graph.initializer if t.name.startswith("block_01/") and t.data_location == onnx.TensorProto.EXTERNAL)
        e = next(e for e in t.external_data if e.key == "offset")
        e.value = str(int(e.value) + 4096)
        onnx.save(proto, path)
        problems = regen_weights.shared_reference_problems(pkg, manifest(pkg), "denoiser")
        self.assertEqual(len(problems), 1, problems)
        self.assertIn(t.name, problems[0])
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            self.assertEqual(regen_weights.main([pkg, "--check"]), 1)
            self.assertEqual(regen_weights.main([pkg]), 1)

    # -- regenerated weights ----------------------------------------------------------------------------
    def test_regen_reproduces_weights_byte_for_byte(self):
        pkg = self.regenerated_copy(self.pkg, "regen")
        # a damaged file is found by --check and repaired by a regeneration
        path = os.path.join(pkg, "block_01.onnx.data")
        with open(path, "r+b") as f:
            f.seek(5000)
            f.write(b"\x01\x02")
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            self.assertEqual(regen_weights.main([pkg, "--check"]), 1)
            self.assertEqual(regen_weights.main([pkg, "--graphs", "block_01"]), 0)
            self.assertEqual(regen_weights.main([pkg, "--check"]), 0)
        # another seed gives other weights, which the manifest's sha256s reject
        m = manifest(pkg)
        m["source"]["generated"]["seed"] = SEED + 1
        with open(os.path.join(pkg, "manifest.json"), "w") as fh:
            json.dump(m, fh)
        with self.assertRaises(ValueError):
            regen_weights.regenerate(pkg, log=None)

    def test_values_are_a_function_of_seed_graph_name_shape(self):
        def values(*key):
            return np.concatenate(list(regen_weights.tensor_values(*key)))

        a = values(1, "block_00", "block.ffn.0.weight_t", [64, 32])
        self.assertTrue(np.array_equal(a, values(1, "block_00", "block.ffn.0.weight_t", [64, 32])))
        for other in ((2, "block_00", "block.ffn.0.weight_t", [64, 32]), (1, "block_01", "block.ffn.0.weight_t", [64, 32]),
                      (1, "block_00", "block.ffn.2.weight_t", [64, 32]), (1, "block_00", "block.ffn.0.weight_t", [32, 64])):
            self.assertFalse(np.array_equal(a, values(*other)), other)
        self.assertAlmostEqual(float(a.std()), regen_weights.STD, delta=0.003)
        self.assertTrue((values(1, "g", "block.self_attn.norm_q.weight", [8]) == 1).all())
        self.assertTrue((values(1, "g", "block.norm3.bias", [8]) == 0).all())
        # float16: the float32 draw, rounded to nearest
        h = values(1, "block_00", "block.ffn.0.weight_t", [64, 32], "float16")
        self.assertEqual(h.dtype, np.float16)
        self.assertTrue(np.array_equal(h, a.astype(np.float16)))
        # chunked generation: a tensor longer than CHUNK streams in pieces
        chunks = list(regen_weights.tensor_values(0, "g", "w", [regen_weights.CHUNK + 5]))
        self.assertEqual([len(c) for c in chunks], [regen_weights.CHUNK, 5])


@unittest.skipUnless(os.environ.get("LADDER_TEST_L"), "set LADDER_TEST_L=1 to build an L package (small grid, 2 blocks)")
class LadderLargeTest(unittest.TestCase):
    def test_l_two_blocks_small_grid(self):
        tmp = tempfile.mkdtemp(prefix="ladder-L-")
        try:
            t0 = time.time()
            m = quiet_build("L", "small", tmp, blocks=2, seed=0, validate_graphs=False)
            seconds = time.time() - t0
            self.assertEqual(m["architecture"]["dim"], 1536)
            self.assertEqual(m["scheduler"]["type"], "flow_match_unipc")
            per_block = m["graphs"]["block_00"]["external_data"]["bytes"]
            self.assertGreater(per_block, 180e6)
            small = sum(os.path.getsize(os.path.join(tmp, f)) for f in os.listdir(tmp) if not f.endswith(".data"))
            self.assertLess(small, 300 * 1024)
            print(f"\n  L, 2 blocks, small grid: {seconds:.0f}s, {m['weights']['bytes'] / 2**20:.0f} MiB of weights, "
                  f"{small / 1024:.0f} KiB without them")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
