"""CONCATENATION (``ek_concatenation.c``)."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import c_array, name_of, quant, refuse


@handler("CONCATENATION", code_bytes=84)
def concatenation(op, ctx: Context) -> OpCall:
    """For each slice before the axis, each input's chunk in turn (inputs share the output's quantization)."""
    out = ctx.tensor(op.outputs[0])
    axis = int(op.option("axis"))
    axis = axis + len(out.shape) if axis < 0 else axis
    for index in op.inputs:
        if quant(ctx.tensor(index)) != quant(out):
            raise refuse(op, "has inputs whose scale or zero point differ from the output's (TFLM requires "
                         "them equal for int8)")
    itemsize = out.nbytes // max(1, out.num_elements)
    outer = int(np.prod(out.shape[:axis])) if axis else 1
    chunks = [int(np.prod(ctx.tensor(i).shape[axis:])) * itemsize for i in op.inputs]
    prefix = f"k_op{op.index}"
    arrays = (c_array(f"{prefix}_chunks", "int32_t", chunks),
              f"static const int8_t* const {prefix}_inputs[{len(op.inputs)}] = {{"
              + ", ".join(f"(const int8_t*){ctx.ref(i)}" for i in op.inputs) + "};")
    params = f"{{{outer}, {len(op.inputs)}, {prefix}_chunks}}"
    return OpCall(name_of(op), "ek_concat_params", params,
                  f"ek_concatenation(P, {prefix}_inputs, (int8_t*){ctx.ref(op.outputs[0])});", arrays,
                  4 * len(chunks), ("ek_concatenation",))
