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
    out.update(context_raw=ctx, hidden_pre=hidden, e=e, e0=e0, context=context)
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
        t0 = time.time()
        quiet_build("S", "small", cls.pkg, blocks=2, seed=SEED)
        quiet_build("S", "small", cls.fused, blocks=2, seed=SEED, attention="fused")
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
        self.assertEqual(21 * 30 * 52, 32760)

    def test_committed_size_is_small(self):
        """Without its .data files a package is kilobytes: that is what is committed or shipped."""
        for pkg in (self.pkg, self.fused):
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

    # -- regenerated weights ----------------------------------------------------------------------------
    def test_regen_reproduces_weights_byte_for_byte(self):
        pkg = os.path.join(self.tmp, "regen")
        shutil.copytree(self.pkg, pkg)
        before = {f: regen_weights.file_sha256(os.path.join(pkg, f)) for f in os.listdir(pkg) if f.endswith(".data")}
        self.assertEqual(len(before), 6)
        for f in before:
            os.remove(os.path.join(pkg, f))
        with redirect_stdout(io.StringIO()):
            self.assertEqual(regen_weights.main([pkg]), 0)
            self.assertEqual(regen_weights.main([pkg, "--check"]), 0)
        after = {f: regen_weights.file_sha256(os.path.join(pkg, f)) for f in os.listdir(pkg) if f.endswith(".data")}
        self.assertEqual(before, after)
        # manifest and graphs untouched
        self.assertEqual(manifest(pkg), manifest(self.pkg))
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
