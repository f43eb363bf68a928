"""SQUARED_DIFFERENCE (``ek_squared_difference.c``), int8 and int16, with N-D broadcasting."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.add import quantize_multiplier_below_one
from edgekit.runtime_ops.broadcast import SUFFIX, binary_call, element_type
from edgekit.runtime_ops.fixedpoint import TYPE_RANGE, quant, quantize_multiplier, refuse


@handler("SQUARED_DIFFERENCE", code_bytes=504)
def squared_difference(op, ctx: Context) -> OpCall:
    """TFLM's squared_difference.cc: ADD's input rescaling with 7 bits of headroom (int8; none for int16),
    and the square rescaled by (twice the larger input scale)^2 / (2^(2 * headroom) * output scale)."""
    a, b, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    dtype = element_type(op, (a, b, out), ("INT8", "INT16"))
    (s1, zp1), (s2, zp2), (s_out, zp_out) = quant(a), quant(b), quant(out)
    if dtype == "INT16" and (zp1, zp2, zp_out) != (0, 0, 0):
        raise refuse(op, "is int16 with a zero point other than 0, which TFLM refuses too")
    left_shift = 7 if dtype == "INT8" else 0
    twice_max = 2.0 * max(float(s1), float(s2))
    m1, sh1 = quantize_multiplier_below_one(op, float(s1) / twice_max)
    m2, sh2 = quantize_multiplier_below_one(op, float(s2) / twice_max)
    # the denominator is int * float in TFLM: a float32 product
    denominator = float(np.float32(1 << (2 * left_shift)) * np.float32(s_out))
    mo, sho = quantize_multiplier(twice_max * twice_max / denominator)
    low, high = TYPE_RANGE[dtype]
    return binary_call(op, ctx, f"ek_squared_difference_{SUFFIX[dtype]}", "ek_squared_difference",
                       input1_offset=-zp1, input2_offset=-zp2, output_offset=zp_out, left_shift=left_shift,
                       input1_multiplier=m1, input1_shift=sh1, input2_multiplier=m2, input2_shift=sh2,
                       output_multiplier=mo, output_shift=sho, act_min=low, act_max=high)
