"""The real-model path: the official Wan2.1 checkpoint layout, on a randomly initialised reduced config."""
from helpers import EXPORTERS  # noqa: F401  (first: sys.path and BLAS thread settings before numpy/torch load)
import json
import os
import tempfile
import unittest

import onnx
import torch

import export
from tinywan.model import WanConfig, WanModel
from tinywan.wan_checkpoint import load_config, load_wan_dir, read_safetensors, write_safetensors

# Official config.json keys of Wan2.1-T2V (values reduced); text_dim/patch_size are implied defaults.
REDUCED = {"_class_name": "WanModel", "_diffusers_version": "0.30.0", "model_type": "t2v", "dim": 48,
           "ffn_dim": 96, "freq_dim": 256, "in_dim": 16, "out_dim": 16, "num_heads": 2, "num_layers": 2,
           "text_len": 12, "eps": 1e-06}


def write_wan_dir(root: str, model: WanModel) -> None:
    with open(os.path.join(root, "config.json"), "w") as f:
        json.dump(REDUCED, f)
    state = model.state_dict()
    keys = sorted(state)
    shards = {"diffusion_pytorch_model-00001-of-00002.safetensors": keys[: len(keys) // 2],
              "diffusion_pytorch_model-00002-of-00002.safetensors": keys[len(keys) // 2:]}
    weight_map = {}
    for fname, names in shards.items():
        write_safetensors({k: state[k] for k in names}, os.path.join(root, fname), dtype="BF16")
        weight_map.update({k: fname for k in names})
    with open(os.path.join(root, "diffusion_pytorch_model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f)


class WanLayoutTest(unittest.TestCase):
    def test_config_defaults_are_wan_t2v(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "config.json"), "w") as f:
                json.dump(REDUCED, f)
            cfg = load_config(d)
        self.assertEqual((cfg.text_dim, tuple(cfg.patch_size), cfg.qk_norm, cfg.cross_attn_norm), (4096, (1, 2, 2), True, True))

    def test_bf16_safetensors_round_trip(self):
        t = {"a": torch.tensor([[1.0, -2.5], [3.140625, 0.0]]), "b": torch.arange(5.0)}
        with tempfile.TemporaryDirectory() as d:
            write_safetensors(t, os.path.join(d, "x.safetensors"), dtype="BF16")
            back = read_safetensors(os.path.join(d, "x.safetensors"))
        torch.testing.assert_close(back["a"], t["a"])  # all values exactly representable in bf16
        torch.testing.assert_close(back["b"], t["b"])

    def test_sharded_official_layout_exports_a_package(self):
        cfg = WanConfig.from_dict({**REDUCED, "text_dim": 4096})
        grid = (2, 4, 4)
        torch.manual_seed(0)
        model = WanModel(cfg, grid)
        torch.nn.init.normal_(model.head.head.weight, std=0.02)  # Wan zero-inits the head; make output non-trivial
        with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as out:
            write_wan_dir(d, model)
            tw = load_wan_dir(d, grid)
            # bf16 storage rounds the weights; the loaded model must equal the rounded originals
            for k, v in model.state_dict().items():
                torch.testing.assert_close(tw.model.state_dict()[k], v.bfloat16().float())
            self.assertEqual((tw.scheduler["type"], tw.scheduler["shift"], tw.scheduler["guidance"]), ("flow_match_unipc", 5.0, 5.0),
                             "a Wan2.1 package samples like Wan: UniPC, shift 5, guidance 5")
            manifest = export.export_package(tw, out, "wan-reduced", dict(export.DEFAULT_SCHEDULER), {})
            self.assertNotIn("text_encoder", manifest["graphs"])
            self.assertEqual(manifest["blocks"]["count"], 2)
            self.assertEqual(manifest["graphs"]["pre"]["inputs"][2]["shape"], ["batch", 12, 4096])
            for name, g in manifest["graphs"].items():
                self.assertLess(g["max_abs_error_vs_pytorch"], 1e-4, name)
            # as `export.py --wan-dir` writes them: weights as ONNX external data beside each graph
            ext = os.path.join(out, "external")
            manifest = export.export_package(tw, ext, "wan-reduced", dict(tw.scheduler), {}, external=True)
            for name, g in manifest["graphs"].items():
                self.assertLess(g["max_abs_error_vs_pytorch"], 1e-4, name)
                proto = onnx.load(os.path.join(ext, g["file"]), load_external_data=False)
                external = [t.name for t in proto.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
                self.assertTrue(external, f"{name}: weights are external data")
                self.assertTrue(os.path.exists(os.path.join(ext, g["file"] + ".data")), name)


if __name__ == "__main__":
    unittest.main()
