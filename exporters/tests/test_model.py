"""Structure of the Wan2.1-style DiT, checked against independent formulations."""
from helpers import EXPORTERS  # noqa: F401  (first: sys.path and BLAS thread settings before numpy/torch load)
import unittest

import numpy as np
import torch

from tinywan.model import TanhGELU, WanConfig, WanLayerNorm, WanModel, WanRMSNorm, apply_rope, rope_tables, sinusoidal_embedding_1d


def complex_rope_reference(x, grid, theta=10000.0):
    """Wan's formulation: complex frequencies per (f, h, w) part, x viewed as complex pairs."""
    b, s, n, d = x.shape
    c = d // 2
    f, h, w = grid
    parts = [c - 2 * (c // 3), c // 3, c // 3]
    freqs = []
    for length, pairs in zip((f, h, w), parts):
        sub = 2 * pairs
        inv = 1.0 / theta ** (torch.arange(0, sub, 2, dtype=torch.float64) / sub)
        ang = torch.outer(torch.arange(length, dtype=torch.float64), inv)
        freqs.append(torch.polar(torch.ones_like(ang), ang))
    full = torch.cat([freqs[0][:, None, None, :].expand(f, h, w, -1), freqs[1][None, :, None, :].expand(f, h, w, -1),
                      freqs[2][None, None, :, :].expand(f, h, w, -1)], dim=-1).reshape(s, 1, c)
    xc = torch.view_as_complex(x.double().reshape(b, s, n, c, 2))
    return torch.view_as_real(xc * full).reshape(b, s, n, d).float()


class ModelStructureTest(unittest.TestCase):
    def test_rope_matches_complex_formulation(self):
        grid = (3, 4, 5)
        x = torch.randn(2, 60, 2, 32)
        cos, sin = rope_tables(32, grid)
        np.testing.assert_allclose(apply_rope(x, cos, sin).numpy(), complex_rope_reference(x, grid).numpy(), atol=1e-5)

    def test_sinusoidal_embedding_is_cos_then_sin(self):
        t = torch.tensor([0.0, 500.0])
        emb = sinusoidal_embedding_1d(8, t)
        expected = [[np.cos(p * 10000 ** (-i / 4)) for i in range(4)] + [np.sin(p * 10000 ** (-i / 4)) for i in range(4)]
                    for p in (0.0, 500.0)]
        np.testing.assert_allclose(emb.numpy(), np.array(expected), rtol=1e-4, atol=1e-4)

    def test_unpatchify_inverts_patch_layout(self):
        cfg = WanConfig(num_layers=1, dim=32, num_heads=2, ffn_dim=64, in_dim=4, out_dim=4)
        m = WanModel(cfg, (2, 4, 6))
        video = torch.randn(1, 4, 2, 4, 6)
        # patchify by hand: tokens in (f, h, w) order, each token's features in (p, q, r, c) order
        tokens = video.reshape(1, 4, 2, 1, 2, 2, 3, 2).permute(0, 2, 4, 6, 3, 5, 7, 1).reshape(1, 12, 16)
        torch.testing.assert_close(m.unpatchify(tokens), video)

    def test_parameter_names_follow_wan(self):
        names = set(WanModel(WanConfig(num_layers=2), (2, 4, 4)).state_dict())
        for key in ["patch_embedding.weight", "text_embedding.0.weight", "text_embedding.2.weight",
                    "time_embedding.0.weight", "time_embedding.2.weight", "time_projection.1.weight",
                    "blocks.1.self_attn.q.weight", "blocks.1.self_attn.norm_q.weight", "blocks.1.self_attn.norm_k.weight",
                    "blocks.1.cross_attn.o.bias", "blocks.1.norm3.weight", "blocks.1.norm3.bias",
                    "blocks.1.ffn.0.weight", "blocks.1.ffn.2.weight", "blocks.1.modulation",
                    "head.head.weight", "head.modulation"]:
            self.assertIn(key, names)
        self.assertFalse(any("unit_scale" in n or "rope" in n for n in names))


class MixedPrecisionTest(unittest.TestCase):
    """train.py --precision bf16: norms and GELU run in float32 (as in Wan), the rest in bfloat16."""

    def test_norms_and_gelu_compute_in_float32_for_bfloat16_input(self):
        torch.manual_seed(0)
        x = (torch.randn(2, 5, 48) * 3 + 1).to(torch.bfloat16)
        for module in (WanLayerNorm(48), WanLayerNorm(48, elementwise_affine=True), WanRMSNorm(48), TanhGELU()):
            y = module(x)
            self.assertEqual(y.dtype, torch.bfloat16, type(module).__name__)
            # the float32 result rounded once to bfloat16 (an accumulation in bfloat16 would differ by more)
            torch.testing.assert_close(y, module(x.float()).to(torch.bfloat16), rtol=0, atol=0)

    def test_bfloat16_autocast_forward_stays_close_to_float32(self):
        torch.manual_seed(0)
        cfg = WanConfig(num_layers=2, dim=48, num_heads=2, ffn_dim=96, in_dim=4, out_dim=4, text_dim=32, text_len=6)
        m = WanModel(cfg, (2, 4, 4)).eval()
        torch.nn.init.normal_(m.head.head.weight, std=0.05)  # Wan's init zeroes the head; give it an output
        latent, t, ctx = torch.randn(2, 4, 2, 4, 4), torch.tensor([900.0, 100.0]), torch.randn(2, 6, 32)
        with torch.no_grad():
            ref = m(latent, t, ctx)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                mixed = m(latent, t, ctx)
        rel = ((mixed.float() - ref).norm() / ref.norm()).item()
        self.assertLess(rel, 0.03)  # bfloat16 keeps 8 bits of mantissa: ~0.4% per rounding
        self.assertGreater(rel, 0.0)  # the autocast path really ran in reduced precision


if __name__ == "__main__":
    unittest.main()
