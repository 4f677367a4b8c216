#!/usr/bin/python3
"""Writes the small ONNX graphs the MixCacheOrt tests (and the CUDA probe) load.

Regenerate (the .onnx files are committed; the output is byte-for-byte reproducible):

    apt-get install -y python3-onnx          # Debian's onnx, for /usr/bin/python3
    /usr/bin/python3 tests/MixCacheOrt.Tests/TestData/make_test_graphs.py

Graphs (opset 17, IR version 8; "batch" is a symbolic dimension):

    add_mul.onnx      a, b: float32[batch, 3]    -> sum = a + b, product = a * b
    matmul.onnx       x: float32[batch, 4], w: float32[4, 3] -> y = x @ w
    add_f16.onnx      a, b: float16[batch, 4]    -> sum = a + b
    scale.onnx        x: float32[batch, 3]       -> y = 2 * x + 1   (constants are initializers)
    probe_identity.onnx (into src/MixCacheOrt/Ort/Resources/)
                      x: float32[1]              -> y = x           (used by OrtRuntime.ProbeCuda)

The tests compute every expected value themselves; nothing here is trusted.
"""

import os
import sys

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
OPSET = 17
IR_VERSION = 8


def tensor(name, elem_type, shape):
    return helper.make_tensor_value_info(name, elem_type, shape)


def save(graph, path):
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="mixcacheort-tests",
        producer_version="1",
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    print(f"wrote {os.path.relpath(path, REPO)} ({os.path.getsize(path)} bytes)")


def add_mul():
    return helper.make_graph(
        [
            helper.make_node("Add", ["a", "b"], ["sum"]),
            helper.make_node("Mul", ["a", "b"], ["product"]),
        ],
        "add_mul",
        [tensor("a", TensorProto.FLOAT, ["batch", 3]), tensor("b", TensorProto.FLOAT, ["batch", 3])],
        [tensor("sum", TensorProto.FLOAT, ["batch", 3]), tensor("product", TensorProto.FLOAT, ["batch", 3])],
    )


def matmul():
    return helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "matmul",
        [tensor("x", TensorProto.FLOAT, ["batch", 4]), tensor("w", TensorProto.FLOAT, [4, 3])],
        [tensor("y", TensorProto.FLOAT, ["batch", 3])],
    )


def add_f16():
    return helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["sum"])],
        "add_f16",
        [tensor("a", TensorProto.FLOAT16, ["batch", 4]), tensor("b", TensorProto.FLOAT16, ["batch", 4])],
        [tensor("sum", TensorProto.FLOAT16, ["batch", 4])],
    )


def scale():
    return helper.make_graph(
        [
            helper.make_node("Mul", ["x", "two"], ["doubled"]),
            helper.make_node("Add", ["doubled", "one"], ["y"]),
        ],
        "scale",
        [tensor("x", TensorProto.FLOAT, ["batch", 3])],
        [tensor("y", TensorProto.FLOAT, ["batch", 3])],
        initializer=[
            helper.make_tensor("two", TensorProto.FLOAT, [], [2.0]),
            helper.make_tensor("one", TensorProto.FLOAT, [], [1.0]),
        ],
    )


def probe_identity():
    return helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "probe_identity",
        [tensor("x", TensorProto.FLOAT, [1])],
        [tensor("y", TensorProto.FLOAT, [1])],
    )


def main():
    save(add_mul(), os.path.join(HERE, "add_mul.onnx"))
    save(matmul(), os.path.join(HERE, "matmul.onnx"))
    save(add_f16(), os.path.join(HERE, "add_f16.onnx"))
    save(scale(), os.path.join(HERE, "scale.onnx"))
    resources = os.path.join(REPO, "src", "MixCacheOrt", "Ort", "Resources")
    os.makedirs(resources, exist_ok=True)
    save(probe_identity(), os.path.join(resources, "probe_identity.onnx"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
