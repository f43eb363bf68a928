"""SELECT_V2 (``ek_select.c``): a bool condition picks x or y, with N-D broadcasting of all three."""

from __future__ import annotations

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.broadcast import SUFFIX, element_type, elementwise_call
from edgekit.runtime_ops.fixedpoint import refuse


@handler("SELECT_V2", code_bytes=200)
def select_v2(op, ctx: Context) -> OpCall:
    """TFLM's select.cc copies the chosen values as they are (int8, int16 or float32)."""
    condition, x, y, out = (ctx.tensor(i) for i in (*op.inputs[:3], op.outputs[0]))
    if condition.dtype != "BOOL":
        raise refuse(op, f"has a {condition.dtype} condition where TFLM takes bool")
    dtype = element_type(op, (x, y, out), ("INT8", "INT16", "FLOAT32"))
    return elementwise_call(op, ctx, f"ek_select_v2_{SUFFIX[dtype]}", "ek_select_params", "", "ek_select",
                            inputs=op.inputs[:3])
