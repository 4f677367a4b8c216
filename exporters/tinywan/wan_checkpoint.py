"""Load the official Wan2.1 T2V checkpoint layout into :class:`WanModel`.

Layout (as published for Wan2.1-T2V-1.3B / -14B): a directory with ``config.json`` (WanModel config:
dim, ffn_dim, freq_dim, in_dim, out_dim, num_heads, num_layers, text_len, eps, model_type) and either
``diffusion_pytorch_model.safetensors`` or shards ``diffusion_pytorch_model-0000k-of-0000n.safetensors``
listed in ``diffusion_pytorch_model.safetensors.index.json``. Parameter names are WanModel's own, so
they load into our module unchanged. Weights may be BF16, F16 or F32; we compute in float32.

The safetensors reader is our own (the format is an 8-byte little-endian header length, a JSON header
of name -> dtype/shape/data_offsets, then the raw little-endian data), so no extra package is needed.

Only the DiT is exported from such a directory: Wan's umT5 text encoder and its 3D causal VAE are
separate models; a package exported this way has no text_encoder/decoder graphs and takes the umT5
context (``context_raw`` [B, text_len, 4096]) as input. Real Wan2.1 weights were never run here.
"""
from __future__ import annotations

import glob
import json
import os
import struct

import numpy as np
import torch

from .model import WanConfig, WanModel

# Values WanModel's constructor uses when config.json does not name them (Wan2.1 T2V).
WAN_DEFAULTS = {"model_type": "t2v", "patch_size": [1, 2, 2], "text_len": 512, "in_dim": 16, "dim": 2048,
                "ffn_dim": 8192, "freq_dim": 256, "text_dim": 4096, "out_dim": 16, "num_heads": 16,
                "num_layers": 32, "qk_norm": True, "cross_attn_norm": True, "eps": 1e-6}

_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "F64": np.float64, "I64": np.int64}


def read_safetensors(path: str) -> dict[str, torch.Tensor]:
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        base = 8 + n
        out = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            if info["dtype"] not in _DTYPES:
                raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
            begin, end = info["data_offsets"]
            f.seek(base + begin)
            raw = np.frombuffer(f.read(end - begin), dtype=_DTYPES[info["dtype"]])
            if info["dtype"] == "BF16":  # bfloat16 = upper half of a float32
                raw = (raw.astype(np.uint32) << 16).view(np.float32)
            out[name] = torch.from_numpy(raw.astype(np.float32, copy=False).reshape(info["shape"]).copy())
    return out


def write_safetensors(tensors: dict[str, torch.Tensor], path: str, dtype: str = "F32") -> None:
    """Writer for tests (and for users who want to re-save weights)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().float().contiguous().numpy()
        if dtype == "BF16":
            u = a.view(np.uint32).astype(np.uint64)
            b = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16).tobytes()  # round to nearest even
        elif dtype == "F16":
            b = a.astype(np.float16).tobytes()
        else:
            b = a.tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_state_dict(wan_dir: str) -> dict[str, torch.Tensor]:
    index = os.path.join(wan_dir, "diffusion_pytorch_model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(wan_dir, "diffusion_pytorch_model*.safetensors")))
    if not files:
        raise FileNotFoundError(f"{wan_dir}: no diffusion_pytorch_model*.safetensors found (expected the Wan2.1 layout)")
    state = {}
    for name in files:
        state.update(read_safetensors(os.path.join(wan_dir, name)))
    return state


def load_config(wan_dir: str) -> WanConfig:
    path = os.path.join(wan_dir, "config.json")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing (expected the Wan2.1 layout: config.json + safetensors)")
    with open(path) as f:
        cfg = {**WAN_DEFAULTS, **json.load(f)}
    if cfg["model_type"] != "t2v":
        raise ValueError(f"{path}: model_type {cfg['model_type']!r} is not supported (only t2v)")
    return WanConfig.from_dict(cfg)


# Wan2.1's T2V sampling defaults (generate.py: sample_solver 'unipc', sample_shift 5.0, sample_guide_scale 5.0, 50
# steps): the manifest of an exported Wan2.1 package declares them. Wan's long default negative prompt needs its umT5
# tokenizer, which packages exported here do not carry, so it is not set.
WAN_T2V_SAMPLER = {"type": "flow_match_unipc", "steps": 50, "shift": 5.0, "guidance": 5.0}


def load_wan_dir(wan_dir: str, latent_grid):
    """-> TinyWan-like bundle (DiT only) for export.py."""
    from export import TinyWan  # local import: export.py owns the bundle type

    cfg = load_config(wan_dir)
    model = WanModel(cfg, latent_grid)
    state = load_state_dict(wan_dir)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f"{wan_dir}: checkpoint does not match the Wan2.1 T2V layout "
                         f"(missing {missing[:5]}, unexpected {unexpected[:5]})")
    return TinyWan(model, None, None, None, None, WAN_T2V_SAMPLER)
