"""MAXIMUM and MINIMUM (``ek_maximum_minimum.c``), int8, int16 and int32, with N-D broadcasting."""

from __future__ import annotations

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.broadcast import SUFFIX, binary_call, element_type


@handler("MAXIMUM", "MINIMUM", code_bytes=228)
def maximum_minimum(op, ctx: Context) -> OpCall:
    """TFLM's maximum_minimum.cc compares the raw values and ignores the quantization (the converter gives
    inputs and output one scale and zero point)."""
    tensors = [ctx.tensor(i) for i in (*op.inputs[:2], op.outputs[0])]
    dtype = element_type(op, tensors, ("INT8", "INT16", "INT32"))
    return binary_call(op, ctx, f"ek_maximum_minimum_{SUFFIX[dtype]}", "ek_maximum_minimum",
                       variant=int(op.op == "MAXIMUM"))
