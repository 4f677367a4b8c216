"""Minimal ctypes runner over ONNX Runtime's C API (libonnxruntime.so, API 30), used to validate
exported graphs: there is no onnxruntime wheel on this project's machines, but the C# build restores
the official library from NuGet (version pinned in Directory.Packages.props) (Microsoft.ML.OnnxRuntime.Gpu.Linux), and this calls it directly.

Only what validation needs: CPU session from a file, run with float32/int64 inputs, float32 outputs.
Slot numbers: ../shared/docs/ort-c-api-1.30.md.
"""
from __future__ import annotations

import ctypes as C
import os
import subprocess

import numpy as np

_S_CREATE_ENV, _S_CREATE_SESSION, _S_RUN, _S_CREATE_SESSION_OPTIONS = 3, 7, 9, 10
_S_SET_GRAPH_OPT, _S_SET_INTRA = 23, 24
_S_ADD_SESSION_CONFIG_ENTRY = 130
_S_GET_MUTABLE_DATA, _S_GET_TYPE_SHAPE = 51, 65
_S_GET_DIM_COUNT, _S_GET_DIMS = 61, 62
_S_CREATE_TENSOR_WITH_DATA, _S_CREATE_CPU_MEMINFO = 49, 69
_S_GET_ERROR_MESSAGE, _S_RELEASE_STATUS = 2, 93
_S_RELEASE_MEMINFO, _S_RELEASE_SESSION, _S_RELEASE_VALUE = 94, 95, 96
_S_RELEASE_TYPE_SHAPE, _S_RELEASE_SESSION_OPTIONS = 99, 100
_S_GET_ELEM_TYPE = 60

_ELEM = {np.dtype(np.float32): 1, np.dtype(np.int64): 7, np.dtype(np.float16): 10}
_ELEM_BACK = {1: np.float32, 7: np.int64, 10: np.float16}

P = C.c_void_p


def _pinned_version(repo: str) -> str:
    """OrtVersion from the repository's Directory.Packages.props (the version the C# build restores)."""
    import re
    with open(os.path.join(repo, "Directory.Packages.props")) as f:
        m = re.search(r"<OrtVersion>([^<]+)</OrtVersion>", f.read())
    if not m:
        raise RuntimeError("Directory.Packages.props has no <OrtVersion>")
    return m.group(1)


def find_library() -> str:
    """MIXCACHE_ORT_LIB if set, else the NuGet package's libonnxruntime.so (restored by the C# build), restoring it once
    with `dotnet restore` when it is missing."""
    if os.environ.get("MIXCACHE_ORT_LIB"):
        return os.environ["MIXCACHE_ORT_LIB"]
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    version = _pinned_version(repo)
    packages = os.environ.get("NUGET_PACKAGES") or os.path.join(os.path.expanduser("~"), ".nuget", "packages")
    path = os.path.join(packages, "microsoft.ml.onnxruntime.gpu.linux", version, "runtimes", "linux-x64", "native", "libonnxruntime.so")
    if not os.path.exists(path):
        subprocess.run(["dotnet", "restore", os.path.join(repo, "src", "MixCacheOrt", "MixCacheOrt.csproj")],
                       check=True, stdout=subprocess.DEVNULL)
    if os.path.exists(path):
        return path
    raise FileNotFoundError(f"{path} not found: build the .NET solution once (dotnet build) or set MIXCACHE_ORT_LIB")


class _Api:
    def __init__(self, path: str):
        self.lib = C.CDLL(path)
        self.lib.OrtGetApiBase.restype = C.POINTER(P)
        base = self.lib.OrtGetApiBase()
        get_api = C.CFUNCTYPE(P, C.c_uint32)(base[0])
        api = get_api(30)
        if not api:
            raise RuntimeError("ONNX Runtime does not provide API version 30")
        self.table = C.cast(api, C.POINTER(P))

    def fn(self, slot: int, restype, *argtypes):
        return C.CFUNCTYPE(restype, *argtypes)(self.table[slot])

    def check(self, status) -> None:
        if status:
            msg = self.fn(_S_GET_ERROR_MESSAGE, C.c_char_p, P)(status).decode()
            self.fn(_S_RELEASE_STATUS, None, P)(status)
            raise RuntimeError(f"ONNX Runtime: {msg}")


_api: _Api | None = None
_env = P()


def _get_api() -> _Api:
    global _api
    if _api is None:
        _api = _Api(find_library())
        _api.check(_api.fn(_S_CREATE_ENV, P, C.c_int, C.c_char_p, C.POINTER(P))(3, b"exporter", C.byref(_env)))
    return _api


class Session:
    def __init__(self, path: str, threads: int = 2, config: dict[str, str] | None = None):
        """`config`: session config entries (AddSessionConfigEntry), e.g. {"session.intra_op.allow_spinning": "0"}."""
        api = _get_api()
        self.api = api
        opts = P()
        api.check(api.fn(_S_CREATE_SESSION_OPTIONS, P, C.POINTER(P))(C.byref(opts)))
        api.check(api.fn(_S_SET_INTRA, P, P, C.c_int)(opts, threads))
        self.handle = P()
        try:
            for key, value in (config or {}).items():
                api.check(api.fn(_S_ADD_SESSION_CONFIG_ENTRY, P, P, C.c_char_p, C.c_char_p)(opts, key.encode(), str(value).encode()))
            api.check(api.fn(_S_CREATE_SESSION, P, P, C.c_char_p, P, C.POINTER(P))(_env, path.encode(), opts, C.byref(self.handle)))
        finally:
            api.fn(_S_RELEASE_SESSION_OPTIONS, None, P)(opts)

    def run(self, outputs: list[str], inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
        api = self.api
        mem = P()
        api.check(api.fn(_S_CREATE_CPU_MEMINFO, P, C.c_int, C.c_int, C.POINTER(P))(0, 0, C.byref(mem)))
        keep, values = [], []
        try:
            for arr in inputs.values():
                a = np.require(arr, requirements="C")  # keeps a 0-d tensor 0-d (ascontiguousarray makes it [1])
                keep.append(a)
                shape = (C.c_int64 * a.ndim)(*a.shape)
                v = P()
                api.check(api.fn(_S_CREATE_TENSOR_WITH_DATA, P, P, P, C.c_size_t, C.POINTER(C.c_int64), C.c_size_t, C.c_int, C.POINTER(P))(
                    mem, a.ctypes.data, a.nbytes, shape, a.ndim, _ELEM[a.dtype], C.byref(v)))
                values.append(v)
            in_names = (C.c_char_p * len(inputs))(*[k.encode() for k in inputs])
            out_names = (C.c_char_p * len(outputs))(*[k.encode() for k in outputs])
            in_vals = (P * len(values))(*values)
            out_vals = (P * len(outputs))()
            api.check(api.fn(_S_RUN, P, P, P, C.POINTER(C.c_char_p), C.POINTER(P), C.c_size_t, C.POINTER(C.c_char_p), C.c_size_t, C.POINTER(P))(
                self.handle, None, in_names, in_vals, len(values), out_names, len(outputs), out_vals))
            return [self._to_numpy(out_vals[i]) for i in range(len(outputs))]
        finally:
            for v in values:
                api.fn(_S_RELEASE_VALUE, None, P)(v)
            api.fn(_S_RELEASE_MEMINFO, None, P)(mem)

    def _to_numpy(self, value) -> np.ndarray:
        api = self.api
        try:
            info = P()
            api.check(api.fn(_S_GET_TYPE_SHAPE, P, P, C.POINTER(P))(value, C.byref(info)))
            n = C.c_size_t()
            elem = C.c_int()
            api.check(api.fn(_S_GET_ELEM_TYPE, P, P, C.POINTER(C.c_int))(info, C.byref(elem)))
            api.check(api.fn(_S_GET_DIM_COUNT, P, P, C.POINTER(C.c_size_t))(info, C.byref(n)))
            dims = (C.c_int64 * n.value)()
            api.check(api.fn(_S_GET_DIMS, P, P, C.POINTER(C.c_int64), C.c_size_t)(info, dims, n.value))
            api.fn(_S_RELEASE_TYPE_SHAPE, None, P)(info)
            data = P()
            api.check(api.fn(_S_GET_MUTABLE_DATA, P, P, C.POINTER(P))(value, C.byref(data)))
            dtype = np.dtype(_ELEM_BACK[elem.value])
            count = int(np.prod(list(dims))) if n.value else 1
            buf = (C.c_char * (count * dtype.itemsize)).from_address(data.value)
            return np.frombuffer(bytes(buf), dtype=dtype).reshape(list(dims)).copy()
        finally:
            api.fn(_S_RELEASE_VALUE, None, P)(value)

    def close(self) -> None:
        if self.handle:
            self.api.fn(_S_RELEASE_SESSION, None, P)(self.handle)
            self.handle = P()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
