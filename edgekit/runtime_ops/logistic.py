"""LOGISTIC and TANH (``ek_logistic.c``, through ``ek_fixedpoint.c``)."""

from __future__ import annotations

import math

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import name_of, quant, refuse, round_half_away


@handler("LOGISTIC", "TANH", code_bytes={"LOGISTIC": 264, "TANH": 536})
def logistic_tanh(op, ctx: Context) -> OpCall:
    """TFLM's int8 set-up: the input scale times 2^27 as a 31-bit multiplier and the input range radius."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != "INT8":
        raise refuse(op, f"takes {x.dtype}; the edgekit runtime's {op.op} is int8")
    s_in, zp_in = quant(x)
    # TFLM: frexp of input_scale * 2^27 rounded to 31 bits, without QuantizeMultiplier's renormalisation
    fraction, left_shift = math.frexp(float(s_in) * float(1 << (31 - 4)))
    multiplier = round_half_away(fraction * (1 << 31))
    if multiplier == 1 << 31:
        multiplier = -(1 << 31)  # what the int32 cast gives there
    radius = math.floor(1.0 * ((1 << 4) - 1) * (1 << (31 - 4)) / (1 << left_shift))
    params = f"{{{x.num_elements}, {zp_in}, {radius}, {multiplier}, {left_shift}}}"
    kernel = "ek_logistic_s8" if op.op == "LOGISTIC" else "ek_tanh_s8"
    return OpCall(name_of(op), "ek_activation_params", params,
                  f"{kernel}(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});", (), 0,
                  ("ek_logistic", "ek_fixedpoint"))
