"""Layers whose weights run packed in 4 to 6 bits (``--optimize flash``, and ``balanced`` on cores with
SMLAD; ``ek_fully_connected_packed.c``, the layout of :mod:`edgekit.weight_packing`): FULLY_CONNECTED
layers, and 1x1 convolutions as dense layers over their pixels."""

from __future__ import annotations

import numpy as np

from edgekit.reader import ModelInfo, OperatorInfo, numpy_dtype
from edgekit.runtime_ops import KERNEL_CODE_BYTES, Context, OpCall
from edgekit.runtime_ops.fixedpoint import c_array, name_of, optional_input, wrap_int32
from edgekit.weight_packing import (BLOCK_UNITS, FLASH_BYTES_PER_INSTRUCTION, PackedWeights, block_options, capped_rate,
                                    layout, saves_flash)

#: The packed kernel's code (arm-none-eabi-gcc 12.2 -O2 Cortex-M4F, RV32IMC; what a program calling it
#: alone links with --gc-sections): its four block functions with their offsets' and escapes' terms (M4:
#: 224, 480, 614, 752 B), the driver (1,002 B), and the finishing requantization of ek_fully_connected.c
#: (1,064 B).
KERNEL_CODE_BYTES["fully_connected_packed"] = ((r"\bek_fully_connected_packed_s8\b",
                                                {"default": 4_156, "riscv32": 5_846}),)
#: A 1x1 convolution runs packed from this many input channels: each pixel is a pass over every block,
#: whose own work (escapes, offsets, requantization) thinner rows do not pay for.
MIN_POINTWISE_DEPTH = 32


def _base_path_weights(op: OperatorInfo, info: ModelInfo, constants: dict[int, bytes]) -> bool:
    """True when the op's int8 weights are constant, read by it alone, with zero points 0, its input int8
    and its bias constant or absent: each unit's bias and input offset term fold into one constant (the
    kernels' base), which the packed layout needs."""
    w = info.tensors[op.inputs[1]]
    bias = optional_input(op, 2)
    return (op.inputs[1] in constants and w.dtype == "INT8" and info.tensors[op.inputs[0]].dtype == "INT8"
            and w.quantization is not None and not any(w.quantization.zero_points)
            and (bias is None or bias in constants)
            and sum(op.inputs[1] in o.inputs for o in info.operators) == 1)


def _pointwise(op: OperatorInfo, info: ModelInfo) -> bool:
    """A CONV_2D of 1x1 filters, stride 1 and the input's size: a dense layer over the pixels."""
    if op.op != "CONV_2D":
        return False
    w, x, out = info.tensors[op.inputs[1]], info.tensors[op.inputs[0]], info.tensors[op.outputs[0]]
    return (len(w.shape) == 4 and list(w.shape[1:3]) == [1, 1]
            and (int(op.option("strideH", 1)), int(op.option("strideW", 1))) == (1, 1)
            and x.shape[1:3] == out.shape[1:3]
            and w.shape[3] == x.shape[3] >= MIN_POINTWISE_DEPTH)


def packed_layers(info: ModelInfo, constants: dict[int, bytes], fused: set[int],
                  optimize: str = "flash") -> dict[int, PackedWeights]:
    """The layers to run with packed weights for the ``optimize`` goal, by op index (weight_packing's rate
    of bytes for instructions: flash's, or for balanced the one that keeps within its instruction cap);
    ``fused``: ops another kernel runs with others, or in place, which keep their own kernels. A
    FULLY_CONNECTED or 1x1 convolution is packed where that saves flash; and when one FULLY_CONNECTED is,
    every other that can take the layout is too (in int8 blocks where it saves nothing), so that the model
    links one dense kernel. None are when all they would save is less than the packed kernel's own code."""
    layers = [op for op in info.operators
              if op.index not in fused and (op.op == "FULLY_CONNECTED" or _pointwise(op, info))
              and _base_path_weights(op, info, constants)]
    weights = {op.index: np.frombuffer(constants[op.inputs[1]], numpy_dtype("INT8"))
               .reshape(info.tensors[op.inputs[1]].shape[0], -1) for op in layers}
    # (instructions per inference: a pass over the weights per batch row, or per pixel of a 1x1 convolution)
    passes = {op.index: info.tensors[op.inputs[0]].num_elements // weights[op.index].shape[1] for op in layers}
    options = {index: blocks for index, w in weights.items() if (blocks := block_options(w, passes[index])) is not None}
    rate = FLASH_BYTES_PER_INSTRUCTION if optimize == "flash" else capped_rate(list(options.values()))
    layouts = {index: layout(weights[index], blocks, rate, force=info.operators[index].op == "FULLY_CONNECTED")
               for index, blocks in options.items()}
    packed = {index: p for index, p in layouts.items() if p is not None and saves_flash(p, weights[index])}
    if any(info.operators[i].op == "FULLY_CONNECTED" for i in packed):
        packed.update({index: p for index, p in layouts.items() if info.operators[index].op == "FULLY_CONNECTED"})
    saved = sum(weights[index].size - p.nbytes for index, p in packed.items())
    # (the Cortex-M4's code: the packed kernel's, against which a model's saving must weigh)
    return packed if saved > KERNEL_CODE_BYTES["fully_connected_packed"][0][1]["default"] else {}


def packed_call(op: OperatorInfo, ctx: Context, packed: PackedWeights, params: str, arrays: tuple[str, ...],
                table: int) -> OpCall:
    """The call of ek_fully_connected_packed_s8 for ``op`` with its dense-layer ``params`` (an
    ek_fc_params initializer whose base holds the bias), its other ``arrays`` and their ``table`` bytes,
    plus the packed layout's arrays and its ek_fc_packing (the base must be :func:`packed_bases`')."""
    prefix = f"k_op{op.index}"
    deltas = f"{prefix}_pdeltas" if packed.deltas.size else "NULL"
    struct = (f"static const ek_fc_packing {prefix}_packing = {{{prefix}_pw, {prefix}_pwidths, "
              f"{prefix}_poffsets, {prefix}_pcounts, {prefix}_pescapes, {prefix}_pshort, {deltas}}};")
    arrays_of_layout = (c_array(f"{prefix}_pw", "uint32_t", packed.words),
              c_array(f"{prefix}_pwidths", "uint8_t", packed.widths),
              c_array(f"{prefix}_poffsets", "int8_t", packed.offsets),
              c_array(f"{prefix}_pcounts", "uint8_t", packed.escape_counts),
              c_array(f"{prefix}_pescapes", "uint16_t", packed.escapes),
              c_array(f"{prefix}_pshort", "uint8_t", packed.short_escapes),
              *((c_array(deltas, "uint8_t", packed.deltas),) if packed.deltas.size else ()), struct)
    call = f"ek_fully_connected_packed_s8(P, &{prefix}_packing, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});"
    struct_bytes = 4 * 7  # (ek_fc_packing's seven pointers)
    return OpCall(name_of(op), "ek_fc_params", params, call, (*arrays, *arrays_of_layout),
                  table + packed.nbytes + struct_bytes, ("ek_fully_connected", "ek_fully_connected_packed"))


def packed_bases(bases: np.ndarray, packed: PackedWeights | None) -> np.ndarray:
    """A layer's per-unit bases (bias and input offset term) as its kernel takes them: unchanged unless
    ``packed``, and then a delta block's units' less the preceding unit's (its accumulator, which the kernel
    adds, holds that one), modulo 2^32 as the kernel sums them."""
    if packed is None:
        return bases
    bases = np.asarray(bases, np.int64)
    previous = np.concatenate([[0], bases[:-1]])
    delta_units = np.repeat(np.array(packed.block_deltas, bool), BLOCK_UNITS)
    delta_units = np.concatenate([delta_units, np.zeros(len(bases) - len(delta_units), bool)])
    return wrap_int32(np.where(delta_units, bases - previous, bases))
