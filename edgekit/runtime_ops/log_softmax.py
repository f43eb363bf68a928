"""LOG_SOFTMAX (``ek_log_softmax.c``, through ``ek_fixedpoint.c``)."""

from __future__ import annotations

import math

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import name_of, quant, quantize_multiplier, refuse

#: TFLM's fixed output quantization of an int8 LOG_SOFTMAX.
OUTPUT_SCALE, OUTPUT_ZERO_POINT = np.float32(16.0 / 256), 127


@handler("LOG_SOFTMAX", code_bytes=1_828)
def log_softmax(op, ctx: Context) -> OpCall:
    """TFLM's PreprocessLogSoftmaxScalingExp (beta 1, 5 integer bits): the input scale times 2^26 as a
    multiplier above one, its reverse as one below one, and the smallest difference that counts."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != "INT8" or out.dtype != "INT8":
        raise refuse(op, f"is {x.dtype} -> {out.dtype}; the edgekit runtime's LOG_SOFTMAX is int8 -> int8")
    s_in, _ = quant(x)
    s_out, zp_out = quant(out)
    if np.float32(s_out) != OUTPUT_SCALE or zp_out != OUTPUT_ZERO_POINT:
        raise refuse(op, "needs outputs with scale 16/256 and zero point 127 (as TFLM does)")
    real = min(1.0 * float(s_in) * (1 << (31 - 5)), (1 << 31) - 1.0)
    if real <= 1.0:
        raise refuse(op, "has an input scale below 2^-26, which TFLM's LOG_SOFTMAX rejects")
    multiplier, left_shift = quantize_multiplier(real)
    divisor, divisor_shift = quantize_multiplier((1 << (31 - left_shift)) / float(multiplier))
    diff_min = -math.floor(1.0 * ((1 << 5) - 1) * (1 << (31 - 5)) / (1 << left_shift))
    depth = x.shape[-1] if x.shape else 1
    params = (f"{{{x.num_elements // max(depth, 1)}, {depth}, {multiplier}, {left_shift}, {divisor}, "
              f"{divisor_shift}, {diff_min}}}")
    return OpCall(name_of(op), "ek_log_softmax_params", params,
                  f"ek_log_softmax_s8(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});", (), 0,
                  ("ek_log_softmax", "ek_fixedpoint"))
