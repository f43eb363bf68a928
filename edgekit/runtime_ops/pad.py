"""PAD (``ek_pad.c``)."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import c_list, name_of, optional_input, quant, refuse


@handler("PAD", code_bytes=268)
def pad(op, ctx: Context) -> OpCall:
    """Constant paddings on up to four dimensions, filled with the output zero point (or the given value)."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if not ctx.is_constant(op.inputs[1]) or len(x.shape) > 4 or x.dtype != "INT8":
        raise refuse(op, "needs an int8 input and constant paddings on at most 4 dimensions in the edgekit runtime")
    pads = ctx.constant(op.inputs[1]).astype(np.int64).reshape(-1, 2)
    rank = len(x.shape)
    dims = [1] * (4 - rank) + list(x.shape)
    before = [0] * (4 - rank) + [int(v) for v in pads[:, 0]]
    after = [0] * (4 - rank) + [int(v) for v in pads[:, 1]]
    value = quant(out)[1]  # TFLM pads int8 with the output zero point unless a constant value is given
    constant_value = optional_input(op, 2)
    if constant_value is not None:
        value = int(ctx.constant(constant_value).ravel()[0])
    params = f"{{{c_list(dims)}, {c_list(before)}, {c_list(after)}, {value}}}"
    return OpCall(name_of(op), "ek_pad_params", params,
                  f"ek_pad_s8(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});", (), 0, ("ek_pad",))
