"""FULLY_CONNECTED (``ek_fully_connected.c``)."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.conv import wrap_int32
from edgekit.runtime_ops.fixedpoint import (activation_range, c_array, name_of, optional_input, quant,
                                            quantize_multiplier, refuse)


@handler("FULLY_CONNECTED", code_bytes=3_332)
def fully_connected(op, ctx: Context) -> OpCall:
    """Multipliers per tensor or per channel, and each output's weight sum for the input offset."""
    t = ctx.info.tensors
    x, w, out = t[op.inputs[0]], t[op.inputs[1]], t[op.outputs[0]]
    if x.dtype != "INT8" or w.dtype != "INT8":
        raise refuse(op, f"takes {x.dtype} input and {w.dtype} weights; the edgekit runtime runs int8 x int8")
    bias = optional_input(op, 2)
    s_in, zp_in = quant(x)
    s_out, zp_out = quant(out)
    w_scales = w.quantization.scales
    per_channel = len(w_scales) > 1
    if per_channel:
        pairs = [quantize_multiplier(float(s_in) * float(s) / float(s_out)) for s in w_scales]
    else:
        # TFLM: the input and filter scales multiply in float32 first, then divide in double
        pairs = [quantize_multiplier(float(np.float32(s_in) * np.float32(w_scales[0])) / float(s_out))]
    low, high = activation_range(int(op.option("fusedActivationFunction")), out)
    in_depth, out_depth = w.shape[1], w.shape[0]
    batches = x.num_elements // in_depth
    prefix = f"k_op{op.index}"
    filter_offset = -w.quantization.zero_points[0]
    weights = ctx.constant(op.inputs[1]).astype(np.int64).reshape(w.shape)
    row_sums = (weights + filter_offset).sum(axis=1)
    arrays = (c_array(f"{prefix}_mult", "int32_t", [m for m, _ in pairs]),)
    base = right_shift = shift_array = rows = "NULL"
    if filter_offset == 0 and (bias is None or ctx.is_constant(bias)):
        # the bias and the row sums in one constant per unit: neither is needed apart
        bias_values = ctx.constant(bias).astype(np.int64).ravel() if bias is not None else np.zeros(out_depth, np.int64)
        arrays += (c_array(f"{prefix}_base", "int32_t", wrap_int32(bias_values - zp_in * row_sums)),)
        base = f"{prefix}_base"
    else:
        arrays += (c_array(f"{prefix}_rows", "int32_t", row_sums),)
        rows = f"{prefix}_rows"
    if all(shift < 0 for _, shift in pairs):  # the short requantization (ek_requantize_right) applies
        arrays += (c_array(f"{prefix}_right", "int8_t", [-shift - 1 for _, shift in pairs]),)
        right_shift = f"{prefix}_right"
    else:
        arrays += (c_array(f"{prefix}_shift", "int32_t", [s for _, s in pairs]),)
        shift_array = f"{prefix}_shift"
    params = (f"{{{batches}, {in_depth}, {out_depth}, {-zp_in}, {filter_offset}, {zp_out}, "
              f"{low}, {high}, {prefix}_mult, {shift_array}, {int(per_channel)}, {rows}, {base}, {right_shift}}}")
    bias_ref = ctx.ref(bias) if bias is not None and base == "NULL" else "NULL"
    call = (f"ek_fully_connected_s8(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.inputs[1])}, {bias_ref}, "
            f"{ctx.ref(op.outputs[0])});")
    table = len(pairs) * (4 + (1 if right_shift != "NULL" else 4)) + 4 * out_depth
    return OpCall(name_of(op), "ek_fc_params", params, call, arrays, table,
                  ("ek_fully_connected",))
