"""Single-operator models of the unary ops (activations, ABS/NEG/RSQRT, LOG_SOFTMAX, L2_NORMALIZATION,
QUANTIZE/DEQUANTIZE) built with :class:`tests.opmodels.Builder`, for property tests of the edgekit runtime
against the tflite-micro interpreter."""

from __future__ import annotations

import numpy as np

from tests.opmodels import Builder, schema

OPTIONS = {  # op -> (BuiltinOptions type, options object maker)
    "LEAKY_RELU": (schema.BuiltinOptions.LeakyReluOptions, schema.LeakyReluOptionsT),
    "L2_NORMALIZATION": (schema.BuiltinOptions.L2NormOptions, schema.L2NormOptionsT),
    "LOG_SOFTMAX": (schema.BuiltinOptions.LogSoftmaxOptions, schema.LogSoftmaxOptionsT),
    "HARD_SWISH": (schema.BuiltinOptions.HardSwishOptions, schema.HardSwishOptionsT),
    "ABS": (schema.BuiltinOptions.AbsOptions, schema.AbsOptionsT),
    "NEG": (schema.BuiltinOptions.NegOptions, schema.NegOptionsT),
    "QUANTIZE": (schema.BuiltinOptions.QuantizeOptions, schema.QuantizeOptionsT),
}


def _quantization(dtype: str, scale: float | None, zero_point: int):
    return (None, None) if dtype == "float32" or scale is None else (scale, zero_point)


def unary_model(op: str, shape, in_type: str, in_q: tuple, out_type: str, out_q: tuple,
                alpha: float | None = None, version: int = 1) -> bytes:
    """One ``op`` from an input of ``in_type`` quantized ``in_q = (scale, zero_point)`` to an output of
    ``out_type`` quantized ``out_q`` (either ``(None, 0)`` for float32); ``alpha`` for LEAKY_RELU."""
    b = Builder()
    x = b.tensor(shape, in_type, *_quantization(in_type, *in_q))
    y = b.tensor(shape, out_type, *_quantization(out_type, *out_q))
    b.operator(getattr(schema.BuiltinOperator, op), [x], [y], *options_of(op, alpha), version)
    return b.finish([x], [y])


def options_of(op: str, alpha: float | None = None) -> tuple[int, object]:
    """The builtin options type and object of ``op`` (``alpha`` set for LEAKY_RELU)."""
    if op not in OPTIONS:
        return 0, None
    kind, make = OPTIONS[op]
    options = make()
    if alpha is not None:
        options.alpha = float(alpha)
    return kind, options


def prelu_model(rng, shape, alpha_shape, out_shape, dtype: str, in_q: tuple, alpha_q: tuple, out_q: tuple) -> bytes:
    """PRELU of an int8 or int16 input with a constant int8 alpha of ``alpha_shape`` (broadcast to
    ``out_shape`` as TFLM's BroadcastBinaryOpSimple does)."""
    b = Builder()
    x = b.tensor(shape, dtype, *in_q)
    alpha = b.tensor(alpha_shape, "int8", *alpha_q, data=rng.integers(-128, 128, alpha_shape, dtype=np.int8))
    y = b.tensor(out_shape, dtype, *out_q)
    b.operator(schema.BuiltinOperator.PRELU, [x, alpha], [y])
    return b.finish([x], [y])


def chain_model(rng, ops, shape) -> bytes:
    """int8 unary ops one after the other (each ``(op, alpha)``), every tensor with its own quantization:
    the intermediate tensors are where the runtime writes outputs over inputs."""
    b = Builder()
    quantization = [(float(rng.uniform(0.02, 0.1)), int(rng.integers(-20, 20))) for _ in range(len(ops) + 1)]
    tensors = [b.tensor(shape, "int8", *q) for q in quantization]
    for (op, alpha), x, y in zip(ops, tensors, tensors[1:]):
        b.operator(getattr(schema.BuiltinOperator, op), [x], [y], *options_of(op, alpha))
    return b.finish([tensors[0]], [tensors[-1]])
