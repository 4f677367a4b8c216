#!/usr/bin/env python3
"""Train tiny-wan from a seed: the frame autoencoder, then the DiT and its text encoder jointly.

    /usr/bin/python3 exporters/train.py --out exporters/.work/train   # ~2 h on 2 idle cores (see exporters/README.md)

Stages (each resumable from the checkpoints in --out):
  1. autoencoder: per-frame RGB 32x32 <-> 4x8x8 latent, MSE with latent-noise augmentation so the
     decoder tolerates small diffusion errors; then per-channel latent mean/std.
  2. latent data set: N procedural clips (held-out triples excluded) encoded once.
  3. DiT + text encoder: rectified flow (v = noise - x0), sigma = shift(u), u ~ U(0,1), 10% condition
     dropout (empty prompt), AdamW with warm-up + cosine decay, EMA weights for export.
Writes checkpoint.pt (EMA DiT, text encoder, autoencoder, configs) and train_log.json.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from copy import deepcopy

import tinywan  # noqa: F401  (before torch: BLAS thread settings, see tinywan/__init__.py)

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tinywan import data  # noqa: E402
from tinywan.flow import shift_sigma  # noqa: E402
from tinywan.model import FrameAutoencoder, TextEncoder, WanConfig, WanModel  # noqa: E402

LATENT_GRID = (data.FRAMES, data.SIZE // 4, data.SIZE // 4)


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def cpu_has_bf16() -> bool:
    """AMX or AVX512-BF16 present (Linux /proc/cpuinfo); without them bfloat16 matmuls are emulated and slow."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def train_autoencoder(args, rng: np.random.Generator) -> FrameAutoencoder:
    ae = FrameAutoencoder()
    opt = torch.optim.Adam(ae.parameters(), lr=2e-3)
    triples = data.training_triples()
    for step in range(args.ae_steps):
        lr = 2e-3 * 0.5 * (1 + math.cos(math.pi * step / args.ae_steps))
        for g in opt.param_groups:
            g["lr"] = lr
        clips = np.stack([data.render_clip(data.random_spec(rng, triples), rng) for _ in range(8)])
        frames = torch.from_numpy(clips).transpose(1, 2).reshape(-1, 3, data.SIZE, data.SIZE)
        z = ae.encode_frames(frames)
        z_noisy = z + 0.1 * z.detach().std() * torch.randn_like(z)
        loss = F.mse_loss(ae.decode_frames(z_noisy), frames) + 1e-4 * z.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 200 == 0 or step == args.ae_steps - 1:
            log(f"ae step {step} loss {loss.item():.5f}")
    with torch.no_grad():
        clips = np.stack([data.render_clip(data.random_spec(rng, triples), rng) for _ in range(512)])
        frames = torch.from_numpy(clips).transpose(1, 2).reshape(-1, 3, data.SIZE, data.SIZE)
        z = ae.encode_frames(frames)
        ae.latent_mean.copy_(z.mean(dim=(0, 2, 3)))
        ae.latent_std.copy_(z.std(dim=(0, 2, 3)))
        recon = ae.decode_frames(ae.encode_frames(frames))
        log(f"ae recon mse {F.mse_loss(recon, frames).item():.5f} latent std {ae.latent_std.tolist()}")
    return ae


def build_dataset(args, ae: FrameAutoencoder, rng: np.random.Generator):
    triples = data.training_triples()
    speeds = dict(zip(data.SPEEDS, (float(v) for v in args.speeds.split(","))))
    radius = tuple(float(v) for v in args.radius.split(","))
    specs = [data.random_spec(rng, triples) for _ in range(args.clips)]
    latents = torch.empty(args.clips, 4, *LATENT_GRID)
    with torch.no_grad():
        for i in range(0, args.clips, 256):
            chunk = specs[i:i + 256]
            video = torch.from_numpy(np.stack([data.render_clip(s, rng, start=args.start, speeds=speeds, radius=radius) for s in chunk]))
            latents[i:i + len(chunk)] = ae.encode(video)
    return specs, latents


def make_direction_probe(latents, specs, count: int = 64, seed: int = 7):
    """Fixed noised clips with their own caption and the caption with the opposite direction.

    The probe gap = (loss with the wrong direction - loss with the right one) / loss with the right one, at
    sigma 0.5-0.9 where the layout is decided. Zero means the DiT ignores the direction words.
    """
    g = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(specs), size=count, replace=False)
    x0 = latents[idx]
    sigma = 0.5 + 0.4 * torch.rand(count, generator=g)
    noise = torch.randn(x0.shape, generator=g)
    s = sigma[:, None, None, None, None]
    right = [specs[i].caption() for i in idx]
    wrong = [data.opposite_direction(c) for c in right]
    tok = lambda caps: torch.from_numpy(np.stack([data.tokenize(c) for c in caps]))  # noqa: E731
    return {"xt": (1 - s) * x0 + s * noise, "t": sigma * 1000.0, "target": noise - x0,
            "right": tok(right), "wrong": tok(wrong)}


@torch.no_grad()
def direction_gap(model, text, probe) -> float:
    right = F.mse_loss(model(probe["xt"], probe["t"], text(probe["right"])), probe["target"]).item()
    wrong = F.mse_loss(model(probe["xt"], probe["t"], text(probe["wrong"])), probe["target"]).item()
    return (wrong - right) / right


def lr_at(step: int, args) -> float:
    """Linear warm-up, cosine decay to 0.1 * lr over --steps, then constant 0.1 * lr for the --tail steps."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    p = min(1.0, (step - args.warmup) / max(1, args.steps - args.warmup))
    return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def check_args(ap: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Reject values that would crash or silently misbehave hours into a run."""
    for name in ("steps", "batch", "clips", "save_every", "dim", "ffn_dim", "heads", "threads"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1 (got {getattr(args, name)})")
    for name in ("drop_attribute", "cond_dropout"):
        if not 0.0 <= getattr(args, name) <= 1.0:
            ap.error(f"--{name.replace('_', '-')} is a probability: give a value in [0, 1] (got {getattr(args, name)})")
    if args.keep_every < 0 or args.keep_every % args.save_every:
        ap.error(f"--keep-every {args.keep_every} must be 0 or a multiple of --save-every ({args.save_every})")
    if args.dim % args.heads or (args.dim // args.heads) % 2:
        ap.error(f"--dim {args.dim} must split into --heads {args.heads} heads of even size "
                 "(RoPE rotates pairs of channels)")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), ".work", "train"))
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--ae-steps", type=int, default=1500)
    ap.add_argument("--clips", type=int, default=16384)
    ap.add_argument("--steps", type=int, default=5000, help="length of the cosine learning-rate schedule")
    ap.add_argument("--tail", type=int, default=1500,
                    help="steps after the cosine schedule at its final learning rate (0.1 * lr); total = steps + tail")
    ap.add_argument("--stop-at", type=int, default=None,
                    help="stop after this many steps (the schedule still spans --steps + --tail); running again resumes "
                         "from the saved state, see exporters/README.md for how the shipped weights were made")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--shift", type=float, default=3.0)
    ap.add_argument("--cond-dropout", type=float, default=0.1)
    ap.add_argument("--drop-attribute", type=float, default=0.3,
                    help="probability of leaving the colour or the shape word out of a training caption (so the "
                         "direction word is also seen next to fewer attributes)")
    ap.add_argument("--ema", type=float, default=0.998)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precision", choices=("fp32", "bf16"), default="bf16",
                    help="DiT+text forward/backward: bfloat16 autocast with float32 weights, optimizer, EMA and norms "
                         "(1.1-1.6 instead of 1.9-2.0 s per default-size step on CPUs with AVX512-BF16/AMX), or fp32 "
                         "(use it on CPUs without bfloat16 instructions, where bf16 is slower)")
    ap.add_argument("--start", choices=data.START_MODES, default="free", help="start positions of the objects (see tinywan/data.py)")
    ap.add_argument("--speeds", default="2.5,4", help="px/frame of 'slowly' and 'quickly'")
    ap.add_argument("--radius", default="3.5,5", help="range of the object radius in pixels (DiT data set)")
    ap.add_argument("--dim", type=int, default=WanConfig.dim, help="DiT width (Wan2.1 'dim')")
    ap.add_argument("--ffn-dim", type=int, default=WanConfig.ffn_dim, help="DiT feed-forward width")
    ap.add_argument("--heads", type=int, default=WanConfig.num_heads, help="attention heads (dim / heads is the head size)")
    ap.add_argument("--save-every", type=int, default=200)
    ap.add_argument("--keep-every", type=int, default=0,
                    help="also keep checkpoint-<step>.pt every this many steps (0: only the latest); a multiple of "
                         "--save-every, because every save draws from the batch sampler's random stream")
    return ap


def main(argv: list[str] | None = None) -> None:
    ap = build_parser()
    args = ap.parse_args(argv)
    check_args(ap, args)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    t_start = time.time()

    ae_path = os.path.join(args.out, "autoencoder.pt")
    if os.path.exists(ae_path):
        ae = FrameAutoencoder()
        ae.load_state_dict(torch.load(ae_path))
        rng = np.random.default_rng(args.seed + 1)
    else:
        ae = train_autoencoder(args, rng)
        torch.save(ae.state_dict(), ae_path)
    ae.eval()
    ae_seconds = time.time() - t_start
    log(f"autoencoder ready ({ae_seconds:.0f}s)")

    data_rng = np.random.default_rng(args.seed + 2)
    specs, latents = build_dataset(args, ae, data_rng)
    log(f"dataset: {len(specs)} clips, latent std {latents.std().item():.3f}")

    # Re-seed so the DiT's init does not depend on whether the autoencoder was trained or loaded.
    torch.manual_seed(args.seed + 3)
    cfg = WanConfig(text_len=data.TEXT_LEN, in_dim=4, out_dim=4, dim=args.dim, ffn_dim=args.ffn_dim, num_heads=args.heads)
    model = WanModel(cfg, LATENT_GRID)
    text = TextEncoder(len(data.VOCAB), data.TEXT_LEN, dim=cfg.text_dim)
    params = list(model.parameters()) + list(text.parameters())
    n_params = sum(p.numel() for p in params)
    log(f"DiT+text parameters: {n_params / 1e6:.2f}M")
    if args.precision == "bf16" and not cpu_has_bf16():
        log("warning: --precision bf16 on a CPU without AMX/AVX512-BF16 is slower than fp32; consider --precision fp32 "
            "(the result differs slightly from a bf16 run)")
    opt = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.99), weight_decay=0.01)
    ema_model, ema_text = deepcopy(model).eval(), deepcopy(text).eval()
    start_step, history = 0, []
    state_path = os.path.join(args.out, "state.pt")
    if os.path.exists(state_path):
        st = torch.load(state_path)
        model.load_state_dict(st["model"]); text.load_state_dict(st["text"])
        ema_model.load_state_dict(st["ema_model"]); ema_text.load_state_dict(st["ema_text"])
        opt.load_state_dict(st["opt"]); start_step, history = st["step"], st["history"]
        torch.set_rng_state(st["torch_rng"]); rng = np.random.default_rng(st["np_seed"])
        t_start -= st.get("seconds", 0.0)  # report the wall time of all sessions, not just this one
        log(f"resumed at step {start_step}")
    else:
        rng = np.random.default_rng(args.seed + 3)

    probe = make_direction_probe(latents, specs)
    t_loop = time.time()
    total = args.steps + args.tail
    last = total if args.stop_at is None else min(total, args.stop_at)
    for step in range(start_step, last):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args)
        idx = rng.integers(len(specs), size=args.batch)
        x0 = latents[idx]
        prompts = [data.random_caption(specs[i], rng, args.drop_attribute) if rng.random() >= args.cond_dropout else "" for i in idx]
        tokens = torch.from_numpy(np.stack([data.tokenize(p) for p in prompts]))
        sigma = shift_sigma(torch.rand(args.batch), args.shift)
        noise = torch.randn_like(x0)
        s = sigma[:, None, None, None, None]
        xt = (1 - s) * x0 + s * noise
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            v = model(xt, sigma * 1000.0, text(tokens))
        loss = F.mse_loss(v.float(), noise - x0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        decay = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for src, dst in ((model, ema_model), (text, ema_text)):
                for p, q in zip(src.parameters(), dst.parameters()):
                    q.mul_(decay).add_(p, alpha=1 - decay)
        history.append(loss.item())
        if step % 25 == 0:
            rate = (time.time() - t_loop) / (step - start_step + 1)
            log(f"step {step} loss {np.mean(history[-25:]):.4f} lr {lr_at(step, args):.2e} {rate:.2f}s/step "
                f"eta {(last - step) * rate / 60:.0f} min")
        if (step + 1) % args.save_every == 0 or step + 1 == last:
            torch.save({"model": model.state_dict(), "text": text.state_dict(), "ema_model": ema_model.state_dict(),
                        "ema_text": ema_text.state_dict(), "opt": opt.state_dict(), "step": step + 1,
                        "history": history, "torch_rng": torch.get_rng_state(),
                        "np_seed": int(rng.integers(2**63)), "seconds": time.time() - t_start}, state_path + ".tmp")
            os.replace(state_path + ".tmp", state_path)
            gap = direction_gap(ema_model, ema_text, probe)
            log(f"step {step + 1} direction probe gap {gap:+.4f} (EMA weights)")
            save_checkpoint(args, cfg, ema_model, ema_text, ae, step + 1, history, time.time() - t_start)
            if args.keep_every and (step + 1) % args.keep_every == 0:
                shutil.copyfile(os.path.join(args.out, "checkpoint.pt"), os.path.join(args.out, f"checkpoint-{step + 1}.pt"))

    log(f"done in {(time.time() - t_start) / 60:.1f} min")


def save_checkpoint(args, cfg, model, text, ae, step, history, seconds) -> None:
    ckpt = {
        "config": cfg.to_dict(),
        "latent_grid": list(LATENT_GRID),
        "vocab": data.VOCAB,
        "model": model.state_dict(),
        "text_encoder": text.state_dict(),
        "autoencoder": ae.state_dict(),
        "train": {"seed": args.seed, "steps": step, "batch": args.batch, "lr": args.lr, "shift": args.shift,
                  "tail": args.tail, "ae_steps": args.ae_steps, "clips": args.clips, "warmup": args.warmup, "start": args.start,
                  "speeds": args.speeds, "radius": args.radius, "drop_attribute": args.drop_attribute, "precision": args.precision, "final_loss": float(np.mean(history[-100:])),
                  "seconds": seconds},
    }
    path = os.path.join(args.out, "checkpoint.pt")
    torch.save(ckpt, path + ".tmp")
    os.replace(path + ".tmp", path)
    with open(os.path.join(args.out, "train_log.json"), "w") as f:
        json.dump({"train": ckpt["train"], "loss": history[::10]}, f)


if __name__ == "__main__":
    main()
