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

# rel_l1_r3.onnx  a, b: float32[3 dims] -> y = sum|a - b| / sum|b| (a scalar; its output is bound to CPU memory)
a = helper.make_tensor_value_info("a", TensorProto.FLOAT, dims(3))
b = helper.make_tensor_value_info("b", TensorProto.FLOAT, dims(3))
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [])
save(helper.make_graph([helper.make_node("Sub", ["a", "b"], ["d"]), helper.make_node("Abs", ["d"], ["ad"]),
                        helper.make_node("ReduceSum", ["ad"], ["num"], keepdims=0), helper.make_node("Abs", ["b"], ["ab"]),
                        helper.make_node("ReduceSum", ["ab"], ["den"], keepdims=0), helper.make_node("Div", ["num", "den"], ["y"])],
                       "rel_l1_r3", [a, b], [y]), "rel_l1_r3.onnx")
