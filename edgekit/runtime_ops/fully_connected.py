"""FULLY_CONNECTED (``ek_fully_connected.c``)."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.conv import narrow_accumulators, used_once
from edgekit.runtime_ops.fixedpoint import (activation_range, c_array, little_endian_words, name_of,
                                            optional_input, quant, quantize_multiplier, refuse, wrap_int32)
from edgekit.runtime_ops.packed_weights import packed_bases, packed_call

#: ek_fully_connected.h's EK_FC_BLOCK: units per interleaved weight block.
FC_BLOCK = 8


def blocked_units(units: int) -> int:
    """How many of ``units`` the kernel runs in interleaved blocks: blocks of :data:`FC_BLOCK` while that
    many remain, then one of 4 if 4 remain (ek_fully_connected.h, blocked_units)."""
    return FC_BLOCK * (units // FC_BLOCK) + (4 if units % FC_BLOCK >= 4 else 0)


def interleave_blocks(weights: np.ndarray, blocked: int) -> np.ndarray:
    """``weights`` [units][depth] with the first ``blocked`` units' rows interleaved block by block as
    [depth / 4][units of the block][4] (the layout ek_fully_connected_s8 reads with one pointer), the rest
    as they are. Same bytes, another order."""
    units, depth = weights.shape
    parts, o = [], 0
    while o < blocked:
        block = FC_BLOCK if blocked - o >= FC_BLOCK else 4
        rows = weights[o:o + block].reshape(block, depth // 4, 4)
        parts.append(rows.transpose(1, 0, 2).ravel())
        o += block
    parts.append(weights[blocked:].ravel())
    return np.concatenate(parts)


@handler("FULLY_CONNECTED", code_bytes=0)  # by the kernel its call names (runtime_ops/conv_dense.py)
def fully_connected(op, ctx: Context) -> OpCall:
    """Multipliers per tensor or per channel, and each output's weight sum for the input offset; with the
    base folded and a depth of a multiple of 4, the weights interleaved in blocks of units (unless the
    convolution before it sums its products, runtime_ops/conv_dense.py, which reads plain rows)."""
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
        # TFLM's GetQuantizedConvolutionMultipler: input scale times filter scale in double, then over the
        # output scale (a float32 product moves the multiplier by a few units in 2^31, and an output that
        # sits on a rounding boundary by one)
        pairs = [quantize_multiplier(float(s_in) * float(w_scales[0]) / float(s_out))]
    low, high = activation_range(int(op.option("fusedActivationFunction")), out)
    in_depth, out_depth = w.shape[1], w.shape[0]
    batches = x.num_elements // in_depth
    prefix = f"k_op{op.index}"
    filter_offset = -w.quantization.zero_points[0]
    weights = ctx.constant(op.inputs[1]).astype(np.int64).reshape(w.shape)
    row_sums = (weights + filter_offset).sum(axis=1)
    arrays = (c_array(f"{prefix}_mult", "int32_t", [m for m, _ in pairs]),)
    base = right_shift = shift_array = rows = "NULL"
    packed = None
    if filter_offset == 0 and (bias is None or ctx.is_constant(bias)):
        # the bias and the row sums in one constant per unit: neither is needed apart
        bias_values = ctx.constant(bias).astype(np.int64).ravel() if bias is not None else np.zeros(out_depth, np.int64)
        base_values = wrap_int32(bias_values - zp_in * row_sums)
        packed = ctx.packed_weights.get(op.index)
        arrays += (c_array(f"{prefix}_base", "int32_t", packed_bases(base_values, packed)),)
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
    fused = any(f.dense == op.index for f in ctx.dense_fusions.values())
    blocked = blocked_units(out_depth) if base != "NULL" and in_depth % 4 == 0 and used_once(ctx, op.inputs[1]) \
        and not fused and packed is None else 0
    table = len(pairs) * (4 + (1 if right_shift != "NULL" else 4)) + 4 * out_depth
    if blocked:
        # the weights in the kernel's order, in place of the model's array (the same bytes), as words: the
        # kernel loads them two words at a time (LDRD), which needs them word-aligned
        arrays += (c_array(f"{prefix}_w", "uint32_t", little_endian_words(interleave_blocks(weights, blocked))),)
        weights_ref = f"(const int8_t*){prefix}_w"
        table += weights.size
    elif packed is None:  # (packed: the layout's arrays stand in for the model's)
        weights_ref = ctx.ref(op.inputs[1])
    params = (f"{{{batches}, {in_depth}, {out_depth}, {-zp_in}, {filter_offset}, {zp_out}, "
              f"{low}, {high}, {prefix}_mult, {shift_array}, {int(per_channel)}, {rows}, {base}, {right_shift}, "
              f"{blocked}, {int((blocked > 0 or packed is not None) and narrow_accumulators(weights, base_values))}}}")
    bias_ref = ctx.ref(bias) if bias is not None and base == "NULL" else "NULL"
    if packed is not None:
        return packed_call(op, ctx, packed, params, arrays, table)
    if fused:
        # the convolution before it summed its products as it ran (runtime_ops/conv_dense.py)
        conv = next(f.conv for f in ctx.dense_fusions.values() if f.dense == op.index)
        call = f"/* computed with op {conv}'s convolution (ek_conv_dense_s8) */"
    else:
        # weights in plain rows with the base folded: the kernel's base path alone (a fifth of its code)
        kernel = "ek_fully_connected_base_s8" if base != "NULL" and not blocked else "ek_fully_connected_s8"
        call = f"{kernel}(P, {ctx.ref(op.inputs[0])}, {weights_ref}, {bias_ref}, {ctx.ref(op.outputs[0])});"
    return OpCall(name_of(op), "ek_fc_params", params, call, arrays, table,
                  ("ek_fully_connected",))
