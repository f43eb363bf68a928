"""EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL (``ek_comparisons.c``) on int8 (rescaled),
int32 and bool inputs, with N-D broadcasting; bool output."""

from __future__ import annotations

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.add import quantize_multiplier_below_one
from edgekit.runtime_ops.broadcast import SUFFIX, binary_call, element_type
from edgekit.runtime_ops.fixedpoint import quant, refuse

#: Each op's result for the three outcomes, as ``ek_binary_params.variant`` bits: 1 when input1 is
#: less than input2, 2 when equal, 4 when greater.
COMPARISONS = {"EQUAL": 2, "NOT_EQUAL": 1 | 4, "LESS": 1, "LESS_EQUAL": 1 | 2, "GREATER": 4, "GREATER_EQUAL": 2 | 4}


@handler(*COMPARISONS, code_bytes=400)
def comparison(op, ctx: Context) -> OpCall:
    """TFLM's comparisons.cc. int8: each input offset by its zero point, shifted left by 8 and scaled by its
    own scale (QuantizeMultiplierSmallerThanOneExp of the scale itself), then compared. int32, and bool
    for EQUAL and NOT_EQUAL: the values compared as they are."""
    a, b, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    allowed = ("INT8", "INT32", "BOOL") if op.op in ("EQUAL", "NOT_EQUAL") else ("INT8", "INT32")
    dtype = element_type(op, (a, b), allowed)
    if out.dtype != "BOOL":
        raise refuse(op, f"has a {out.dtype} output where TFLM writes bool")
    kernel = f"ek_comparison_{SUFFIX[dtype]}"
    if dtype != "INT8":
        return binary_call(op, ctx, kernel, "ek_comparisons", variant=COMPARISONS[op.op])
    (s1, zp1), (s2, zp2) = quant(a), quant(b)
    m1, sh1 = quantize_multiplier_below_one(op, float(s1))
    m2, sh2 = quantize_multiplier_below_one(op, float(s2))
    return binary_call(op, ctx, kernel, "ek_comparisons", input1_offset=-zp1, input2_offset=-zp2, left_shift=8,
                       input1_multiplier=m1, input1_shift=sh1, input2_multiplier=m2, input2_shift=sh2,
                       variant=COMPARISONS[op.op])
