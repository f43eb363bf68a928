"""MEAN (``ek_reduce.c``)."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import c_list, name_of, quant, quantize_multiplier, refuse


@handler("MEAN", code_bytes=576)
def mean(op, ctx: Context) -> OpCall:
    """Constant axes; TFLM's multiplier with 1/count folded in (reference QuantizedMeanOrSum)."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if not ctx.is_constant(op.inputs[1]) or len(x.shape) > 4 or x.dtype != "INT8":
        raise refuse(op, "needs an int8 input and constant axes on at most 4 dimensions in the edgekit runtime")
    rank = len(x.shape)
    axes = {int(a) % rank for a in ctx.constant(op.inputs[1]).ravel()}
    dims = [1] * (4 - rank) + list(x.shape)
    reduce = [0] * (4 - rank) + [int(d in axes) for d in range(rank)]
    count = int(np.prod([x.shape[d] for d in axes]))
    (s_in, zp_in), (s_out, zp_out) = quant(x), quant(out)
    multiplier, shift = quantize_multiplier(float(s_in) / float(s_out))
    count_shift = min(count.bit_length() - 1, 32, 31 + shift)
    multiplier = int((multiplier << count_shift) // count)
    shift -= count_shift
    params = f"{{{c_list(dims)}, {c_list(reduce)}, {count}, {zp_in}, {zp_out}, {multiplier}, {shift}}}"
    return OpCall(name_of(op), "ek_mean_params", params,
                  f"ek_mean_s8(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});", (), 0, ("ek_reduce",))
