"""Single-operator models of the elementwise binary ops (ADD, SUB, MUL, SQUARED_DIFFERENCE, MAXIMUM,
MINIMUM, DIV, the comparisons) and SELECT_V2, with any broadcastable shapes, for property tests of the
edgekit runtime against the tflite-micro interpreter."""

from __future__ import annotations

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tests.opmodels import Builder

#: Ops with a fused activation in their options.
WITH_ACTIVATION = {"ADD", "SUB", "MUL", "DIV"}
COMPARISONS = ("EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL")
#: Builtin op versions TFLM's op resolver accepts for int8/int16 (any version runs on TFLM's kernels).
VERSION = 2


def _options(op: str):
    """The builtin options type and object of ``op``."""
    name = {"MAXIMUM": "MaximumMinimum", "MINIMUM": "MaximumMinimum", "SELECT_V2": "SelectV2"}.get(
        op, "".join(part.capitalize() for part in op.split("_")))
    return getattr(schema.BuiltinOptions, f"{name}Options"), getattr(schema, f"{name}OptionsT")()


def broadcast_to(shape1, shape2) -> list[int]:
    """numpy's broadcast shape of two shapes."""
    return list(np.broadcast_shapes(tuple(shape1), tuple(shape2)))


def binary_model(rng, op: str, dtype: str, shape1, shape2, activation: int = 0, constant_second: bool = False,
                 second_data=None, out_shape=None) -> bytes:
    """``op`` of two tensors of ``dtype`` (int8 or int16 with random scales and zero points, zero points 0
    for int16 as TFLM's int16 kernels want; int32 or bool without quantization); the second input is a constant when ``constant_second``
    (its values ``second_data`` or random). Comparisons write bool. The output's shape is the inputs'
    broadcast shape unless ``out_shape`` says otherwise."""
    b = Builder()
    int16 = dtype == "int16"

    def quantization(low: float, high: float) -> tuple[float | None, int | None]:
        if dtype not in ("int8", "int16"):
            return None, None  # int32 and bool tensors carry no quantization
        scale = float(rng.uniform(low, high)) / (256 if int16 else 1)
        if int16:
            return scale, 0
        # now and then a zero point at the edge of the int8 range, where offsets reach +-255
        return scale, int(rng.choice([-128, 127])) if rng.random() < 0.2 else int(rng.integers(-30, 30))

    s1, zp1 = quantization(0.005, 0.1)
    s2, zp2 = quantization(0.005, 0.1)
    if op in COMPARISONS and rng.random() < 0.5:  # one quantization: equal values occur, EQUAL and LESS differ
        s2, zp2 = s1, zp1
    x = b.tensor(shape1, dtype, s1, zp1)
    if constant_second:
        info = np.iinfo(np.dtype(dtype))
        data = second_data if second_data is not None else rng.integers(info.min, int(info.max) + 1, shape2)
        other = b.tensor(shape2, dtype, s2, zp2, np.asarray(data).astype(info.dtype))
    else:
        other = b.tensor(shape2, dtype, s2, zp2)
    out_shape = broadcast_to(shape1, shape2) if out_shape is None else out_shape
    if op in COMPARISONS:
        y = b.tensor(out_shape, "bool")
    else:
        bounds = {"MUL": (0.0005, 0.02), "SQUARED_DIFFERENCE": (0.0005, 0.03), "DIV": (0.05, 1.0)}
        s_out, zp_out = quantization(*bounds.get(op, (0.01, 0.2)))
        if op in ("MAXIMUM", "MINIMUM"):  # the converter gives inputs and output one quantization
            s_out, zp_out = s1, zp1
        y = b.tensor(out_shape, dtype, s_out, zp_out)
    kind, options = _options(op)
    if op in WITH_ACTIVATION:
        options.fusedActivationFunction = activation
    b.operator(getattr(schema.BuiltinOperator, op), [x, other], [y], kind, options, VERSION)
    return b.finish([x] if constant_second else [x, other], [y])


def select_model(rng, dtype: str, condition_shape, x_shape, y_shape) -> bytes:
    """SELECT_V2 of a bool condition input and two value inputs of ``dtype`` (int8, int16 or float32) that
    share one quantization, all three graph inputs."""
    b = Builder()
    out_shape = list(np.broadcast_shapes(tuple(condition_shape), tuple(x_shape), tuple(y_shape)))
    scale, zp = (float(rng.uniform(0.01, 0.1)), int(rng.integers(-20, 20))) if dtype != "float32" else (None, None)
    if dtype == "int16":
        zp = 0
    condition = b.tensor(condition_shape, "bool")
    x = b.tensor(x_shape, dtype, scale, zp)
    y = b.tensor(y_shape, dtype, scale, zp)
    out = b.tensor(out_shape, dtype, scale, zp)
    kind, options = _options("SELECT_V2")
    b.operator(schema.BuiltinOperator.SELECT_V2, [condition, x, y], [out], kind, options, 1)
    return b.finish([condition, x, y], [out])
