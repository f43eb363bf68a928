"""DIV (``ek_div.c``), int8 and int32, with N-D broadcasting."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.add import int32_activation_range
from edgekit.runtime_ops.broadcast import binary_call, element_type
from edgekit.runtime_ops.fixedpoint import activation_range, quant, quantize_multiplier, refuse


# 568 B of kernel and the 296 B of gemmlowp's 1 / (1 + x) it calls in ek_fixedpoint.c
@handler("DIV", code_bytes=864)
def div(op, ctx: Context) -> OpCall:
    """TFLM's div.cc. int8: one multiplier for input1 scale / (input2 scale * output scale), computed in
    float32 and then widened to double. int32: C's division, clamped to the activation's range."""
    a, b, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    if element_type(op, (a, b, out), ("INT8", "INT32")) == "INT32":  # not quantized: C division, clamped
        low, high = int32_activation_range(op)
        call = binary_call(op, ctx, "ek_div_s32", "ek_div", act_min=low, act_max=high)
    else:
        (s1, zp1), (s2, zp2), (s_out, zp_out) = quant(a), quant(b), quant(out)
        multiplier, shift = quantize_multiplier(float(np.float32(s1) / (np.float32(s2) * np.float32(s_out))))
        if shift > 23:  # the rounding shift would turn negative (dividends have at least 23 bits of headroom)
            raise refuse(op, f"rescales by {float(s1) / (float(s2) * float(s_out)):g}, beyond what TFLM's int8 "
                         "DIV computes (2^23)")
        low, high = activation_range(int(op.option("fusedActivationFunction")), out)
        call = binary_call(op, ctx, "ek_div_s8", "ek_div", input1_offset=-zp1, input2_offset=-zp2,
                           output_offset=zp_out, output_multiplier=multiplier, output_shift=shift, act_min=low,
                           act_max=high)
    # ek_div.c calls gemmlowp's 1 / (1 + x) in ek_fixedpoint.c
    return OpCall(call.comment, call.params_type, call.params, call.call, call.arrays, call.table_bytes,
                  ("ek_div", "ek_fixedpoint"))
