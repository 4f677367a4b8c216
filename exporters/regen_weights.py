#!/usr/bin/env python3
"""Regenerate the generated weights (ONNX external data) of a size-ladder package, in place, from its seed.

    /usr/bin/python3 exporters/regen_weights.py PKG            # write every <graph>.onnx.data, verify sha256s
    /usr/bin/python3 exporters/regen_weights.py PKG --check    # only hash the existing .data files against the manifest

A package written by `ladder.py` ships without weights: every graph's weights are ONNX external data in
`<graph>.onnx.data`, and the bytes of each tensor are a pure function of (seed, graph name, initializer name, shape,
dtype) -- see `tensor_values` (a float16 tensor: the float32 values, rounded). This script reads each graph's `.onnx`
(without its data), writes the tensors at the offsets the graph records, one chunk at a time (never a whole tensor,
never a whole file), hashes what it writes and checks it against `graphs.<name>.external_data.sha256` in
manifest.json (or records it there with --record, which is what ladder.py does). Needs only python3, numpy and onnx.

A graph whose manifest entry has `external_data_from` (ladder.py --monolithic's denoiser.onnx) has no data file of its
own: its initializers `<graph>/<name>` reference the listed graphs' files. Nothing is written for it; both modes check
that each reference is the listed graph's tensor `<name>` (same file, offset, length, shape and dtype), so its weights
are the bytes regenerated and hashed for those graphs.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto

# Elements per generator call. Part of the definition of the values: tensor_values draws them CHUNK at a time.
CHUNK = 1 << 20
STD = 0.02
ALIGN = 4096  # offsets of external tensors (page-aligned, so a runtime may map them)
MIN_EXTERNAL_BYTES = 1024  # externalize(names=None): smaller float initializers stay inline
_NP = {TensorProto.FLOAT: np.float32, TensorProto.FLOAT16: np.float16}
_DTYPE_NAME = {TensorProto.FLOAT: "float32", TensorProto.FLOAT16: "float16"}


def tensor_seed(seed: int, graph: str, name: str, shape, dtype: str) -> int:
    key = f"{int(seed)}\0{graph}\0{name}\0{','.join(str(int(d)) for d in shape)}\0{dtype}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:16], "little")


def tensor_kind(name: str) -> str:
    """How a tensor is filled, from its name: norm scales are 1, biases and shifts 0, everything else N(0, STD)."""
    leaf = name.rsplit(".", 1)[-1]
    if leaf == "unit_scale" or (leaf == "weight" and "norm" in name):
        return "ones"
    if leaf in ("bias", "zero_shift"):
        return "zeros"
    return "normal"


def tensor_values(seed: int, graph: str, name: str, shape, dtype: str = "float32"):
    """Yields the tensor's values in row-major order as numpy chunks of at most CHUNK elements. The values are drawn
    in float32 (keyed with dtype "float32") whatever `dtype` is, then rounded to it: a float16 tensor is exactly the
    same-named float32 tensor rounded to nearest, so an fp16 package holds its fp32 twin's weights, rounded."""
    count = int(np.prod([int(d) for d in shape], dtype=np.int64))
    kind = tensor_kind(name)
    np_dtype = np.dtype(dtype)
    rng = np.random.default_rng(tensor_seed(seed, graph, name, shape, "float32")) if kind == "normal" else None
    for start in range(0, count, CHUNK):
        n = min(CHUNK, count - start)
        if kind == "ones":
            yield np.ones(n, np_dtype)
        elif kind == "zeros":
            yield np.zeros(n, np_dtype)
        else:
            v = rng.standard_normal(n, dtype=np.float32)
            v *= STD
            yield v.astype(np_dtype, copy=False)


def _external_info(t: TensorProto) -> dict:
    return {e.key: e.value for e in t.external_data}


def externalize(model: onnx.ModelProto, data_file: str, names=None) -> int:
    """Turns float initializers into external references into `data_file` (a name relative to the graph),
    page-aligned, in initializer order, and drops their inline bytes: those named in `names` (the weights), or with
    names=None every float initializer of MIN_EXTERNAL_BYTES or more. Returns the data file's size."""
    offset = 0
    for t in model.graph.initializer:
        if t.data_type not in _NP:
            continue
        count = int(np.prod(list(t.dims), dtype=np.int64))
        nbytes = count * np.dtype(_NP[t.data_type]).itemsize
        if (t.name not in names) if names is not None else nbytes < MIN_EXTERNAL_BYTES:
            continue
        offset += -offset % ALIGN
        t.ClearField("raw_data")
        t.ClearField("float_data")
        t.ClearField("int32_data")
        del t.external_data[:]
        t.data_location = TensorProto.EXTERNAL
        for key, value in (("location", data_file), ("offset", str(offset)), ("length", str(nbytes))):
            e = t.external_data.add()
            e.key, e.value = key, value
        offset += nbytes
    return offset


def external_tensors(model: onnx.ModelProto) -> list[tuple[TensorProto, dict]]:
    return [(t, _external_info(t)) for t in model.graph.initializer if t.data_location == TensorProto.EXTERNAL]


def write_data(graph_path: str, graph: str, seed: int) -> dict:
    """Writes the external data file of one graph from the seed; returns {"file", "sha256", "bytes"} (None if the
    graph has no external data). Streams: at most CHUNK elements are in memory."""
    model = onnx.load(graph_path, load_external_data=False)
    tensors = external_tensors(model)
    if not tensors:
        return None
    files = {info["location"] for _, info in tensors}
    if len(files) != 1:
        raise ValueError(f"{graph_path}: external data spread over {sorted(files)}, expected one file")
    data_file = files.pop()
    path = os.path.join(os.path.dirname(os.path.abspath(graph_path)), data_file)
    h = hashlib.sha256()
    pos = 0
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        def put(b: bytes):
            nonlocal pos
            f.write(b)
            h.update(b)
            pos += len(b)

        for t, info in sorted(tensors, key=lambda ti: int(ti[1]["offset"])):
            offset, length = int(info["offset"]), int(info["length"])
            if offset < pos:
                raise ValueError(f"{graph_path}: tensor {t.name} overlaps the previous one")
            if offset > pos:
                put(b"\0" * (offset - pos))
            written = 0
            for chunk in tensor_values(seed, graph, t.name, list(t.dims), _DTYPE_NAME[t.data_type]):
                b = chunk.tobytes()
                written += len(b)
                put(b)
            if written != length:
                raise ValueError(f"{graph_path}: tensor {t.name} is {written} bytes, the graph says {length}")
    os.replace(tmp, path)
    return {"file": data_file, "sha256": h.hexdigest(), "bytes": pos}


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def shared_reference_problems(pkg: str, manifest: dict, name: str) -> list[str]:
    """Checks a graph with `external_data_from` (weights in other graphs' data files): every external initializer
    `<graph>/<tensor>` must name a listed graph and carry exactly that graph's reference for `<tensor>` (location,
    offset, length) with the same shape and dtype. Reads only the graphs, never the weights. Returns the problems."""
    spec = manifest["graphs"][name]
    sources = spec["external_data_from"]
    model = onnx.load(os.path.join(pkg, spec["file"]), load_external_data=False)
    owners = {}
    for g in sources:
        if g not in manifest["graphs"] or "external_data" not in manifest["graphs"][g]:
            return [f"{name}: external_data_from names {g!r}, which has no graphs.{g}.external_data"]
        owner = onnx.load(os.path.join(pkg, manifest["graphs"][g]["file"]), load_external_data=False)
        owners[g] = {t.name: (info, list(t.dims), t.data_type) for t, info in external_tensors(owner)}
    problems, used = [], set()
    for t, info in external_tensors(model):
        g, _, tensor = t.name.partition("/")
        ref = owners.get(g, {}).get(tensor)
        if ref is None:
            problems.append(f"{name}: initializer {t.name} is not a tensor of a graph in external_data_from")
        elif (info, list(t.dims), t.data_type) != ref:
            problems.append(f"{name}: initializer {t.name} does not reference {g}'s {tensor} as {g}.onnx does")
        elif info.get("location") != manifest["graphs"][g]["external_data"]["file"]:
            problems.append(f"{name}: initializer {t.name} is in {info.get('location')}, not {g}'s data file")
        used.add((g, tensor))
    missing = sum(1 for g, ts in owners.items() for k in ts if (g, k) not in used)
    if missing:
        problems.append(f"{name}: {missing} external tensors of {sources[0]}..{sources[-1]} are not referenced")
    return problems


def package_seed(manifest: dict) -> int:
    gen = (manifest.get("source") or {}).get("generated")
    if not gen or "seed" not in gen:
        raise ValueError("manifest.json has no source.generated.seed: not a generated (ladder.py) package")
    return int(gen["seed"])


def regenerate(pkg: str, record: bool = False, only=None, log=print) -> dict:
    """Regenerates every graph's .data file of the package. With `record` the sha256s (and sizes) are written into
    manifest.json (graphs.<name>.external_data); otherwise each is checked against the manifest. Returns
    {graph: external_data entry}. Raises ValueError on a mismatch."""
    mpath = os.path.join(pkg, "manifest.json")
    with open(mpath) as fh:
        manifest = json.load(fh)
    seed = package_seed(manifest)
    results, bad = {}, []
    for name, spec in manifest["graphs"].items():
        if only is not None and name not in only:
            continue
        t0 = time.time()
        if "external_data_from" in spec:  # weights are other graphs' files: nothing to write, check the references
            bad += shared_reference_problems(pkg, manifest, name)
            if log:
                log(f"  {spec['file']:24s} weights in {len(spec['external_data_from'])} graphs' files, references checked"
                    f"  ({time.time() - t0:.1f}s)")
            continue
        entry = write_data(os.path.join(pkg, spec["file"]), name, seed)
        if entry is None:
            continue
        results[name] = entry
        declared = spec.get("external_data")
        if record:
            spec["external_data"] = entry
        elif declared is None:
            bad.append(f"{name}: manifest.json has no graphs.{name}.external_data (regenerated {entry['file']} anyway)")
        elif declared.get("sha256") != entry["sha256"] or declared.get("file") != entry["file"]:
            bad.append(f"{name}: regenerated {entry['file']} has sha256 {entry['sha256']}, manifest.json says {declared.get('sha256')}")
        if log:
            log(f"  {entry['file']:24s} {entry['bytes'] / 2**20:10.1f} MiB  sha256 {entry['sha256'][:16]}  ({time.time() - t0:.1f}s)")
    if record:
        with open(mpath + ".tmp", "w") as fh:
            json.dump(manifest, fh, indent=2)
        os.replace(mpath + ".tmp", mpath)
    if bad:
        raise ValueError("regen_weights: " + "; ".join(bad))
    return results


def check(pkg: str, log=print) -> list[str]:
    """Hashes the existing .data files against the manifest; returns the problems (empty = all match)."""
    with open(os.path.join(pkg, "manifest.json")) as fh:
        manifest = json.load(fh)
    problems = []
    for name, spec in manifest["graphs"].items():
        if "external_data_from" in spec:
            found = shared_reference_problems(pkg, manifest, name)
            problems += found
            if log and not found:
                log(f"  {spec['file']:24s} references ok")
            continue
        ed = spec.get("external_data")
        if not ed:
            continue
        path = os.path.join(pkg, ed["file"])
        if not os.path.exists(path):
            problems.append(f"{ed['file']} is missing")
            continue
        actual = file_sha256(path)
        if actual != ed["sha256"]:
            problems.append(f"{ed['file']}: sha256 {actual} != manifest {ed['sha256']}")
        elif log:
            log(f"  {ed['file']:24s} ok")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("package", help="package directory (manifest.json + graphs)")
    ap.add_argument("--check", action="store_true", help="only verify the existing .data files' sha256s")
    ap.add_argument("--record", action="store_true", help="write the sha256s into manifest.json instead of verifying them")
    ap.add_argument("--graphs", default=None, help="comma-separated graph names (default: all)")
    args = ap.parse_args(argv)
    if args.check:
        problems = check(args.package)
        for p in problems:
            print(f"regen_weights: {p}", file=sys.stderr)
        return 1 if problems else 0
    only = set(args.graphs.split(",")) if args.graphs else None
    t0 = time.time()
    try:
        results = regenerate(args.package, record=args.record, only=only)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 1
    total = sum(r["bytes"] for r in results.values())
    print(f"regen_weights: {len(results)} files, {total / 2**30:.2f} GiB, "
          f"{'recorded' if args.record else 'all sha256s match'} ({time.time() - t0:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
