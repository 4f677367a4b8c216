#!/usr/bin/python3
"""Writes the helper graphs DeviceTensorOps runs on whatever device the activations live on (CPU or CUDA), one
per tensor rank R in {3, 5} (ONNX graph inputs need a rank; all dims are symbolic):

    slice_batch_rR.onnx  x: float32[R dims], start: int64[1], end: int64[1] -> y = x[start:end] along axis 0
    to_host_rR.onnx      x: float32[R dims] -> y = x  (its output is bound to CPU memory: the copy to host)
    add_r3.onnx / sub_r3.onnx   a, b: float32[3 dims] -> y = a + b / a - b  (residual caches)
    extrapolate_r3.onnx  a, b: float32[3 dims], s: float32[1] -> y = a + (a - b) * s  (first-order forecasts)
    rel_l1_r3.onnx       a, b: float32[3 dims] -> y = sum|a - b| / sum|b|, a scalar read on the host (cache decisions)

Regenerate (committed; byte-for-byte reproducible):  /usr/bin/python3 src/MixCacheOrt/Pipelines/Resources/make_tensor_ops.py
"""
import os

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))


def save(graph, name):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="mixcacheort", producer_version="1")
    model.ir_version = 8
    onnx.checker.check_model(model)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(model.SerializeToString())


def dims(rank):
    return ["batch"] + [f"d{i}" for i in range(1, rank)]


for rank in (3, 5):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, dims(rank))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["out_batch"] + dims(rank)[1:])
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [0])
    save(helper.make_graph([helper.make_node("Slice", ["x", "start", "end", "axes"], ["y"])], f"slice_batch_r{rank}",
                           [x, helper.make_tensor_value_info("start", TensorProto.INT64, [1]),
                            helper.make_tensor_value_info("end", TensorProto.INT64, [1])],
                           [y], initializer=[axes]), f"slice_batch_r{rank}.onnx")
    y_same = helper.make_tensor_value_info("y", TensorProto.FLOAT, dims(rank))
    save(helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], f"to_host_r{rank}", [x], [y_same]), f"to_host_r{rank}.onnx")

for op, name in (("Add", "add_r3"), ("Sub", "sub_r3")):
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, dims(3))
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, dims(3))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, dims(3))
    save(helper.make_graph([helper.make_node(op, ["a", "b"], ["y"])], name, [a, b], [y]), f"{name}.onnx")

a = helper.make_tensor_value_info("a", TensorProto.FLOAT, dims(3))
b = helper.make_tensor_value_info("b", TensorProto.FLOAT, dims(3))
s = helper.make_tensor_value_info("s", TensorProto.FLOAT, [1])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, dims(3))
save(helper.make_graph([helper.make_node("Sub", ["a", "b"], ["slope"]), helper.make_node("Mul", ["slope", "s"], ["step"]),
                        helper.make_node("Add", ["a", "step"], ["y"])], "extrapolate_r3", [a, b, s], [y]), "extrapolate_r3.onnx")



def rel_l1(rank):
    """rel_l1_rR.onnx  a, b: float32[R dims] -> y = sum|a - b| / sum|b| (a scalar; its output is bound to CPU memory)."""
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, dims(rank))
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, dims(rank))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [])
    save(helper.make_graph([helper.make_node("Sub", ["a", "b"], ["d"]), helper.make_node("Abs", ["d"], ["ad"]),
                            helper.make_node("ReduceSum", ["ad"], ["num"], keepdims=0), helper.make_node("Abs", ["b"], ["ab"]),
                            helper.make_node("ReduceSum", ["ab"], ["den"], keepdims=0), helper.make_node("Div", ["num", "den"], ["y"])],
                           f"rel_l1_r{rank}", [a, b], [y]), f"rel_l1_r{rank}.onnx")


rel_l1(3)

# ---- Step math on the activation device (latent-shaped tensors, rank 5: [batch, C, F, H, W]) and rank-3 twins ----
# rel_l1_r5.onnx       as rel_l1_r3, rank 5 (step-output and CFG distances)
# lincombN_rR.onnx     t0..t{N-1}: float32[R dims], s: float32[N] -> y = (((t0·s0) + t1·s1) + t2·s2) + … (N = 2, 4, 6), in
#                      exactly this order, so the Euler and UniPC updates and forecasts equal their host float32 loops
# copy_rR.onnx         x -> y = x (a device-to-device copy when its output is bound to the activation device)
# guide_r5.onnx        v: [2, …] (cond, uncond), s: [1] -> guided = (c − u)·s + u, delta = u − c (classifier-free guidance)
# guide_delta_r5.onnx  cond: [1, …], delta: [1, …], s: [1] -> u = cond + delta; guided = (cond − u)·s + u (cfg/block cache)
# repeat2_r5.onnx      x: [1, …] -> y = concat(x, x) on the batch axis (the latent of both CFG branches)
# nonfinite_r5.onnx    x -> y = Σ x·0: 0 when every element is finite, NaN otherwise (a scalar read on the host)
# lowpass_r5.onnx      x: [B, C, F, H, W], basis: [1, 2K, H·W], inv: [1] -> y = ((x_planes · basisᵀ) · basis)·inv, the
#                      projection of every H×W plane on K DFT frequencies (rows cos, sin; inv = 1/(H·W)): FasterCache's
#                      low band
for rank in (3, 5):
    if rank == 5:
        rel_l1(5)
    for n in (2, 4, 6):
        terms = [helper.make_tensor_value_info(f"t{i}", TensorProto.FLOAT, dims(rank)) for i in range(n)]
        s = helper.make_tensor_value_info("s", TensorProto.FLOAT, [n])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, dims(rank))
        nodes, inits = [], []
        for i in range(n):
            inits += [helper.make_tensor(f"i{i}", TensorProto.INT64, [1], [i]), helper.make_tensor(f"j{i}", TensorProto.INT64, [1], [i + 1])]
            nodes.append(helper.make_node("Slice", ["s", f"i{i}", f"j{i}"], [f"s{i}"]))
            nodes.append(helper.make_node("Mul", [f"t{i}", f"s{i}"], [f"p{i}"]))
        acc = "p0"
        for i in range(1, n):
            out = "y" if i == n - 1 else f"acc{i}"
            nodes.append(helper.make_node("Add", [acc, f"p{i}"], [out]))
            acc = out
        save(helper.make_graph(nodes, f"lincomb{n}_r{rank}", terms + [s], [y], initializer=inits), f"lincomb{n}_r{rank}.onnx")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, dims(rank))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, dims(rank))
    save(helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], f"copy_r{rank}", [x], [y]), f"copy_r{rank}.onnx")

one = ["one"] + dims(5)[1:]
v = helper.make_tensor_value_info("v", TensorProto.FLOAT, ["two"] + dims(5)[1:])
s = helper.make_tensor_value_info("s", TensorProto.FLOAT, [1])
guided = helper.make_tensor_value_info("guided", TensorProto.FLOAT, one)
delta = helper.make_tensor_value_info("delta", TensorProto.FLOAT, one)
rows = [helper.make_tensor("zero", TensorProto.INT64, [1], [0]), helper.make_tensor("one_i", TensorProto.INT64, [1], [1]),
        helper.make_tensor("two_i", TensorProto.INT64, [1], [2])]
save(helper.make_graph([helper.make_node("Slice", ["v", "zero", "one_i", "zero"], ["c"]), helper.make_node("Slice", ["v", "one_i", "two_i", "zero"], ["u"]),
                        helper.make_node("Sub", ["c", "u"], ["cu"]), helper.make_node("Mul", ["cu", "s"], ["scaled"]),
                        helper.make_node("Add", ["scaled", "u"], ["guided"]), helper.make_node("Sub", ["u", "c"], ["delta"])],
                       "guide_r5", [v, s], [guided, delta], initializer=rows), "guide_r5.onnx")

cond = helper.make_tensor_value_info("cond", TensorProto.FLOAT, one)
delta_in = helper.make_tensor_value_info("delta", TensorProto.FLOAT, one)
save(helper.make_graph([helper.make_node("Add", ["cond", "delta"], ["u"]), helper.make_node("Sub", ["cond", "u"], ["cu"]),
                        helper.make_node("Mul", ["cu", "s"], ["scaled"]), helper.make_node("Add", ["scaled", "u"], ["guided"])],
                       "guide_delta_r5", [cond, delta_in, s], [guided]), "guide_delta_r5.onnx")

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, one)
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["two"] + dims(5)[1:])
save(helper.make_graph([helper.make_node("Concat", ["x", "x"], ["y"], axis=0)], "repeat2_r5", [x], [y]), "repeat2_r5.onnx")

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, dims(5))
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [])
zero_f = helper.make_tensor("zero_f", TensorProto.FLOAT, [], [0.0])
save(helper.make_graph([helper.make_node("Mul", ["x", "zero_f"], ["z"]), helper.make_node("ReduceSum", ["z"], ["y"], keepdims=0)],
                       "nonfinite_r5", [x], [y], initializer=[zero_f]), "nonfinite_r5.onnx")

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, dims(5))
basis = helper.make_tensor_value_info("basis", TensorProto.FLOAT, [1, "k2", "pixels"])
inv = helper.make_tensor_value_info("inv", TensorProto.FLOAT, [1])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, dims(5))
save(helper.make_graph([helper.make_node("Flatten", ["x"], ["planes"], axis=3), helper.make_node("Transpose", ["basis"], ["basis_t"], perm=[0, 2, 1]),
                        helper.make_node("MatMul", ["planes", "basis_t"], ["coefficients"]), helper.make_node("MatMul", ["coefficients", "basis"], ["back"]),
                        helper.make_node("Mul", ["back", "inv"], ["scaled"]), helper.make_node("Shape", ["x"], ["shape"]),
                        helper.make_node("Reshape", ["scaled", "shape"], ["y"])],
                       "lowpass_r5", [x, basis, inv], [y]), "lowpass_r5.onnx")

# cfg_distance_r5.onnx  v: [2, …] (cond, uncond) -> y = Σ|uncond − cond| / Σ|cond| (MixCache's D_cfg; a scalar read on the host)
v = helper.make_tensor_value_info("v", TensorProto.FLOAT, ["two"] + dims(5)[1:])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [])
save(helper.make_graph([helper.make_node("Slice", ["v", "zero", "one_i", "zero"], ["c"]), helper.make_node("Slice", ["v", "one_i", "two_i", "zero"], ["u"]),
                        helper.make_node("Sub", ["u", "c"], ["d"]), helper.make_node("Abs", ["d"], ["ad"]),
                        helper.make_node("ReduceSum", ["ad"], ["num"], keepdims=0), helper.make_node("Abs", ["c"], ["ac"]),
                        helper.make_node("ReduceSum", ["ac"], ["den"], keepdims=0), helper.make_node("Div", ["num", "den"], ["y"])],
                       "cfg_distance_r5", [v], [y], initializer=rows), "cfg_distance_r5.onnx")

# ---- float16 activations (packages exported with ladder.py --dtype fp16: hidden states between blocks are fp16) ----
# The rank-3 ops caches run on block outputs and residuals, for float16 tensors, named *_r3_f16.onnx: slice_batch,
# copy, add, sub, extrapolate (s stays float32, cast inside), rel_l1 (reduced in float32: an fp16 sum overflows), and
# to_host (casts to float32: the host reads float32).
F16 = TensorProto.FLOAT16


def f16(name, rank=3, dtype=F16):
    return helper.make_tensor_value_info(name, dtype, dims(rank))


axes = helper.make_tensor("axes", TensorProto.INT64, [1], [0])
save(helper.make_graph([helper.make_node("Slice", ["x", "start", "end", "axes"], ["y"])], "slice_batch_r3_f16",
                       [f16("x"), helper.make_tensor_value_info("start", TensorProto.INT64, [1]),
                        helper.make_tensor_value_info("end", TensorProto.INT64, [1])],
                       [helper.make_tensor_value_info("y", F16, ["out_batch"] + dims(3)[1:])], initializer=[axes]), "slice_batch_r3_f16.onnx")
save(helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "copy_r3_f16", [f16("x")], [f16("y")]), "copy_r3_f16.onnx")
save(helper.make_graph([helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT)], "to_host_r3_f16", [f16("x")],
                       [f16("y", dtype=TensorProto.FLOAT)]), "to_host_r3_f16.onnx")
for op, name in (("Add", "add_r3_f16"), ("Sub", "sub_r3_f16")):
    save(helper.make_graph([helper.make_node(op, ["a", "b"], ["y"])], name, [f16("a"), f16("b")], [f16("y")]), f"{name}.onnx")
save(helper.make_graph([helper.make_node("Cast", ["s"], ["s16"], to=F16), helper.make_node("Sub", ["a", "b"], ["slope"]),
                        helper.make_node("Mul", ["slope", "s16"], ["step"]), helper.make_node("Add", ["a", "step"], ["y"])],
                       "extrapolate_r3_f16", [f16("a"), f16("b"), helper.make_tensor_value_info("s", TensorProto.FLOAT, [1])], [f16("y")]),
     "extrapolate_r3_f16.onnx")
save(helper.make_graph([helper.make_node("Cast", ["a"], ["a32"], to=TensorProto.FLOAT), helper.make_node("Cast", ["b"], ["b32"], to=TensorProto.FLOAT),
                        helper.make_node("Sub", ["a32", "b32"], ["d"]), helper.make_node("Abs", ["d"], ["ad"]),
                        helper.make_node("ReduceSum", ["ad"], ["num"], keepdims=0), helper.make_node("Abs", ["b32"], ["ab"]),
                        helper.make_node("ReduceSum", ["ab"], ["den"], keepdims=0), helper.make_node("Div", ["num", "den"], ["y"])],
                       "rel_l1_r3_f16", [f16("a"), f16("b")], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [])]), "rel_l1_r3_f16.onnx")
