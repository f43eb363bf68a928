"""ARG_MAX and ARG_MIN (``ek_arg_min_max.c``)."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import name_of, refuse


@handler("ARG_MAX", "ARG_MIN", code_bytes={"ARG_MAX": 176, "ARG_MIN": 176})
def arg_min_max(op, ctx: Context) -> OpCall:
    """The input as [outer][axis][inner] around a constant axis (TFLM reads the axis tensor's first
    value). TFLM runs int8 input with int32 indices only, and so does the edgekit runtime."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != "INT8" or out.dtype != "INT32":
        raise refuse(op, f"takes {x.dtype} to {out.dtype} indices; TFLM and the edgekit runtime run int8 input "
                     "with int32 indices")
    if not ctx.is_constant(op.inputs[1]) or ctx.tensor(op.inputs[1]).dtype != "INT32":
        raise refuse(op, "needs a constant int32 axis")
    rank = len(x.shape)
    axis = int(ctx.constant(op.inputs[1]).ravel()[0])
    if not rank or not -rank <= axis < rank:
        raise refuse(op, f"looks along axis {axis} of a rank-{rank} tensor")
    axis %= rank
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    inner = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
    kernel = "ek_arg_max_s8" if op.op == "ARG_MAX" else "ek_arg_min_s8"
    return OpCall(name_of(op), "ek_arg_params", f"{{{outer}, {x.shape[axis]}, {inner}}}",
                  f"{kernel}(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});", (), 0, ("ek_arg_min_max",))
