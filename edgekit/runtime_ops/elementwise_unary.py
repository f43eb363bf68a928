"""ABS, NEG and RSQRT (``ek_elementwise_unary.c``): int8 and int16 as TFLM's elementwise.cc runs them,
and the float32 ABS and NEG (TFLM runs NEG on float32 only)."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.activations import float32_ratio_multiplier, integer_suffix
from edgekit.runtime_ops.fixedpoint import name_of, quant, quantize_multiplier, refuse

f32 = np.float32


def _float_call(op, ctx: Context, kernel: str) -> OpCall:
    out = ctx.tensor(op.outputs[0])
    return OpCall(name_of(op), "", "", f"{kernel}({out.num_elements}, {ctx.ref(op.inputs[0])}, "
                  f"{ctx.ref(op.outputs[0])});", (), 0, ("ek_elementwise_unary",))


def _quantized(op, ctx: Context, dtypes) -> tuple[str, tuple[float, int], tuple[float, int]]:
    """The kernel suffix and the (scale, zero point) of input and output; int16 needs zero points 0 (TFLM
    checks it)."""
    suffix = integer_suffix(op, ctx, dtypes)
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.quantization is None or out.quantization is None:
        raise refuse(op, "has integer tensors without quantization, which the edgekit runtime does not run")
    (s_in, zp_in), (s_out, zp_out) = quant(x), quant(out)
    if suffix == "s16" and (zp_in or zp_out):
        raise refuse(op, "is int16 with a nonzero zero point, which TFLM rejects")
    return suffix, (s_in, zp_in), (s_out, zp_out)


@handler("ABS", code_bytes=192)
def absolute(op, ctx: Context) -> OpCall:
    """|x - zp_in| + zp_out, rescaled by s_in / s_out (a float32 ratio) only when the scales differ."""
    if ctx.tensor(op.inputs[0]).dtype == "FLOAT32":
        return _float_call(op, ctx, "ek_abs_f32")
    suffix, (s_in, zp_in), (s_out, zp_out) = _quantized(op, ctx, ("INT8", "INT16"))
    rescale = f32(s_in) != f32(s_out)
    multiplier, shift = float32_ratio_multiplier(s_in, s_out) if rescale else (0, 0)
    params = f"{{{ctx.tensor(op.outputs[0]).num_elements}, {zp_in}, {zp_out}, {multiplier}, {shift}, {int(rescale)}}}"
    return OpCall(name_of(op), "ek_unary_params", params,
                  f"ek_abs_{suffix}(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});", (), 0,
                  ("ek_elementwise_unary",))


@handler("NEG", code_bytes=28)
def negate(op, ctx: Context) -> OpCall:
    """float32 negation: the only NEG TFLM runs."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != "FLOAT32" or out.dtype != "FLOAT32":
        raise refuse(op, f"is {x.dtype}; TFLM runs NEG on float32 only, and so does the edgekit runtime")
    return _float_call(op, ctx, "ek_neg_f32")


@handler("RSQRT", code_bytes=756)
def rsqrt(op, ctx: Context) -> OpCall:
    """TFLM's quantized RSQRT: 1/sqrt(x - zp_in) by its fixed-point inverse square root, then scaled by
    1 / (sqrt(s_in) * s_out) (float32 sqrt and product, double reciprocal, as TFLM's Prepare)."""
    suffix, (s_in, zp_in), (s_out, zp_out) = _quantized(op, ctx, ("INT8", "INT16"))
    multiplier, shift = quantize_multiplier(1.0 / float(np.sqrt(f32(s_in)) * f32(s_out)))
    params = f"{{{ctx.tensor(op.outputs[0]).num_elements}, {zp_in}, {zp_out}, {multiplier}, {shift}, 1}}"
    return OpCall(name_of(op), "ek_unary_params", params,
                  f"ek_rsqrt_{suffix}(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});", (), 0,
                  ("ek_elementwise_unary",))
