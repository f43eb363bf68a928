"""MUL (``ek_mul.c``), int8, int16 and int32, with N-D broadcasting."""

from __future__ import annotations

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.add import int32_activation_range
from edgekit.runtime_ops.broadcast import SUFFIX, binary_call, element_type
from edgekit.runtime_ops.fixedpoint import activation_range, quant, quantize_multiplier, refuse


@handler("MUL", code_bytes=324)
def mul(op, ctx: Context) -> OpCall:
    """One multiplier for input1 scale * input2 scale / output scale, in double as TFLM's mul_common.cc."""
    a, b, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    dtype = element_type(op, (a, b, out), ("INT8", "INT16", "INT32"))
    if dtype == "INT32":  # not quantized: a wrapping product, clamped to the activation's range
        low, high = int32_activation_range(op)
        return binary_call(op, ctx, "ek_mul_s32", "ek_mul", act_min=low, act_max=high)
    (s1, zp1), (s2, zp2), (s_out, zp_out) = quant(a), quant(b), quant(out)
    if dtype == "INT16" and (zp1, zp2, zp_out) != (0, 0, 0):
        raise refuse(op, "is int16 with a zero point other than 0, which TFLM refuses too")
    multiplier, shift = quantize_multiplier(float(s1) * float(s2) / float(s_out))
    low, high = activation_range(int(op.option("fusedActivationFunction")), out)
    return binary_call(op, ctx, f"ek_mul_{SUFFIX[dtype]}", "ek_mul", input1_offset=-zp1, input2_offset=-zp2,
                       output_offset=zp_out, output_multiplier=multiplier, output_shift=shift, act_min=low,
                       act_max=high)
