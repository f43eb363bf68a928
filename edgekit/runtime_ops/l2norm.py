"""L2_NORMALIZATION (``ek_l2norm.c``)."""

from __future__ import annotations

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import name_of, quant, refuse


@handler("L2_NORMALIZATION", code_bytes=760)
def l2_normalization(op, ctx: Context) -> OpCall:
    """TFLM's int8 L2Normalization over the last axis: only the input zero point matters, the output is
    in TFLM's fixed scale 1/128 whatever the model says."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != "INT8" or out.dtype != "INT8":
        raise refuse(op, f"is {x.dtype} -> {out.dtype}; the edgekit runtime's L2_NORMALIZATION is int8")
    if int(op.option("fusedActivationFunction", 0)) != 0:
        raise refuse(op, "has a fused activation, which TFLM's L2_NORMALIZATION rejects")
    if len(x.shape) > 4:
        raise refuse(op, f"has {len(x.shape)} dimensions; TFLM's L2_NORMALIZATION takes at most 4")
    _, zp_in = quant(x)
    depth = x.shape[-1] if x.shape else 1
    return OpCall(name_of(op), "", "",
                  f"ek_l2norm_s8({x.num_elements // max(depth, 1)}, {depth}, {zp_in}, {ctx.ref(op.inputs[0])}, "
                  f"{ctx.ref(op.outputs[0])});", (), 0, ("ek_l2norm",))
