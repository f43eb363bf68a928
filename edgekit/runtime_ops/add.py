"""ADD (``ek_add.c``)."""

from __future__ import annotations

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import activation_range, name_of, quant, quantize_multiplier, refuse


@handler("ADD", code_bytes=388)
def add(op, ctx: Context) -> OpCall:
    """TFLM's int8 ADD: both inputs scaled to twice the larger input scale with 20 bits of headroom."""
    a, b, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    (s1, zp1), (s2, zp2), (s_out, zp_out) = quant(a), quant(b), quant(out)
    if out.dtype != "INT8":
        raise refuse(op, f"is {out.dtype}; the edgekit runtime's ADD is int8")
    left_shift = 20
    twice_max = 2 * max(float(s1), float(s2))
    # TFLM's QuantizeMultiplierSmallerThanOneExp is QuantizeMultiplier for reals below one
    m1, sh1 = quantize_multiplier(float(s1) / twice_max)
    m2, sh2 = quantize_multiplier(float(s2) / twice_max)
    mo, sho = quantize_multiplier(twice_max / ((1 << left_shift) * float(s_out)))
    low, high = activation_range(int(op.option("fusedActivationFunction")), out)
    if a.num_elements not in (1, out.num_elements) or b.num_elements not in (1, out.num_elements):
        raise refuse(op, "broadcasts in a way the edgekit runtime does not")
    params = (f"{{{out.num_elements}, {-zp1}, {-zp2}, {zp_out}, {left_shift}, {m1}, {sh1}, {m2}, {sh2}, {mo}, "
              f"{sho}, {low}, {high}, {a.num_elements}, {b.num_elements}}}")
    return OpCall(name_of(op), "ek_add_params", params,
                  f"ek_add_s8(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.inputs[1])}, {ctx.ref(op.outputs[0])});",
                  (), 0, ("ek_add",))
