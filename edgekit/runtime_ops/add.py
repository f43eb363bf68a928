"""ADD and SUB (``ek_add.c``), int8, int16 and int32, with N-D broadcasting."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.broadcast import SUFFIX, binary_call, binary_fields, element_type
from edgekit.runtime_ops.conv_add import conv_add_call
from edgekit.runtime_ops.fixedpoint import (
    RELU,
    RELU6,
    RELU_N1_TO_1,
    activation_range,
    quant,
    quantize_multiplier,
    refuse,
)

INT32_MAX = 2**31 - 1


def quantize_multiplier_below_one(op, real: float) -> tuple[int, int]:
    """TFLM's ``QuantizeMultiplierSmallerThanOneExp``: ``quantize_multiplier`` for a real in (0, 1); TFLM
    aborts on anything else, so the runtime refuses it."""
    multiplier, shift = quantize_multiplier(real)
    if not 0.0 < real < 1.0 or shift > 0:
        raise refuse(op, f"needs a rescaling factor of {real:g}, outside (0, 1), which TFLM refuses too")
    return multiplier, shift


def int32_activation_range(op) -> tuple[int, int]:
    """TFLM's ``CalculateActivationRange<int32_t>``: the fused activation's bounds as plain integers."""
    activation = int(op.option("fusedActivationFunction"))
    return {RELU: (0, INT32_MAX), RELU6: (0, 6), RELU_N1_TO_1: (-1, 1)}.get(activation, (-INT32_MAX - 1, INT32_MAX))


@handler("ADD", "SUB", code_bytes=508)
def add_sub(op, ctx: Context) -> OpCall:
    """Both inputs rescaled to twice the larger input scale with 20 bits of headroom (15 for int16), as
    TFLM's add_common.cc (in double) and sub_common.cc (the same in float32) prepare them."""
    a, b, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    dtype = element_type(op, (a, b, out), ("INT8", "INT16", "INT32"))
    if dtype == "INT32":  # not quantized; TFLM's int32 ADD ignores the fused activation, SUB applies it
        low, high = int32_activation_range(op) if op.op == "SUB" else (-INT32_MAX - 1, INT32_MAX)
        return binary_call(op, ctx, "ek_add_s32", "ek_add", act_min=low, act_max=high,
                           variant=1 if op.op == "ADD" else -1)
    (s1, zp1), (s2, zp2), (s_out, zp_out) = quant(a), quant(b), quant(out)
    left_shift = 20 if dtype == "INT8" else 15
    if op.op == "ADD":
        twice_max = 2 * max(float(s1), float(s2))
        reals = (float(s1) / twice_max, float(s2) / twice_max, twice_max / ((1 << left_shift) * float(s_out)))
    else:  # sub_common.cc divides in float32 before widening to double
        f1, f2, f_out = np.float32(s1), np.float32(s2), np.float32(s_out)
        twice_max = np.float32(2) * max(f1, f2)
        reals = (float(f1 / twice_max), float(f2 / twice_max),
                 float(twice_max / (np.float32(1 << left_shift) * f_out)))
    (m1, sh1), (m2, sh2), (mo, sho) = (quantize_multiplier_below_one(op, r) for r in reals)
    low, high = activation_range(int(op.option("fusedActivationFunction")), out)
    arithmetic = {"input1_offset": -zp1, "input2_offset": -zp2, "output_offset": zp_out, "left_shift": left_shift,
                  "input1_multiplier": m1, "input1_shift": sh1, "input2_multiplier": m2, "input2_shift": sh2,
                  "output_multiplier": mo, "output_shift": sho, "act_min": low, "act_max": high,
                  "variant": 1 if op.op == "ADD" else -1}
    if op.index in ctx.conv_adds:
        # with the convolutions that make its operands, one output row at a time (runtime_ops/conv_add.py)
        row = out.shape[2] * out.shape[3]
        return conv_add_call(op, ctx, f"{{{{{row}, {{1, 1, 0}}, 0, NULL}}, {binary_fields(**arithmetic)}}}",
                             ("ek_add",))
    return binary_call(op, ctx, f"ek_add_{SUFFIX[dtype]}", "ek_add", **arithmetic)
