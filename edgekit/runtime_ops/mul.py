"""MUL (``ek_mul.c``)."""

from __future__ import annotations

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import activation_range, name_of, quant, quantize_multiplier, refuse


@handler("MUL", code_bytes=196)
def mul(op, ctx: Context) -> OpCall:
    """One multiplier for input1 scale * input2 scale / output scale, in double as TFLM."""
    a, b, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    (s1, zp1), (s2, zp2), (s_out, zp_out) = quant(a), quant(b), quant(out)
    if out.dtype != "INT8":
        raise refuse(op, f"is {out.dtype}; the edgekit runtime's MUL is int8")
    multiplier, shift = quantize_multiplier(float(s1) * float(s2) / float(s_out))
    low, high = activation_range(int(op.option("fusedActivationFunction")), out)
    if a.num_elements not in (1, out.num_elements) or b.num_elements not in (1, out.num_elements):
        raise refuse(op, "broadcasts in a way the edgekit runtime does not")
    params = (f"{{{out.num_elements}, {a.num_elements}, {b.num_elements}, {-zp1}, {-zp2}, {zp_out}, "
              f"{multiplier}, {shift}, {low}, {high}}}")
    return OpCall(name_of(op), "ek_mul_params", params,
                  f"ek_mul_s8(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.inputs[1])}, {ctx.ref(op.outputs[0])});",
                  (), 0, ("ek_mul",))
