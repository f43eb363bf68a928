"""Single-operator int8 models for the edgekit runtime's reductions, arg-min/max, resizes, TRANSPOSE_CONV and
BATCH_MATMUL, built with :class:`tests.opmodels.Builder` (no TensorFlow), for property tests against the
tflite-micro interpreter."""

from __future__ import annotations

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tests.opmodels import SAME, Builder

REDUCERS = {"MEAN": schema.BuiltinOperator.MEAN, "SUM": schema.BuiltinOperator.SUM,
            "REDUCE_MAX": schema.BuiltinOperator.REDUCE_MAX, "REDUCE_MIN": schema.BuiltinOperator.REDUCE_MIN}


def _quant(rng, low: float = 0.005, high: float = 0.1, zp: int = 20) -> tuple[float, int]:
    return float(rng.uniform(low, high)), int(rng.integers(-zp, zp + 1))


def reduce_model(rng, op: str, shape, axes, keep_dims: bool) -> bytes:
    """MEAN, SUM, REDUCE_MAX or REDUCE_MIN of an int8 tensor over constant ``axes`` (negative ones allowed,
    repeats allowed). MAX and MIN keep the input's quantization, as TFLM requires; SUM's output scale is
    wider, as the converter makes it."""
    b = Builder()
    s_in, zp_in = _quant(rng)
    x = b.tensor(shape, "int8", s_in, zp_in)
    axis = b.tensor([len(axes)], "int32", data=np.asarray(axes, dtype=np.int32))
    rank = len(shape)
    reduced = {a % rank for a in axes}
    out_shape = [1 if d in reduced else n for d, n in enumerate(shape)] if keep_dims else \
        [n for d, n in enumerate(shape) if d not in reduced]
    if op in ("REDUCE_MAX", "REDUCE_MIN"):
        s_out, zp_out = s_in, zp_in
    elif op == "SUM":
        count = int(np.prod([shape[d] for d in reduced]))
        s_out, zp_out = s_in * float(rng.uniform(0.3, 1.5)) * max(1.0, count ** 0.5), int(rng.integers(-20, 21))
    else:
        s_out, zp_out = _quant(rng)
    y = b.tensor(out_shape, "int8", s_out, zp_out)
    options = schema.ReducerOptionsT()
    options.keepDims = keep_dims
    b.operator(REDUCERS[op], [x, axis], [y], schema.BuiltinOptions.ReducerOptions, options, 2)
    return b.finish([x], [y])


def arg_model(rng, op: str, shape, axis: int, output_type: str = "int32") -> bytes:
    """ARG_MAX or ARG_MIN of an int8 tensor along a constant ``axis``; int32 or int64 indices. ``rng``
    is unused (the op has no quantization to draw) and kept for a uniform maker signature."""
    del rng
    b = Builder()
    x = b.tensor(shape, "int8", 0.05, 3)
    axis_tensor = b.tensor([1], "int32", data=np.asarray([axis], dtype=np.int32))
    out_shape = [n for d, n in enumerate(shape) if d != axis % len(shape)]
    y = b.tensor(out_shape, output_type)
    kind = getattr(schema.TensorType, output_type.upper())
    if op == "ARG_MAX":
        options = schema.ArgMaxOptionsT()
        code, options_type = schema.BuiltinOperator.ARG_MAX, schema.BuiltinOptions.ArgMaxOptions
    else:
        options = schema.ArgMinOptionsT()
        code, options_type = schema.BuiltinOperator.ARG_MIN, schema.BuiltinOptions.ArgMinOptions
    options.outputType = kind
    b.operator(code, [x, axis_tensor], [y], options_type, options, 2)
    return b.finish([x], [y])


def resize_model(rng, op: str, shape, out_hw, align_corners: bool, half_pixel: bool, dtype: str = "int8") -> bytes:
    """RESIZE_BILINEAR or RESIZE_NEAREST_NEIGHBOR of an NHWC tensor to a constant ``out_hw`` (same
    quantization in and out, as the converter gives them)."""
    b = Builder()
    scale, zp = _quant(rng)
    x = b.tensor(shape, dtype, scale, zp)
    size = b.tensor([2], "int32", data=np.asarray(out_hw, dtype=np.int32))
    y = b.tensor([shape[0], out_hw[0], out_hw[1], shape[3]], dtype, scale, zp)
    if op == "RESIZE_BILINEAR":
        options = schema.ResizeBilinearOptionsT()
        code, options_type = schema.BuiltinOperator.RESIZE_BILINEAR, schema.BuiltinOptions.ResizeBilinearOptions
    else:
        options = schema.ResizeNearestNeighborOptionsT()
        code = schema.BuiltinOperator.RESIZE_NEAREST_NEIGHBOR
        options_type = schema.BuiltinOptions.ResizeNearestNeighborOptions
    options.alignCorners, options.halfPixelCenters = align_corners, half_pixel
    b.operator(code, [x, size], [y], options_type, options, 3)
    return b.finish([x], [y])


def transpose_conv_out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """The output size TensorFlow gives a transposed convolution (conv2d_transpose without output_padding)."""
    return size * stride if padding == SAME else (size - 1) * stride + kernel


def transpose_conv_model(rng, batches: int, h: int, w: int, c: int, out_c: int, kh: int, kw: int, stride_h: int,
                         stride_w: int, padding: int, activation: int, bias: bool = True,
                         per_channel: bool = True) -> bytes:
    """TRANSPOSE_CONV with int8 weights (per-channel or per-tensor scales), an optional int32 bias and a
    fused activation; inputs in TFLM's order: output shape, filter [out_c, kh, kw, in_c], input, bias."""
    b = Builder()
    oh, ow = transpose_conv_out_size(h, kh, stride_h, padding), transpose_conv_out_size(w, kw, stride_w, padding)
    s_in, zp_in = _quant(rng, 0.005, 0.05)
    s_w = rng.uniform(0.001, 0.02, out_c) if per_channel else np.full(1, rng.uniform(0.001, 0.02))
    s_out, zp_out = float(rng.uniform(0.02, 0.2)), int(rng.integers(-10, 11))
    shape_tensor = b.tensor([4], "int32", data=np.asarray([batches, oh, ow, out_c], dtype=np.int32))
    weights = b.tensor([out_c, kh, kw, c], "int8", s_w, np.zeros(len(s_w)),
                       rng.integers(-127, 128, (out_c, kh, kw, c), dtype=np.int8), axis=0)
    x = b.tensor([batches, h, w, c], "int8", s_in, zp_in)
    inputs = [shape_tensor, weights, x]
    if bias:
        bias_scales = s_in * (s_w if per_channel else np.full(out_c, s_w[0]))
        inputs.append(b.tensor([out_c], "int32", bias_scales, np.zeros(out_c),
                               rng.integers(-3000, 3000, out_c).astype(np.int32)))
    y = b.tensor([batches, oh, ow, out_c], "int8", s_out, zp_out)
    options = schema.TransposeConvOptionsT()
    options.padding, options.strideH, options.strideW = padding, stride_h, stride_w
    options.fusedActivationFunction = activation
    b.operator(schema.BuiltinOperator.TRANSPOSE_CONV, inputs, [y], schema.BuiltinOptions.TransposeConvOptions,
               options, 4 if activation else 3)
    return b.finish([x], [y])


def batch_matmul_shapes(batch_lhs, batch_rhs, rows: int, depth: int, cols: int, adj_x: bool, adj_y: bool):
    """The LHS, RHS and output shapes of a BATCH_MATMUL with these batch dimensions (broadcast as numpy
    does) and matrix sizes."""
    lhs = [*batch_lhs, depth, rows] if adj_x else [*batch_lhs, rows, depth]
    rhs = [*batch_rhs, cols, depth] if adj_y else [*batch_rhs, depth, cols]
    batch = list(np.broadcast_shapes(tuple(batch_lhs), tuple(batch_rhs)))
    return lhs, rhs, [*batch, rows, cols]


def batch_matmul_model(rng, batch_lhs, batch_rhs, rows: int, depth: int, cols: int, adj_x: bool, adj_y: bool,
                       constant: str = "") -> bytes:
    """BATCH_MATMUL of two int8 tensors (per-tensor quantization, any zero points). ``constant`` names the
    operand that is a constant (``"rhs"``: a weight matrix, ``"lhs"``: weights on the left); with ``""``
    both are model inputs (attention's Q.K^T)."""
    b = Builder()
    lhs_shape, rhs_shape, out_shape = batch_matmul_shapes(batch_lhs, batch_rhs, rows, depth, cols, adj_x, adj_y)
    data = rng.integers(-128, 128, lhs_shape, dtype=np.int8) if constant == "lhs" else None
    lhs = b.tensor(lhs_shape, "int8", *_quant(rng, 0.01, 0.05), data=data)
    data = rng.integers(-128, 128, rhs_shape, dtype=np.int8) if constant == "rhs" else None
    rhs = b.tensor(rhs_shape, "int8", *_quant(rng, 0.01, 0.05), data=data)
    y = b.tensor(out_shape, "int8", float(rng.uniform(0.05, 0.5)) * max(1.0, depth ** 0.5) / 4,
                 int(rng.integers(-10, 11)))
    options = schema.BatchMatMulOptionsT()
    options.adjX, options.adjY = adj_x, adj_y
    b.operator(schema.BuiltinOperator.BATCH_MATMUL, [lhs, rhs], [y], schema.BuiltinOptions.BatchMatMulOptions,
               options, 1)
    return b.finish([t for t, name in ((lhs, "lhs"), (rhs, "rhs")) if name != constant], [y])
