"""The shipped package (models/tiny-wan): integrity, re-export, partition, and ORT-vs-PyTorch sampling."""
from helpers import CHECKPOINT, PACKAGE  # first: sys.path and BLAS thread settings before numpy/torch load
import contextlib
import hashlib
import io
import json
import os
import tempfile
import unittest

import numpy as np
import onnx
import torch

import export
import partition
from tinywan import data, ortrun
from tinywan.flow import sampling_sigmas


def load_manifest():
    with open(os.path.join(PACKAGE, "manifest.json")) as f:
        return json.load(f)


def random_inputs(specs, batch, seed):
    rng = np.random.default_rng(seed)
    feeds = {}
    for s in specs:
        shape = [batch if isinstance(d, str) else d for d in s["shape"]]
        if s["dtype"] == "int64":
            feeds[s["name"]] = rng.integers(0, 20, size=shape).astype(np.int64)
        elif s["name"] == "timestep":
            feeds[s["name"]] = rng.uniform(0, 1000, size=shape).astype(np.float32)
        else:
            scale = 0.1 if s["name"] == "e0" else 1.0
            feeds[s["name"]] = (rng.standard_normal(shape) * scale).astype(np.float32)
    return feeds


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.manifest = load_manifest()

    def test_files_and_checksums(self):
        for name, g in self.manifest["graphs"].items():
            path = os.path.join(PACKAGE, g["file"])
            with open(path, "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), g["sha256"], name)
            proto = onnx.load(path, load_external_data=False)
            self.assertGreaterEqual(proto.opset_import[0].version, 17)
            self.assertEqual([i.name for i in proto.graph.input], [s["name"] for s in g["inputs"]])
            self.assertEqual([o.name for o in proto.graph.output], [s["name"] for s in g["outputs"]])
            for s in g["inputs"] + g["outputs"]:
                self.assertEqual(s["shape"][0], "batch", f"{name}.{s['name']} must have a dynamic batch dim")
        L = self.manifest["blocks"]["count"]
        self.assertGreaterEqual(L, 12)
        self.assertEqual(self.manifest["blocks"]["candidates"], [L // 4, L // 2, 3 * L // 4])
        for i in range(L):
            self.assertIn(f"block_{i:02d}", self.manifest["graphs"])

    def test_package_size_budget(self):
        total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(PACKAGE) for f in fs)
        self.assertLessEqual(total, 40 * 1024 * 1024)

    def test_reexport_matches_shipped_graphs(self):
        tw = export.load_checkpoint(CHECKPOINT)
        with tempfile.TemporaryDirectory() as tmp:
            fresh = export.export_package(tw, tmp, "tiny-wan", dict(export.DEFAULT_SCHEDULER), {})
            for name, g in self.manifest["graphs"].items():
                feeds = random_inputs(g["inputs"], 2, seed=len(name))
                outs = [o["name"] for o in g["outputs"]]
                with ortrun.Session(os.path.join(PACKAGE, g["file"])) as a, ortrun.Session(os.path.join(tmp, g["file"])) as b:
                    for x, y in zip(a.run(outs, feeds), b.run(outs, feeds)):
                        np.testing.assert_allclose(x, y, atol=1e-5, err_msg=name)
                self.assertLess(fresh["graphs"][name]["max_abs_error_vs_pytorch"], 1e-4, name)

    def test_partitioned_denoiser_matches_block_graphs(self):
        with tempfile.TemporaryDirectory() as tmp:
            info = partition.partition(os.path.join(PACKAGE, "denoiser.onnx"), tmp, r"^/blocks\.(\d+)/")
            self.assertEqual(info["block_count"], self.manifest["blocks"]["count"])
            for name in ["pre", "post"] + [f"block_{i:02d}" for i in range(info["block_count"])]:
                g = self.manifest["graphs"][name]
                feeds = random_inputs(g["inputs"], 2, seed=7)
                outs = [o["name"] for o in g["outputs"]]
                with ortrun.Session(os.path.join(PACKAGE, g["file"])) as a, ortrun.Session(os.path.join(tmp, f"{name}.onnx")) as b:
                    for x, y in zip(a.run(outs, feeds), b.run(outs, feeds)):
                        np.testing.assert_allclose(x, y, atol=1e-5, err_msg=name)

    def test_chained_onnx_sampling_matches_pytorch_reference(self):
        """10 Euler+CFG steps through text_encoder -> pre -> blocks -> post (ORT) vs the PyTorch reference."""
        ref_dir = os.path.join(PACKAGE, "reference")
        with open(os.path.join(ref_dir, "reference.json")) as f:
            ref = json.load(f)
        m = self.manifest
        sess = {n: ortrun.Session(os.path.join(PACKAGE, g["file"])) for n, g in m["graphs"].items()
                if n not in ("denoiser", "decoder")}
        try:
            tokens = np.stack([data.tokenize(ref["prompt"]), data.tokenize("")])
            ctx_raw = sess["text_encoder"].run(["context_raw"], {"tokens": tokens})[0]
            x = np.load(os.path.join(ref_dir, ref["noise"]))
            sigmas = sampling_sigmas(10, ref["shift"]).numpy()
            for k in range(10):
                t = np.full(2, sigmas[k] * 1000.0, dtype=np.float32)
                h, e, e0, ctx = sess["pre"].run(["hidden", "e", "e0", "context"],
                                                {"latent": np.concatenate([x, x]), "timestep": t, "context_raw": ctx_raw})
                for i in range(m["blocks"]["count"]):
                    h = sess[f"block_{i:02d}"].run(["hidden_out"], {"hidden": h, "e0": e0, "context": ctx})[0]
                v = sess["post"].run(["velocity"], {"hidden": h, "e": e})[0]
                v = v[1:] + ref["guidance"] * (v[:1] - v[1:])
                x = x + np.float32(sigmas[k + 1] - sigmas[k]) * v
        finally:
            for s in sess.values():
                s.close()
        expected = np.load(os.path.join(ref_dir, "latent_steps10.npy"))
        self.assertLess(float(np.abs(x - expected).max()), 1e-3)


if __name__ == "__main__":
    unittest.main()


class ShippedSamplerTest(unittest.TestCase):
    """Guidance/shift chosen for a checkpoint travel with its weights (tiny-wan.pt -> manifest, evaluate.py)."""

    def test_checkpoint_without_sampler_entry_uses_the_default_scheduler(self):
        tw = export.load_checkpoint(CHECKPOINT)
        with open(os.path.join(PACKAGE, "manifest.json")) as f:
            declared = json.load(f)["scheduler"]
        self.assertEqual((tw.scheduler["shift"], tw.scheduler["guidance"]), (declared["shift"], declared["guidance"]))

    def test_ship_from_stores_the_chosen_sampler_with_the_weights(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "tiny-wan.pt")
            export.round_trip_fp16(CHECKPOINT, out, {"guidance": 12.0})
            tw = export.load_checkpoint(out)
            self.assertEqual(tw.scheduler["guidance"], 12.0)
            self.assertEqual(tw.scheduler["shift"], export.DEFAULT_SCHEDULER["shift"])
            self.assertEqual(tw.scheduler["steps"], export.DEFAULT_SCHEDULER["steps"])
            self.assertEqual(os.listdir(tmp), ["tiny-wan.pt"])  # no temp file left behind

    def test_guidance_without_ship_from_is_a_usage_error(self):
        with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stderr(io.StringIO()) as err:
            with self.assertRaises(SystemExit) as ex:
                export.main(["--checkpoint", CHECKPOINT, "--out", tmp, "--guidance", "12"])
            self.assertEqual(ex.exception.code, 2)
            self.assertIn("use them with --ship-from", err.getvalue())
            self.assertEqual(os.listdir(tmp), [])
