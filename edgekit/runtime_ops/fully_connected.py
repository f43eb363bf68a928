"""FULLY_CONNECTED (``ek_fully_connected.c``)."""

from __future__ import annotations

import numpy as np

from edgekit.reader import ModelInfo, numpy_dtype
from edgekit.runtime_ops import KERNEL_CODE_BYTES, Context, OpCall, handler
from edgekit.runtime_ops.conv import narrow_accumulators, used_once, wrap_int32
from edgekit.runtime_ops.fixedpoint import (activation_range, c_array, name_of, optional_input, quant,
                                            quantize_multiplier, refuse)
from edgekit.weight_packing import PackedWeights, pack_weights

#: The packed kernel's code (arm-none-eabi-gcc 12.2 -O2 Cortex-M4F, RV32IMC; ad01_int8 with --optimize
#: flash): its four block loops (M4: 132, 220, 320, 500 B), the driver (1,168 B), and the finishing
#: requantization it shares with ek_fully_connected_s8 (1,074 B).
KERNEL_CODE_BYTES["fully_connected_packed"] = ((r"\bek_fully_connected_packed_s8\b",
                                                {"default": 3_434, "riscv32": 4_534}),)


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


def _runs_with_base(op, info: ModelInfo, constants: dict[int, bytes], fusions: dict) -> bool:
    """True when the layer's int8 weights are constant, read by it alone, with zero point 0 and a constant
    bias or none, and no convolution sums into it: the kernels' base path (each unit's bias and input
    offset term one constant), which the interleaved and packed layouts need."""
    w = info.tensors[op.inputs[1]]
    bias = optional_input(op, 2)
    return (op.inputs[1] in constants and w.dtype == "INT8" and info.tensors[op.inputs[0]].dtype == "INT8"
            and w.quantization is not None and w.quantization.zero_points[0] == 0
            and (bias is None or bias in constants) and len(w.shape) == 2
            and sum(op.inputs[1] in o.inputs for o in info.operators) == 1
            and not any(f.dense == op.index for f in fusions.values()))


def packed_layers(info: ModelInfo, constants: dict[int, bytes], fusions: dict) -> dict[int, PackedWeights]:
    """The FULLY_CONNECTED layers to run with packed weights (``--optimize flash``), by op index: those whose
    packed layout saves flash, and when one does, every other that can take it (in int8 blocks where it
    saves nothing), so that the model links one fully-connected kernel."""
    weights = {op.index: np.frombuffer(constants[op.inputs[1]], numpy_dtype("INT8")).reshape(info.tensors[op.inputs[1]].shape)
               for op in info.operators
               if op.op == "FULLY_CONNECTED" and _runs_with_base(op, info, constants, fusions)}
    packed = {index: p for index, w in weights.items() if (p := pack_weights(w)) is not None}
    if packed:
        packed.update({index: p for index, w in weights.items()
                       if index not in packed and (p := pack_weights(w, force=True)) is not None})
    return packed


def packed_arrays(prefix: str, packed: PackedWeights) -> tuple[tuple[str, ...], int]:
    """The const arrays and the ek_fc_packing struct of a packed layer, and their bytes."""
    struct = (f"static const ek_fc_packing {prefix}_packing = {{{prefix}_pw, {prefix}_pwidths, "
              f"{prefix}_poffsets, {prefix}_pcounts, {prefix}_pescapes, {prefix}_pshort}};")
    arrays = (c_array(f"{prefix}_pw", "uint32_t", packed.words),
              c_array(f"{prefix}_pwidths", "uint8_t", packed.widths),
              c_array(f"{prefix}_poffsets", "int8_t", packed.offsets),
              c_array(f"{prefix}_pcounts", "uint8_t", packed.escape_counts),
              c_array(f"{prefix}_pescapes", "uint16_t", packed.escapes),
              c_array(f"{prefix}_pshort", "uint8_t", packed.short_escapes), struct)
    return arrays, packed.nbytes + 24


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
        base_values = wrap_int32(bias_values - zp_in * row_sums)
        arrays += (c_array(f"{prefix}_base", "int32_t", base_values),)
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
    packed = ctx.packed_weights.get(op.index) if base != "NULL" else None
    blocked = blocked_units(out_depth) if base != "NULL" and in_depth % 4 == 0 and used_once(ctx, op.inputs[1]) \
        and not fused and packed is None else 0
    table = len(pairs) * (4 + (1 if right_shift != "NULL" else 4)) + 4 * out_depth
    if packed is not None:
        more, size = packed_arrays(prefix, packed)
        arrays += more
        table += size
        weights_ref = "NULL"
    elif blocked:
        # the weights in the kernel's order, in place of the model's array (the same bytes)
        arrays += (c_array(f"{prefix}_w", "int8_t", interleave_blocks(weights, blocked)),)
        weights_ref = f"{prefix}_w"
        table += weights.size
    else:
        weights_ref = ctx.ref(op.inputs[1])
    params = (f"{{{batches}, {in_depth}, {out_depth}, {-zp_in}, {filter_offset}, {zp_out}, "
              f"{low}, {high}, {prefix}_mult, {shift_array}, {int(per_channel)}, {rows}, {base}, {right_shift}, "
              f"{blocked}, {int((blocked > 0 or packed is not None) and narrow_accumulators(weights, base_values))}}}")
    bias_ref = ctx.ref(bias) if bias is not None and base == "NULL" else "NULL"
    if packed is not None:
        call = f"ek_fully_connected_packed_s8(P, &{prefix}_packing, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});"
        return OpCall(name_of(op), "ek_fc_params", params, call, arrays, table,
                      ("ek_fully_connected", "ek_fully_connected_packed"))
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
