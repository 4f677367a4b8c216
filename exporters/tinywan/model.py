"""Wan2.1-structured video DiT, written for ONNX export.

Structure and parameter names follow Wan2.1's ``wan/modules/model.py`` (WanModel):
``patch_embedding`` (Conv3d), ``text_embedding`` (Linear-GELU(tanh)-Linear), ``time_embedding``
(Linear-SiLU-Linear on a sinusoidal embedding), ``time_projection`` (SiLU-Linear to 6*dim),
``blocks.N.{norm1,self_attn.{q,k,v,o,norm_q,norm_k},norm3,cross_attn.{...},norm2,ffn.{0,2},modulation}``
and ``head.{norm,head,modulation}``. A state dict of the official checkpoint therefore loads
into :class:`WanModel` unchanged (see ``wan_checkpoint.py``).

Differences that keep the math identical but make the graph exportable:
* RoPE is applied with real cos/sin tables instead of complex multiplication (same pairing of
  adjacent channels as ``torch.view_as_complex``), computed for a fixed (F, H, W) grid.
* Attention is plain softmax attention (Wan's flash_attention without padding masks: all sequences
  in a batch have the same length and the text context is zero-padded like Wan's).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict, field
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class WanConfig:
    """Architecture config; the field names match Wan2.1's ``config.json``."""

    model_type: str = "t2v"
    patch_size: Sequence[int] = (1, 2, 2)
    text_len: int = 16
    in_dim: int = 4
    dim: int = 128
    ffn_dim: int = 512
    freq_dim: int = 256
    text_dim: int = 64
    out_dim: int = 4
    num_heads: int = 4
    num_layers: int = 12
    qk_norm: bool = True
    cross_attn_norm: bool = True
    eps: float = 1e-6

    def to_dict(self) -> dict:
        d = asdict(self)
        d["patch_size"] = list(self.patch_size)
        return d

    @staticmethod
    def from_dict(d: dict) -> "WanConfig":
        known = {k: v for k, v in d.items() if k in WanConfig.__dataclass_fields__}
        if "patch_size" in known:
            known["patch_size"] = tuple(known["patch_size"])
        return WanConfig(**known)


def sinusoidal_embedding_1d(dim: int, position: torch.Tensor) -> torch.Tensor:
    """cat(cos, sin) of position * 10000^(-i/half), as in Wan (float32 here for export)."""
    half = dim // 2
    exponent = torch.arange(half, dtype=torch.float32, device=position.device) / half
    freqs = torch.pow(torch.tensor(10000.0, device=position.device), -exponent)
    sinusoid = position.float()[:, None] * freqs[None, :]
    return torch.cat([torch.cos(sinusoid), torch.sin(sinusoid)], dim=1)


def rope_tables(head_dim: int, grid: Sequence[int], theta: float = 10000.0) -> tuple[torch.Tensor, torch.Tensor]:
    """cos/sin tables [S, head_dim/2] for Wan's 3D RoPE over (frames, height, width).

    Wan splits the head_dim/2 complex pairs as [c - 2*(c//3), c//3, c//3] for (f, h, w),
    each with its own frequency ladder built over its own sub-dimension.
    """
    c = head_dim // 2
    f, h, w = grid
    parts = [c - 2 * (c // 3), c // 3, c // 3]

    def ladder(n_pairs: int, length: int) -> torch.Tensor:
        sub_dim = 2 * n_pairs
        inv = 1.0 / torch.pow(theta, torch.arange(0, sub_dim, 2, dtype=torch.float64) / sub_dim)
        return torch.outer(torch.arange(length, dtype=torch.float64), inv)  # [length, n_pairs]

    af, ah, aw = ladder(parts[0], f), ladder(parts[1], h), ladder(parts[2], w)
    angles = torch.cat([
        af[:, None, None, :].expand(f, h, w, parts[0]),
        ah[None, :, None, :].expand(f, h, w, parts[1]),
        aw[None, None, :, :].expand(f, h, w, parts[2]),
    ], dim=-1).reshape(f * h * w, c)
    return torch.cos(angles).float(), torch.sin(angles).float()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x: [B, S, N, D]; rotates adjacent channel pairs (x0, x1) like view_as_complex(x) * e^(i*angle)."""
    b, s, n, d = x.shape
    xp = x.reshape(b, s, n, d // 2, 2)
    x0, x1 = xp[..., 0], xp[..., 1]
    c = cos[None, :, None, :]
    si = sin[None, :, None, :]
    out = torch.stack([x0 * c - x1 * si, x0 * si + x1 * c], dim=-1)
    return out.reshape(b, s, n, d)


def in_float32(forward, x: torch.Tensor) -> torch.Tensor:
    """forward(x) computed in float32 and cast back: as Wan does for norms under mixed precision. The float32 path
    (training in fp32, every export) calls forward directly, so exported graphs get no extra casts."""
    return forward(x) if x.dtype == torch.float32 else forward(x.float()).type_as(x)


class WanRMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return in_float32(lambda v: v * torch.rsqrt(v.pow(2).mean(dim=-1, keepdim=True) + self.eps) * self.weight, x)


class TanhGELU(nn.GELU):
    """Wan's FFN activation. Under bfloat16 autocast it runs in float32: torch 1.13's bfloat16 GELU kernels are
    scalar and took a quarter of a training step (no parameters; a no-op in exported graphs)."""

    def __init__(self):
        super().__init__(approximate="tanh")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return in_float32(super().forward, x)


class WanLayerNorm(nn.LayerNorm):
    def __init__(self, dim: int, eps: float = 1e-6, elementwise_affine: bool = False):
        super().__init__(dim, elementwise_affine=elementwise_affine, eps=eps)
        if not elementwise_affine:
            # torch 1.13 exports a weight-less layer_norm as an invalid LayerNormalization node;
            # constant (non-persistent) unit scale / zero shift keep the state dict identical to Wan's.
            self.register_buffer("unit_scale", torch.ones(dim), persistent=False)
            self.register_buffer("zero_shift", torch.zeros(dim), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.elementwise_affine:
            return in_float32(super().forward, x)
        return in_float32(lambda v: F.layer_norm(v, self.normalized_shape, self.unit_scale, self.zero_shift, self.eps), x)


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """q: [B, Sq, N, D], k/v: [B, Sk, N, D] -> [B, Sq, N*D]."""
    b, sq, n, d = q.shape
    q = q.transpose(1, 2)
    k = k.transpose(1, 2)
    v = v.transpose(1, 2)
    w = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(d)), dim=-1)
    return torch.matmul(w, v).transpose(1, 2).reshape(b, sq, n * d)


class WanSelfAttention(nn.Module):
    def __init__(self, dim: int, num_heads: int, qk_norm: bool = True, eps: float = 1e-6):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.o = nn.Linear(dim, dim)
        self.norm_q = WanRMSNorm(dim, eps=eps) if qk_norm else nn.Identity()
        self.norm_k = WanRMSNorm(dim, eps=eps) if qk_norm else nn.Identity()

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        b, s, _ = x.shape
        n, d = self.num_heads, self.head_dim
        q = self.norm_q(self.q(x)).view(b, s, n, d)
        k = self.norm_k(self.k(x)).view(b, s, n, d)
        v = self.v(x).view(b, s, n, d)
        return self.o(attention(apply_rope(q, cos, sin), apply_rope(k, cos, sin), v))


class WanT2VCrossAttention(WanSelfAttention):
    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        b = x.shape[0]
        n, d = self.num_heads, self.head_dim
        q = self.norm_q(self.q(x)).view(b, -1, n, d)
        k = self.norm_k(self.k(context)).view(b, -1, n, d)
        v = self.v(context).view(b, -1, n, d)
        return self.o(attention(q, k, v))


class WanAttentionBlock(nn.Module):
    def __init__(self, cfg: WanConfig):
        super().__init__()
        dim = cfg.dim
        self.norm1 = WanLayerNorm(dim, cfg.eps)
        self.self_attn = WanSelfAttention(dim, cfg.num_heads, cfg.qk_norm, cfg.eps)
        self.norm3 = WanLayerNorm(dim, cfg.eps, elementwise_affine=True) if cfg.cross_attn_norm else nn.Identity()
        self.cross_attn = WanT2VCrossAttention(dim, cfg.num_heads, cfg.qk_norm, cfg.eps)
        self.norm2 = WanLayerNorm(dim, cfg.eps)
        self.ffn = nn.Sequential(nn.Linear(dim, cfg.ffn_dim), TanhGELU(), nn.Linear(cfg.ffn_dim, dim))
        self.modulation = nn.Parameter(torch.randn(1, 6, dim) / dim ** 0.5)

    def forward(self, x, e0, context, cos, sin):
        """x: [B, S, C]; e0: [B, 6, C]; context: [B, L, C]."""
        e = (self.modulation + e0).chunk(6, dim=1)
        y = self.self_attn(self.norm1(x) * (1 + e[1]) + e[0], cos, sin)
        x = x + y * e[2]
        x = x + self.cross_attn(self.norm3(x), context)
        y = self.ffn(self.norm2(x) * (1 + e[4]) + e[3])
        return x + y * e[5]


class Head(nn.Module):
    def __init__(self, cfg: WanConfig):
        super().__init__()
        out = math.prod(cfg.patch_size) * cfg.out_dim
        self.norm = WanLayerNorm(cfg.dim, cfg.eps)
        self.head = nn.Linear(cfg.dim, out)
        self.modulation = nn.Parameter(torch.randn(1, 2, cfg.dim) / cfg.dim ** 0.5)

    def forward(self, x, e):
        e = (self.modulation + e.unsqueeze(1)).chunk(2, dim=1)
        return self.head(self.norm(x) * (1 + e[1]) + e[0])


class WanModel(nn.Module):
    """Wan2.1 T2V DiT. ``forward`` = ``pre`` -> ``blocks`` -> ``post``, the three export stages."""

    def __init__(self, cfg: WanConfig, grid: Sequence[int]):
        super().__init__()
        self.cfg = cfg
        self.grid = tuple(grid)  # latent (F, H, W) before patching
        p = cfg.patch_size
        self.token_grid = (grid[0] // p[0], grid[1] // p[1], grid[2] // p[2])
        dim = cfg.dim
        self.patch_embedding = nn.Conv3d(cfg.in_dim, dim, kernel_size=tuple(p), stride=tuple(p))
        self.text_embedding = nn.Sequential(nn.Linear(cfg.text_dim, dim), TanhGELU(), nn.Linear(dim, dim))
        self.time_embedding = nn.Sequential(nn.Linear(cfg.freq_dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.time_projection = nn.Sequential(nn.SiLU(), nn.Linear(dim, dim * 6))
        self.blocks = nn.ModuleList([WanAttentionBlock(cfg) for _ in range(cfg.num_layers)])
        self.head = Head(cfg)
        cos, sin = rope_tables(dim // cfg.num_heads, self.token_grid)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.init_weights()

    def init_weights(self) -> None:
        # Wan's init: xavier for linears, zeros for the output head.
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        nn.init.xavier_uniform_(self.patch_embedding.weight.flatten(1))
        for m in self.text_embedding.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.02)
        for m in self.time_embedding.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.02)
        nn.init.zeros_(self.head.head.weight)

    # --- export stages -------------------------------------------------------------------
    def pre(self, latent: torch.Tensor, timestep: torch.Tensor, context_raw: torch.Tensor):
        """latent [B, C, F, H, W], timestep [B] (0..1000), context_raw [B, L, text_dim]
        -> x [B, S, dim], e [B, dim], e0 [B, 6, dim], context [B, L, dim]."""
        x = self.patch_embedding(latent).flatten(2).transpose(1, 2)
        e = self.time_embedding(sinusoidal_embedding_1d(self.cfg.freq_dim, timestep))
        e0 = self.time_projection(e).reshape(-1, 6, self.cfg.dim)
        context = self.text_embedding(context_raw)
        return x, e, e0, context

    def block(self, i: int, x, e0, context):
        return self.blocks[i](x, e0, context, self.rope_cos, self.rope_sin)

    def post(self, x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        return self.unpatchify(self.head(x, e))

    def unpatchify(self, x: torch.Tensor) -> torch.Tensor:
        f, h, w = self.token_grid
        p = self.cfg.patch_size
        c = self.cfg.out_dim
        x = x.reshape(-1, f, h, w, p[0], p[1], p[2], c)
        x = x.permute(0, 7, 1, 4, 2, 5, 3, 6)  # b c f p h q w r
        return x.reshape(-1, c, f * p[0], h * p[1], w * p[2])

    def forward(self, latent, timestep, context_raw):
        x, e, e0, context = self.pre(latent, timestep, context_raw)
        for i in range(len(self.blocks)):
            x = self.block(i, x, e0, context)
        return self.post(x, e)


class TextEncoderLayer(nn.Module):
    def __init__(self, dim: int, heads: int, ffn: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.o = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.ffn = nn.Sequential(nn.Linear(dim, ffn), TanhGELU(), nn.Linear(ffn, dim))

    def forward(self, x, key_bias):
        b, s, c = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, s, 3, self.heads, c // self.heads).unbind(2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        logits = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(c // self.heads)) + key_bias
        y = torch.matmul(torch.softmax(logits, dim=-1), v).transpose(1, 2).reshape(b, s, c)
        x = x + self.o(y)
        return x + self.ffn(self.norm2(x))


class TextEncoder(nn.Module):
    """The umT5 stand-in: word ids [B, L] (0 = pad) -> context [B, L, text_dim], zero at pad positions
    (Wan zero-pads the T5 output to text_len the same way), so the empty prompt is an all-zero context."""

    def __init__(self, vocab_size: int, text_len: int, dim: int = 64, layers: int = 2, heads: int = 4):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, dim)
        self.pos_embedding = nn.Parameter(torch.randn(1, text_len, dim) * 0.02)
        self.layers = nn.ModuleList([TextEncoderLayer(dim, heads, 2 * dim) for _ in range(layers)])
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = (tokens != 0).float()  # [B, L]
        # Pad keys are masked out; a query row that is all pad still needs a finite softmax, so the
        # bias is large-negative, not -inf.
        key_bias = ((1.0 - mask) * -1e4)[:, None, None, :]
        x = self.token_embedding(tokens) + self.pos_embedding
        for layer in self.layers:
            x = layer(x, key_bias)
        return self.norm(x) * mask[:, :, None]


class FrameAutoencoder(nn.Module):
    """Per-frame autoencoder: RGB 32x32 in [-1, 1] <-> latent 4x8x8 (stride 4), the tiny counterpart of
    Wan's VAE (no temporal compression). Latents are normalised by per-channel mean/std stored in the
    buffers, so the diffusion model sees roughly unit-variance inputs."""

    def __init__(self, channels: int = 4, width: int = 48):
        super().__init__()
        w = width
        self.encoder = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1), nn.SiLU(),
            nn.Conv2d(w, w, 4, stride=2, padding=1), nn.SiLU(),
            nn.Conv2d(w, w, 4, stride=2, padding=1), nn.SiLU(),
            nn.Conv2d(w, channels, 3, padding=1),
        )
        self.decoder = nn.Sequential(
            nn.Conv2d(channels, w, 3, padding=1), nn.SiLU(),
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(w, w, 3, padding=1), nn.SiLU(),
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(w, w, 3, padding=1), nn.SiLU(),
            nn.Conv2d(w, 3, 3, padding=1),
        )
        self.register_buffer("latent_mean", torch.zeros(channels))
        self.register_buffer("latent_std", torch.ones(channels))

    def encode_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """frames [N, 3, 32, 32] in [-1, 1] -> raw latents [N, C, 8, 8]."""
        return self.encoder(frames)

    def decode_frames(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.decoder(z))

    def encode(self, video: torch.Tensor) -> torch.Tensor:
        """video [B, 3, F, H, W] in [-1, 1] -> normalised latent [B, C, F, h, w]."""
        b, _, f, h, w = video.shape
        z = self.encode_frames(video.transpose(1, 2).reshape(b * f, 3, h, w))
        z = (z - self.latent_mean[None, :, None, None]) / self.latent_std[None, :, None, None]
        return z.reshape(b, f, *z.shape[1:]).transpose(1, 2)

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """normalised latent [B, C, F, h, w] -> video [B, 3, F, H, W] in [-1, 1]."""
        b, c, f, h, w = latent.shape
        z = latent.transpose(1, 2).reshape(b * f, c, h, w)
        z = z * self.latent_std[None, :, None, None] + self.latent_mean[None, :, None, None]
        x = self.decode_frames(z)
        return x.reshape(b, f, *x.shape[1:]).transpose(1, 2)
