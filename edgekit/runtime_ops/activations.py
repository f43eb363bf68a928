"""The RELU family, LEAKY_RELU, PRELU, HARD_SWISH and ELU (``ek_activations.c``), int8 and int16 where
TFLM runs them. Multipliers and clamps are set up here with the float32 and double steps of TFLM's
Prepare functions; ELU's lookup table is built here exactly as TFLM builds it at Prepare time."""

from __future__ import annotations

import ctypes
import ctypes.util
import math

import numpy as np

from edgekit.runtime_ops import C_TYPES, Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import (TYPE_RANGE, c_array, c_list, name_of, quant, quantize_multiplier, refuse,
                                            round_half_away)

f32 = np.float32
#: Kernel name suffix of each integer tensor type.
SUFFIX = {"INT8": "s8", "INT16": "s16"}
#: The clamp bounds (in real values) of each RELU-family op; None is unbounded.
RELU_BOUNDS = {"RELU": (0.0, None), "RELU_N1_TO_1": (-1.0, 1.0), "RELU_0_TO_1": (0.0, 1.0)}


def integer_suffix(op, ctx: Context, dtypes=("INT8", "INT16")) -> str:
    """The kernel suffix for an op whose input and output share one of ``dtypes``, or the refusal."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != out.dtype or x.dtype not in dtypes:
        kinds = " or ".join(d.lower() for d in dtypes)
        raise refuse(op, f"is {x.dtype} -> {out.dtype}; the edgekit runtime runs {op.op} on {kinds}")
    return SUFFIX[x.dtype]


def quantize_to(value: float, scale: float, zero_point: int, dtype: str) -> int:
    """``zero_point + round(value / scale)`` in float32 (TFLM's clamp and FloatToQuantizedType), clamped
    to ``dtype``."""
    low, high = TYPE_RANGE[dtype]
    return min(high, max(low, zero_point + round_half_away(float(f32(value) / f32(scale)))))


def float32_ratio_multiplier(numerator, denominator) -> tuple[int, int]:
    """QuantizeMultiplier of ``numerator / denominator`` divided in float32, then widened to double, as
    TFLM's RELU, LEAKY_RELU, HARD_SWISH and ABS do it."""
    return quantize_multiplier(float(f32(numerator) / f32(denominator)))


@handler("RELU", "RELU_N1_TO_1", "RELU_0_TO_1", "RELU6",
         code_bytes={"RELU": 180, "RELU_N1_TO_1": 180, "RELU_0_TO_1": 180, "RELU6": 44})
def relu(op, ctx: Context) -> OpCall:
    """RELU requantizes and clamps (TFLM's ReluQuantized); RELU_N1_TO_1 and RELU_0_TO_1 do the same with
    their bounds (TFLite's; TFLM does not run them); RELU6 clamps the input to [q(0), q(6)] in the input's
    quantization, without requantizing, as TFLM's Relu6Quantized."""
    suffix = integer_suffix(op, ctx, ("INT8", "INT16") if op.op in ("RELU", "RELU6") else ("INT8",))
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    (s_in, zp_in), (s_out, zp_out) = quant(x), quant(out)
    count, refs = out.num_elements, f"{ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])}"
    if op.op == "RELU6":
        low, high = zp_in, quantize_to(6.0, s_in, zp_in, x.dtype)
        return OpCall(name_of(op), "", "", f"ek_clamp_only_{suffix}({count}, {low}, {high}, {refs});", (), 0,
                      ("ek_activations",))
    if suffix == "s16" and (zp_in or zp_out):
        raise refuse(op, "is int16 with a nonzero zero point, which TFLM rejects")
    multiplier, shift = float32_ratio_multiplier(s_in, s_out)
    low_real, high_real = RELU_BOUNDS[op.op]
    low = quantize_to(low_real, s_out, zp_out, out.dtype)
    high = TYPE_RANGE[out.dtype][1] if high_real is None else quantize_to(high_real, s_out, zp_out, out.dtype)
    if (multiplier, shift) == (1 << 30, 1) and zp_in == zp_out:
        # MultiplyByQuantizedMultiplier(x, 2^30, 1) is x exactly: a clamp gives the same bytes, faster
        return OpCall(name_of(op), "", "", f"ek_clamp_only_{suffix}({count}, {low}, {high}, {refs});", (), 0,
                      ("ek_activations",))
    params = f"{{{count}, {zp_in}, {zp_out}, {multiplier}, {shift}, {low}, {high}}}"
    return OpCall(name_of(op), "ek_relu_params", params, f"ek_relu_{suffix}(P, {refs});", (), 0,
                  ("ek_activations",))


def signed_multiplier(real: float) -> tuple[int, int, bool]:
    """TFLM's QuantizeMultiplier of a real that may be negative, as LEAKY_RELU uses it: the magnitude of
    the int32 multiplier, its shift, and whether to negate the product. A negative fraction that rounds
    to -2^31 is not renormalised by TFLM, and its negation wraps back to -2^31 in int32, as here."""
    multiplier, shift = quantize_multiplier(real)  # negative for a negative real, as TFLM's
    if multiplier >= 0:
        return multiplier, shift, False
    return (-(1 << 31) if multiplier == -(1 << 31) else -multiplier), shift, True


@handler("LEAKY_RELU", code_bytes=288)
def leaky_relu(op, ctx: Context) -> OpCall:
    """TFLM's QuantizeLeakyRelu: non-negative inputs scale by s_in / s_out, negative ones by
    s_in * alpha / s_out (float32 products, as TFLM's Prepare), alpha of either sign."""
    suffix = integer_suffix(op, ctx)
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    (s_in, zp_in), (s_out, zp_out) = quant(x), quant(out)
    alpha = f32(op.option("alpha", 0.0))
    identity_multiplier, identity_shift = float32_ratio_multiplier(s_in, s_out)
    alpha_multiplier, alpha_shift, negate = signed_multiplier(float((f32(s_in) * alpha) / f32(s_out)))
    params = (f"{{{out.num_elements}, {zp_in}, {zp_out}, {identity_multiplier}, {identity_shift}, "
              f"{alpha_multiplier}, {alpha_shift}, {int(negate)}}}")
    return OpCall(name_of(op), "ek_leaky_relu_params", params,
                  f"ek_leaky_relu_{suffix}(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});", (), 0,
                  ("ek_activations",))


def broadcast_loops(a_shape, b_shape, out_shape) -> tuple[list[int], list[int], list[int]]:
    """The loop nest of TFLM's BroadcastBinaryOpSimple, innermost first: each loop's extent and the
    element strides of the two operands (0 where one broadcasts), with adjacent loops fused where the
    strides allow, so the innermost loop is as long as possible."""
    rank = max(len(a_shape), len(b_shape), len(out_shape), 1)

    def extend(shape):
        return [1] * (rank - len(shape)) + list(shape)

    a_dims, b_dims, out_dims = extend(a_shape), extend(b_shape), extend(out_shape)
    shape: list[int] = []
    a_strides: list[int] = []
    b_strides: list[int] = []
    out_strides: list[int] = []

    def can_fuse(extent, stride, expected, previous):
        if extent == 1:
            return True
        return stride == 0 if previous == 0 else stride == expected

    a_accum = b_accum = out_accum = 1
    for d in reversed(range(rank)):
        a_dim, b_dim, extent = a_dims[d], b_dims[d], out_dims[d]
        a_stride = 0 if a_dim == 1 and extent != 1 else a_accum
        b_stride = 0 if b_dim == 1 and extent != 1 else b_accum
        if shape and can_fuse(extent, a_stride, a_accum, a_strides[-1]) and \
                can_fuse(extent, b_stride, b_accum, b_strides[-1]) and \
                can_fuse(extent, out_accum, out_accum, out_strides[-1]):
            shape[-1] *= extent
        else:
            shape.append(extent)
            a_strides.append(a_stride)
            b_strides.append(b_stride)
            out_strides.append(out_accum)
        a_accum, b_accum, out_accum = a_accum * a_dim, b_accum * b_dim, out_accum * extent
    return shape, a_strides, b_strides


@handler("PRELU", code_bytes=412)
def prelu(op, ctx: Context) -> OpCall:
    """TFLM's BroadcastPrelu4DSlow: x >= zp_in scales by s_in / s_out, x < zp_in by
    (x - zp_in) * (alpha - zp_alpha) * s_in * s_alpha / s_out (double, as TFLM's Prepare); int8 alpha."""
    suffix = integer_suffix(op, ctx)
    x, alpha, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    if alpha.dtype != "INT8":
        raise refuse(op, f"has {alpha.dtype} alpha; TFLM's PRELU takes int8 alpha")
    (s_in, zp_in), (s_alpha, zp_alpha), (s_out, zp_out) = quant(x), quant(alpha), quant(out)
    identity_multiplier, identity_shift = quantize_multiplier(float(s_in) / float(s_out))
    alpha_multiplier, alpha_shift = quantize_multiplier(float(s_in) * float(s_alpha) / float(s_out))
    shape, input_strides, alpha_strides = broadcast_loops(x.shape, alpha.shape, out.shape)
    if len(shape) > 8:
        raise refuse(op, f"broadcasts over {len(shape)} dimensions; TFLM's limit is 8")
    pad = [0] * (8 - len(shape))
    params = (f"{{{len(shape)}, {c_list(shape + pad)}, {c_list(input_strides + pad)}, {c_list(alpha_strides + pad)}, "
              f"{-zp_in}, {-zp_alpha}, {zp_out}, {identity_multiplier}, {identity_shift}, {alpha_multiplier}, "
              f"{alpha_shift}}}")
    return OpCall(name_of(op), "ek_prelu_params", params,
                  f"ek_prelu_{suffix}(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.inputs[1])}, "
                  f"{ctx.ref(op.outputs[0])});", (), 0, ("ek_activations",))


def downscale_to_int16(multiplier: int) -> int:
    """TFLM's DownScaleInt32ToInt16Multiplier: a Q0.31 multiplier rounded to Q0.15."""
    return 32767 if multiplier >= (1 << 31) - 1 - (1 << 15) else (multiplier + (1 << 15)) >> 16


@handler("HARD_SWISH", code_bytes=548)
def hard_swish(op, ctx: Context) -> OpCall:
    """TFLM's int8 HARD_SWISH set-up: the input on a 2^-7 finer scale, multipliers to the output scale
    and to the "reluish" scale (3.0 = 32768), rounded to 16 bits (float32 ratios, as TFLM's Prepare)."""
    integer_suffix(op, ctx, ("INT8",))
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    (s_in, zp_in), (s_out, zp_out) = quant(x), quant(out)
    hires_input_scale = f32(1.0 / 128.0) * f32(s_in)
    output_multiplier, output_exponent = float32_ratio_multiplier(hires_input_scale, s_out)
    if output_exponent > 0:
        raise refuse(op, "has an output scale at or below 1/128 of its input scale, which TFLM's HARD_SWISH rejects")
    reluish_multiplier, reluish_exponent = float32_ratio_multiplier(hires_input_scale, f32(3.0) / f32(32768.0))
    params = (f"{{{out.num_elements}, {zp_in}, {zp_out}, {downscale_to_int16(output_multiplier)}, {output_exponent}, "
              f"{downscale_to_int16(reluish_multiplier)}, {reluish_exponent}}}")
    return OpCall(name_of(op), "ek_hard_swish_params", params,
                  f"ek_hard_swish_s8(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});", (), 0,
                  ("ek_activations",))


def _libm_expf():
    """The C library's ``expf``, which TFLM's ELU table calls; None where it cannot be loaded."""
    try:
        libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
        function = libm.expf
    except (OSError, AttributeError):
        return None
    function.restype, function.argtypes = ctypes.c_float, [ctypes.c_float]
    return function


_EXPF = _libm_expf()


def expf(value) -> np.float32:
    """``expf`` of a float32: the C library's where it loads (the host TFLM's own), else exp in double
    rounded to float32 (the same value but in rare ties)."""
    if _EXPF is not None:
        return f32(_EXPF(float(value)))
    return f32(math.exp(float(value)))


def cast_to_int32(value: np.float32) -> int:
    """C's ``static_cast<int32_t>`` of a float as x86 does it (the reference TFLM runs on the host):
    toward zero, and INT32_MIN where the value does not fit."""
    if not math.isfinite(float(value)) or not -2.0**31 <= float(value) < 2.0**31:
        return -(1 << 31)
    return int(float(value))


def elu_table(s_in: float, zp_in: int, s_out: float, zp_out: int) -> np.ndarray:
    """TFLM's ELU lookup table (PopulateLookupTable in elu.cc), every step in float32: dequantize, ELU
    with expf, multiply by the inverse output scale, roundf, add the zero point, clamp; indexed by the
    input's byte."""
    inverse_scale = f32(1.0) / f32(s_out)
    table = np.zeros(256, dtype=np.int8)
    for value in range(-128, 128):
        dequantized = f32(s_in) * f32(value - zp_in)
        transformed = expf(dequantized) - f32(1.0) if dequantized < 0 else dequantized
        rescaled = f32(round_half_away(float(f32(transformed * inverse_scale))))
        quantized = cast_to_int32(f32(rescaled + f32(zp_out)))
        table[value & 0xFF] = min(127, max(-128, quantized))
    return table


@handler("ELU", code_bytes=28)
def elu(op, ctx: Context) -> OpCall:
    """int8 ELU through a 256-entry table, as TFLM: built here, stored in flash."""
    integer_suffix(op, ctx, ("INT8",))
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    (s_in, zp_in), (s_out, zp_out) = quant(x), quant(out)
    name = f"k_op{op.index}_elu"
    table = c_array(name, C_TYPES["INT8"], elu_table(s_in, zp_in, s_out, zp_out))
    return OpCall(name_of(op), "", "",
                  f"ek_lookup_s8({out.num_elements}, {name}, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});",
                  (table,), 256, ("ek_activations",))
