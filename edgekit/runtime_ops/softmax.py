"""SOFTMAX (``ek_softmax.c``, through ``ek_fixedpoint.c``)."""

from __future__ import annotations

import math

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import name_of, quant, quantize_multiplier, refuse


@handler("SOFTMAX", code_bytes=716)
def softmax(op, ctx: Context) -> OpCall:
    """TFLM's softmax set-up: beta * input scale as a Q5.26 multiplier and the smallest difference that
    still counts."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    s_in, _ = quant(x)
    s_out, zp_out = quant(out)
    if x.dtype != "INT8" or out.dtype not in ("INT8", "INT16"):
        raise refuse(op, f"is {x.dtype} -> {out.dtype}; the edgekit runtime's softmax is int8 -> int8 or int16")
    if out.dtype == "INT8" and (zp_out != -128 or np.float32(s_out) != np.float32(1.0 / 256)):
        raise refuse(op, "needs softmax outputs with scale 1/256 and zero point -128 (as TFLM does)")
    if out.dtype == "INT16" and (zp_out != -32768 or abs(float(s_out) - 1.0 / 65536) > 0.001 / 65536):
        raise refuse(op, "needs int16 softmax outputs with scale 1/65536 and zero point -32768 (as TFLM does)")
    beta = float(np.float32(op.option("beta", 1.0)))
    real = min(beta * float(s_in) * (1 << (31 - 5)), (1 << 31) - 1.0)
    multiplier, left_shift = quantize_multiplier(real)
    diff_min = -math.floor(1.0 * ((1 << 5) - 1) * (1 << (31 - 5)) / (1 << left_shift))
    depth = x.shape[-1]
    params = f"{{{x.num_elements // depth}, {depth}, {multiplier}, {left_shift}, {diff_min}}}"
    kernel = "ek_softmax_s8_s16" if out.dtype == "INT16" else "ek_softmax_s8"
    return OpCall(name_of(op), "ek_softmax_params", params,
                  f"{kernel}(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});", (), 0,
                  ("ek_softmax", "ek_fixedpoint"))
