"""AVERAGE_POOL_2D and MAX_POOL_2D (``ek_pooling.c``)."""

from __future__ import annotations

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import activation_range, name_of, padding


@handler("AVERAGE_POOL_2D", "MAX_POOL_2D", code_bytes={"AVERAGE_POOL_2D": 352, "MAX_POOL_2D": 312})
def pool(op, ctx: Context) -> OpCall:
    """Window, strides, padding and the activation clamp."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    low, high = activation_range(int(op.option("fusedActivationFunction")), out)
    k_h, k_w = int(op.option("filterHeight", 1)), int(op.option("filterWidth", 1))
    stride_h, stride_w = int(op.option("strideH", 1)), int(op.option("strideW", 1))
    params = (f"{{{x.shape[1]}, {x.shape[2]}, {x.shape[3]}, {out.shape[1]}, {out.shape[2]}, {k_h}, {k_w}, "
              f"{stride_h}, {stride_w}, {padding(x.shape[1], out.shape[1], k_h, stride_h, 1)}, "
              f"{padding(x.shape[2], out.shape[2], k_w, stride_w, 1)}, {low}, {high}}}")
    kernel = "ek_average_pool_s8" if op.op == "AVERAGE_POOL_2D" else "ek_max_pool_s8"
    return OpCall(name_of(op), "ek_pool_params", params,
                  f"{kernel}(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});", (), 0, ("ek_pooling",))
