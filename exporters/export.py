#!/usr/bin/env python3
"""Export a Wan2.1-structured DiT as a MixCacheOrt model package (per-block ONNX graphs + manifest).

    /usr/bin/python3 exporters/export.py --checkpoint models/tiny-wan/tiny-wan.pt --out models/tiny-wan

Writes text_encoder.onnx, pre.onnx, block_00..block_{L-1}.onnx, post.onnx, denoiser.onnx (the same
computation in one graph), decoder.onnx and manifest.json (config, tensor specs, sha256 per file).
Every graph is run through ONNX Runtime and compared with PyTorch; the max abs error is printed and
recorded in the manifest. --reference also writes reference outputs for the C# parity tests.
For the official Wan2.1 layout (diffusion_pytorch_model*.safetensors + config.json) use --wan-dir.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import tinywan  # noqa: F401  (before torch: BLAS thread settings, see tinywan/__init__.py)

import numpy as np
import onnx
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tinywan import data, noise  # noqa: E402
from tinywan.flow import sample, sample_unipc, sampling_sigmas, unipc_schedule  # noqa: E402
from tinywan.model import FrameAutoencoder, TextEncoder, WanConfig, WanModel  # noqa: E402
from tinywan import ortrun  # noqa: E402
from regen_weights import file_sha256 as sha256  # noqa: E402  (one file hash for every exporter)

OPSET = 17
FORMAT = "mixcacheort-dit-package"
DEFAULT_SCHEDULER = {"type": "flow_match_euler", "steps": 50, "shift": 3.0, "guidance": 5.0, "timestep_scale": 1000.0}
REFERENCE_PROMPT = "a red circle moving right"
REFERENCE_SEED = 42
UNIPC_SHIFT = 5.0  # Wan2.1's T2V default (generate.py sample_shift) for the UniPC reference


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------
class TinyWan:
    """Everything a package needs: DiT, optional text encoder and decoder, geometry, tokenizer."""

    def __init__(self, model: WanModel, text: TextEncoder | None, ae: FrameAutoencoder | None, vocab, frame_size,
                 scheduler: dict | None = None):
        self.model, self.text, self.ae, self.vocab = model.eval(), text, ae, vocab
        self.frame_size = frame_size
        # Sampler defaults chosen for these weights (shift, guidance), declared in the manifest.
        self.scheduler = dict(DEFAULT_SCHEDULER, **(scheduler or {}))
        if text is not None:
            text.eval()
        if ae is not None:
            ae.eval()


def load_checkpoint(path: str) -> TinyWan:
    ckpt = torch.load(path, map_location="cpu")
    cfg = WanConfig.from_dict(ckpt["config"])
    model = WanModel(cfg, ckpt["latent_grid"])
    # Shipped weights are float16 (package size budget); compute happens in float32.
    model.load_state_dict({k: v.float() for k, v in ckpt["model"].items()})
    text = TextEncoder(len(ckpt["vocab"]), cfg.text_len, dim=cfg.text_dim)
    text.load_state_dict({k: v.float() for k, v in ckpt["text_encoder"].items()})
    ae = FrameAutoencoder()
    ae.load_state_dict({k: v.float() for k, v in ckpt["autoencoder"].items()})
    return TinyWan(model, text, ae, ckpt["vocab"], data.SIZE, ckpt.get("sampler"))


def round_trip_fp16(train_checkpoint: str, out_path: str, sampler: dict | None = None) -> None:
    """Training checkpoint (float32 EMA weights) -> shipped checkpoint with float16 weights.
    sampler: {"shift", "guidance"} chosen for these weights (sweep_sampler.py), stored with them."""
    ckpt = torch.load(train_checkpoint, map_location="cpu")
    for key in ("model", "text_encoder", "autoencoder"):
        ckpt[key] = {k: (v.half() if v.is_floating_point() else v) for k, v in ckpt[key].items()}
    if sampler:
        ckpt["sampler"] = dict(ckpt.get("sampler") or {}, **sampler)
    torch.save(ckpt, out_path + ".tmp")
    os.replace(out_path + ".tmp", out_path)


# ---------------------------------------------------------------------------------------------
# Stage modules (what each ONNX graph computes)
# ---------------------------------------------------------------------------------------------
class PreStage(nn.Module):
    def __init__(self, m: WanModel):
        super().__init__()
        self.m = m

    def forward(self, latent, timestep, context_raw):
        return self.m.pre(latent, timestep, context_raw)


class BlockStage(nn.Module):
    def __init__(self, m: WanModel, i: int):
        super().__init__()
        self.m, self.i = m, i

    def forward(self, hidden, e0, context):
        return self.m.block(self.i, hidden, e0, context)


class PostStage(nn.Module):
    def __init__(self, m: WanModel):
        super().__init__()
        self.m = m

    def forward(self, hidden, e):
        return self.m.post(hidden, e)


class DecoderStage(nn.Module):
    """normalised latent [B, C, F, h, w] -> frames [B, F, H, W, 3] in [0, 1] (channel-last for writers)."""

    def __init__(self, ae: FrameAutoencoder):
        super().__init__()
        self.ae = ae

    def forward(self, latent):
        video = self.ae.decode(latent)  # [B, 3, F, H, W] in [-1, 1]
        return ((video.permute(0, 2, 3, 4, 1) + 1.0) * 0.5).clamp(0.0, 1.0)


def stage_specs(tw: TinyWan) -> list[tuple[str, nn.Module, list[str], list[str], tuple]]:
    """(graph name, module, input names, output names, example inputs at batch 2)."""
    m, cfg = tw.model, tw.model.cfg
    f, h, w = m.grid
    seq = int(np.prod(m.token_grid))
    g = torch.Generator().manual_seed(0)
    latent = torch.randn(2, cfg.in_dim, f, h, w, generator=g)
    timestep = torch.tensor([999.0, 500.0])
    context_raw = torch.randn(2, cfg.text_len, cfg.text_dim, generator=g)
    hidden = torch.randn(2, seq, cfg.dim, generator=g)
    e = torch.randn(2, cfg.dim, generator=g)
    e0 = torch.randn(2, 6, cfg.dim, generator=g) * 0.1
    context = torch.randn(2, cfg.text_len, cfg.dim, generator=g)
    specs = []
    if tw.text is not None:
        tokens = torch.from_numpy(np.stack([data.tokenize(REFERENCE_PROMPT), data.tokenize("")]))
        specs.append(("text_encoder", tw.text, ["tokens"], ["context_raw"], (tokens,)))
    specs.append(("pre", PreStage(m), ["latent", "timestep", "context_raw"], ["hidden", "e", "e0", "context"],
                  (latent, timestep, context_raw)))
    for i in range(cfg.num_layers):
        specs.append((f"block_{i:02d}", BlockStage(m, i), ["hidden", "e0", "context"], ["hidden_out"], (hidden, e0, context)))
    specs.append(("post", PostStage(m), ["hidden", "e"], ["velocity"], (hidden, e)))
    specs.append(("denoiser", m, ["latent", "timestep", "context_raw"], ["velocity"], (latent, timestep, context_raw)))
    if tw.ae is not None:
        specs.append(("decoder", DecoderStage(tw.ae), ["latent"], ["frames"], (latent,)))
    return specs


# ---------------------------------------------------------------------------------------------
# Export, validation, manifest
# ---------------------------------------------------------------------------------------------
_DTYPES = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.INT64: "int64", onnx.TensorProto.FLOAT16: "float16"}


def tensor_specs(values) -> list[dict]:
    out = []
    for v in values:
        t = v.type.tensor_type
        shape = [d.dim_param if d.dim_param else d.dim_value for d in t.shape.dim]
        out.append({"name": v.name, "dtype": _DTYPES[t.elem_type], "shape": shape})
    return out


def export_graph(module, inputs, in_names, out_names, path, external: bool = False) -> None:
    """Exports one stage. With `external` the weights go to `<file>.data` beside it (ONNX external data: graphs of any
    size, and the protobuf stays small); otherwise inline."""
    dynamic = {n: {0: "batch"} for n in in_names + out_names}
    tmp = path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(module, inputs, tmp, input_names=in_names, output_names=out_names,
                          dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
        expected = module(*inputs)
    expected = expected if isinstance(expected, tuple) else (expected,)
    # The tracer names reshaped output dims symbolically ("Reshapevelocity_dim_1"); only the batch
    # dim is dynamic, so declare the others concretely for the manifest and for consumers.
    proto = onnx.load(tmp)
    for out, ref in zip(proto.graph.output, expected):
        dims = out.type.tensor_type.shape.dim
        for i, d in enumerate(dims):
            if i == 0:
                d.dim_param = "batch"
            else:
                d.dim_value = int(ref.shape[i])
    if external:
        data = os.path.basename(path) + ".data"
        if os.path.exists(os.path.join(os.path.dirname(path), data)):
            os.remove(os.path.join(os.path.dirname(path), data))
        onnx.save_model(proto, tmp, save_as_external_data=True, all_tensors_to_one_file=True, location=data, size_threshold=1024)
        onnx.checker.check_model(tmp)  # the path form: works above protobuf's 2 GB limit
    else:
        onnx.checker.check_model(proto)
        onnx.save(proto, tmp)
    os.replace(tmp, path)


def validate_graph(module, inputs, in_names, out_names, path) -> float:
    """Max abs difference between ONNX Runtime and PyTorch, at batch 2 and batch 1."""
    worst = 0.0
    with torch.no_grad(), ortrun.Session(path) as sess:
        for batch in (2, 1):
            args = tuple(x[:batch] for x in inputs)
            expected = module(*args)
            expected = expected if isinstance(expected, tuple) else (expected,)
            got = sess.run(out_names, {n: a.numpy() for n, a in zip(in_names, args)})
            for e, g in zip(expected, got):
                if tuple(e.shape) != g.shape:
                    raise RuntimeError(f"{path}: output shape {g.shape} != PyTorch {tuple(e.shape)}")
                worst = max(worst, float(np.abs(e.numpy() - g).max()))
    return worst


def export_package(tw: TinyWan, out_dir: str, name: str, scheduler: dict, source: dict, only=None, external: bool = False) -> dict:
    os.makedirs(out_dir, exist_ok=True)
    m, cfg = tw.model, tw.model.cfg
    graphs, errors = {}, {}
    for gname, module, in_names, out_names, inputs in stage_specs(tw):
        if only is not None and gname not in only:
            continue
        path = os.path.join(out_dir, f"{gname}.onnx")
        t0 = time.time()
        export_graph(module, inputs, in_names, out_names, path, external)
        err = validate_graph(module, inputs, in_names, out_names, path)
        errors[gname] = err
        model_proto = onnx.load(path, load_external_data=False)
        graphs[gname] = {"file": f"{gname}.onnx", "sha256": sha256(path), "inputs": tensor_specs(model_proto.graph.input),
                         "outputs": tensor_specs(model_proto.graph.output), "max_abs_error_vs_pytorch": err}
        print(f"  {gname:13s} max|ort - torch| = {err:.2e}  ({time.time() - t0:.1f}s)", flush=True)
    L = cfg.num_layers
    f, h, w = m.grid
    p = cfg.patch_size
    manifest = {
        "format": FORMAT,
        "format_version": 1,
        "name": name,
        "source": source,
        "architecture": {"family": "wan2.1", **cfg.to_dict()},
        "geometry": {
            "latent_channels": cfg.in_dim, "latent_frames": f, "latent_height": h, "latent_width": w,
            "tokens": int(np.prod(m.token_grid)), "token_grid": list(m.token_grid),
            "frames": f, "height": tw.frame_size, "width": tw.frame_size, "fps": 8,
        },
        "blocks": {"count": L, "file_pattern": "block_{index:02d}.onnx",
                   "candidates": [L // 4, L // 2, (3 * L) // 4],
                   "hidden_input": "hidden", "hidden_output": "hidden_out"},
        "scheduler": scheduler,
        "tokenizer": {"type": "word", "vocab": list(tw.vocab), "text_len": cfg.text_len, "pad_id": 0, "unk_id": 1,
                      "lowercase": True, "word_pattern": "[a-z]+"} if tw.text is not None else None,
        "noise": {"generator": "splitmix64-box-muller", "doc": "exporters/tinywan/noise.py"},
        "graphs": graphs,
    }
    with open(os.path.join(out_dir, "manifest.json.tmp"), "w") as fh:
        json.dump(manifest, fh, indent=2)
    os.replace(os.path.join(out_dir, "manifest.json.tmp"), os.path.join(out_dir, "manifest.json"))
    return manifest


def context_for(tw: TinyWan, prompt: str) -> torch.Tensor:
    with torch.no_grad():
        return tw.text(torch.from_numpy(data.tokenize(prompt))[None])


def write_reference(tw: TinyWan, out_dir: str, scheduler: dict) -> None:
    """Reference outputs for the fixed prompt/seed/noise: PyTorch final latents (10 and 50 steps) and frames."""
    ref_dir = os.path.join(out_dir, "reference")
    os.makedirs(ref_dir, exist_ok=True)
    m = tw.model
    shape = (1, m.cfg.in_dim, *m.grid)
    init = noise.gaussian(REFERENCE_SEED, shape)
    np.save(os.path.join(ref_dir, "noise_seed42.npy"), init)
    ctx, ctx_null = context_for(tw, REFERENCE_PROMPT), context_for(tw, "")
    meta = {"prompt": REFERENCE_PROMPT, "negative_prompt": "", "seed": REFERENCE_SEED, "noise": "noise_seed42.npy",
            "shift": scheduler["shift"], "guidance": scheduler["guidance"], "runs": []}
    for steps in (10, 50):
        t0 = time.time()
        lat = sample(m, ctx, ctx_null, torch.from_numpy(init), steps=steps, shift=scheduler["shift"],
                     guidance=scheduler["guidance"])
        seconds = time.time() - t0
        np.save(os.path.join(ref_dir, f"latent_steps{steps}.npy"), lat.numpy())
        with torch.no_grad():
            frames = DecoderStage(tw.ae)(lat).numpy()[0]
        np.save(os.path.join(ref_dir, f"frames_steps{steps}.npy"), frames.astype(np.float32))
        meta["runs"].append({"steps": steps, "latent": f"latent_steps{steps}.npy", "frames": f"frames_steps{steps}.npy",
                             "pytorch_seconds": round(seconds, 3)})
    meta["sigmas_steps10"] = sampling_sigmas(10, scheduler["shift"]).tolist()
    meta["unipc"] = unipc_reference(tw, ref_dir, init, ctx, ctx_null, scheduler["guidance"])
    with open(os.path.join(ref_dir, "reference.json"), "w") as fh:
        json.dump(meta, fh, indent=2)


def unipc_reference(tw: TinyWan, ref_dir: str, init: np.ndarray, ctx, ctx_null, guidance: float) -> dict:
    """The same noise and prompt through Wan's UniPC sampler at its T2V shift 5, 50 steps (C# parity of --scheduler unipc)."""
    shift, steps = UNIPC_SHIFT, 50
    lat = sample_unipc(tw.model, ctx, ctx_null, torch.from_numpy(init), steps=steps, shift=shift, guidance=guidance)
    np.save(os.path.join(ref_dir, "latent_unipc_steps50.npy"), lat.numpy())
    return {"steps": steps, "shift": shift, "guidance": guidance, "latent": "latent_unipc_steps50.npy",
            "timesteps": unipc_schedule(steps, shift)[1]}


def write_unipc_reference(tw: TinyWan, out_dir: str) -> None:
    """Adds the UniPC reference to an existing package's reference/ (same noise and prompt) without touching the rest."""
    ref_dir = os.path.join(out_dir, "reference")
    with open(os.path.join(ref_dir, "reference.json")) as fh:
        meta = json.load(fh)
    init = np.load(os.path.join(ref_dir, meta["noise"]))
    ctx, ctx_null = context_for(tw, meta["prompt"]), context_for(tw, meta["negative_prompt"])
    meta["unipc"] = unipc_reference(tw, ref_dir, init, ctx, ctx_null, meta["guidance"])
    with open(os.path.join(ref_dir, "reference.json"), "w") as fh:
        json.dump(meta, fh, indent=2)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="tiny-wan checkpoint (.pt) shipped in models/tiny-wan (float16 weights)")
    src.add_argument("--ship-from", help="training checkpoint from train.py: write its float16 copy to OUT/tiny-wan.pt, then export from that")
    src.add_argument("--wan-dir", help="official Wan2.1 T2V directory: config.json + diffusion_pytorch_model*.safetensors")
    ap.add_argument("--out", required=True, help="output package directory")
    ap.add_argument("--name", default=None)
    ap.add_argument("--grid", default=None, help="latent F,H,W for --wan-dir (e.g. 21,60,104 for 81x480x832)")
    ap.add_argument("--reference", action="store_true", help="also write reference outputs (tiny-wan only)")
    ap.add_argument("--unipc-reference-only", action="store_true",
                    help="with --checkpoint: only add the UniPC reference latent to OUT/reference (no export)")
    ap.add_argument("--guidance", type=float, default=None,
                    help="with --ship-from: guidance scale chosen for these weights (stored in tiny-wan.pt and the manifest; "
                         f"default: the checkpoint's, else {DEFAULT_SCHEDULER['guidance']:g})")
    ap.add_argument("--shift", type=float, default=None,
                    help=f"with --ship-from: sampling shift, like --guidance (default {DEFAULT_SCHEDULER['shift']:g})")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    sampler = {k: v for k, v in (("guidance", args.guidance), ("shift", args.shift)) if v is not None}
    if sampler and not args.ship_from:
        ap.error("--guidance/--shift are stored with the weights: use them with --ship-from")
    if args.guidance is not None and args.guidance < 1:
        ap.error(f"--guidance must be >= 1 (got {args.guidance:g})")
    if args.shift is not None and args.shift <= 0:
        ap.error(f"--shift must be > 0 (got {args.shift:g})")
    torch.set_num_threads(args.threads)

    if args.ship_from:
        os.makedirs(args.out, exist_ok=True)
        args.checkpoint = os.path.join(args.out, "tiny-wan.pt")
        round_trip_fp16(args.ship_from, args.checkpoint, sampler)
    if args.unipc_reference_only:
        if not args.checkpoint:
            ap.error("--unipc-reference-only needs --checkpoint")
        write_unipc_reference(load_checkpoint(args.checkpoint), args.out)
        print("done", flush=True)
        return
    if args.checkpoint:
        tw = load_checkpoint(args.checkpoint)
        source = {"checkpoint": os.path.basename(args.checkpoint)}
        name = args.name or "tiny-wan"
    else:
        from tinywan.wan_checkpoint import load_wan_dir
        grid = tuple(int(x) for x in args.grid.split(",")) if args.grid else (21, 60, 104)
        tw = load_wan_dir(args.wan_dir, grid)
        source = {"wan_dir": os.path.abspath(args.wan_dir)}
        name = args.name or os.path.basename(os.path.normpath(args.wan_dir))
    print(f"exporting {name} -> {args.out}", flush=True)
    # Wan2.1 weights are GBs: their graphs keep the weights as external data (tiny-wan's stay inline).
    export_package(tw, args.out, name, dict(tw.scheduler), source, external=args.wan_dir is not None)
    if args.reference:
        write_reference(tw, args.out, tw.scheduler)
    print("done", flush=True)


if __name__ == "__main__":
    main()
