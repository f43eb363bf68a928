"""A convolution fused with the ADD (or SUB) that alone reads its output (``ek_conv_add.c``): a residual
block's last layer and its sum with the skip path, one output row at a time.

ResNet's blocks end in ``ADD(skip, conv(conv(x)))``, where the skip is x itself or a 1x1 convolution of
it: TFLM keeps x, the middle tensor and the last convolution's output alive together
(pretrainedResnet_quant: 3 x 16 KB); MobileNetV2's blocks end in ``ADD(x, 1x1(depthwise(1x1(x))))``.
Fused, the last convolution makes one output row at a time, reading the layers before it through windows
of rows where they are convolutions too (up to two, as runtime_ops/conv_chain.py chains them); the skip
row is read from its tensor or made by its own convolution; and the sum's row r is written once every
read of it is done. So neither operand exists whole, and the output can take the
bytes of the block's input when no later row reads the input above where row r lands (checked here, row
by row, with the kernels' band arithmetic). Every row is made once, with the same kernels and the ADD's
own arithmetic, so the outputs are TFLM's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from edgekit.arena import alias_root
from edgekit.reader import ModelInfo
from edgekit.runtime_ops import KERNEL_CODE_BYTES, Context, OpCall, tensor_readers
from edgekit.runtime_ops.conv import band_geometry
from edgekit.runtime_ops.conv_chain import (CONVOLUTIONS, MAX_WINDOWS, int8_image, overlap_shift, row_bytes,
                                            source_initializer, stage_arguments, streamed_producer, window_bytes)
from edgekit.runtime_ops.fixedpoint import name_of

#: The driver (arm-none-eabi-gcc 12.2 -O2 Cortex-M4F; riscv64-unknown-elf-gcc 12.2 -O2 RV32IMC), counted
#: when a call names it; the window and band functions it shares with the chain are counted in
#: runtime_ops/conv_chain.py's entry.
KERNEL_CODE_BYTES["conv_add"] = ((r"\bek_conv_add_s8\b", {"default": 242, "riscv32": 382}),)

@dataclass(frozen=True)
class ConvAdd:
    """ADD or SUB ``add`` of convolution ``conv``'s output (its input ``conv_is_input2`` + 1) and the skip
    path: the output of convolution ``skip_conv``, or the tensor ``skip`` when that is None. ``stages``
    are the convolutions in a row before ``conv`` whose outputs it reads through windows of
    ``window_bytes`` (a chain, runtime_ops/conv_chain.py), or none. ``over``: the tensor whose bytes the
    output may take (at the same start: the input of the first stage, or of ``conv``), or None."""

    add: int
    conv: int
    conv_is_input2: bool
    skip_conv: int | None
    skip: int
    stages: tuple[int, ...]
    window_bytes: tuple[int, ...]
    over: int | None

    @property
    def ops(self) -> tuple[int, ...]:
        """Every op the fused call runs."""
        return (*self.stages, *(i for i in (self.conv, self.skip_conv, self.add) if i is not None))

    @property
    def convolutions(self) -> tuple[int, ...]:
        """The convolutions the ADD's call runs (each op's own call runs nothing)."""
        return self.ops[:-1]


def _writes_behind_reads(info: ModelInfo, fusion: ConvAdd, x: int) -> bool:
    """Whether output row r, written at row r * its bytes from the start of tensor ``x``, always lands
    on bytes of ``x`` that no later row reads (every read of row r itself is done before the write; the
    sum of a row read from ``x`` itself is written index for index over it, so no other shift is taken)."""
    ops = info.operators
    other_reads = []
    if fusion.skip_conv is not None and ops[fusion.skip_conv].inputs[0] == x:
        other_reads.append(band_geometry(ops[fusion.skip_conv], info, pixels=False).low)
    if fusion.skip_conv is None and fusion.skip == x:
        other_reads.append(lambda r: r)
    return overlap_shift(info, fusion.stages, fusion.conv, ops[fusion.add].outputs[0], x, tuple(other_reads)) == 0


def conv_adds(info: ModelInfo, aliases: dict[int, int], constants: dict[int, bytes],
              taken: set[int]) -> list[ConvAdd]:
    """Every way an int8 ADD or SUB of same-shape tensors can run fused (a plan runs disjoint ones): one
    input made by a convolution that only it reads (and, as far as they go, the up to ``MAX_WINDOWS``
    convolutions in a row before it whose outputs only the next reads, through windows), the other read
    from its tensor or made by another such convolution (:func:`conv_chain.streamed_producer`). The
    convolutions' inputs must be read by the fused ops alone (they are read at the ADD's call). ``aliases``
    must not join the ADDs' outputs to their inputs (:func:`edgekit.codegen.inplace_aliases` with
    ``exclude``); no op in ``taken`` (fused otherwise)."""
    readers = tensor_readers(info)
    aliased = set(aliases) | set(aliases.values())
    ends = set(info.inputs) | set(info.outputs)
    made_by = streamed_producer(info, aliases, constants, taken, CONVOLUTIONS)
    fusions = []
    for add in info.operators:
        if add.op not in ("ADD", "SUB") or add.index in taken or len(add.inputs) != 2 or len(add.outputs) != 1:
            continue
        out = info.tensors[add.outputs[0]]
        if not int8_image(info, add.outputs[0]) or any(info.tensors[i].dtype != "INT8"
                                                        or tuple(info.tensors[i].shape) != tuple(out.shape)
                                                        for i in add.inputs):
            continue
        for side in (1, 0):
            conv = made_by(add.inputs[side], add.index)
            if conv is None:
                continue
            skip = add.inputs[1 - side]
            skip_conv = made_by(skip, add.index)
            before = []  # the convolutions in a row before conv, nearest first
            while len(before) < MAX_WINDOWS:
                reader = before[-1] if before else conv
                stage = made_by(reader.inputs[0], reader.index)
                if stage is None or stage is skip_conv:
                    break
                before.append(stage)
            for count in range(len(before) + 1):
                stages = tuple(op.index for op in reversed(before[:count]))
                sizes = window_bytes(info, (*stages, conv.index))
                if sizes is None:
                    continue
                x = info.operators[stages[0]].inputs[0] if stages else conv.inputs[0]  # read at the ADD's call
                members = {add.index, conv.index, *stages} | ({skip_conv.index} if skip_conv else set())
                inputs = {x} | ({skip_conv.inputs[0]} if skip_conv is not None else set())
                if any(not set(readers.get(t, [])) <= members or t in aliased for t in inputs):
                    continue
                fusion = ConvAdd(add.index, conv.index, side == 1, skip_conv.index if skip_conv else None, skip,
                                 stages, sizes, None)
                # the output over the block's input, where its rows land behind the last reads
                safe = x not in ends and _writes_behind_reads(info, fusion, x)
                fusions.append(replace(fusion, over=x if safe else None))
    return fusions


def plan_terms(info: ModelInfo, aliases: dict[int, int], fusion: ConvAdd):
    """What the fusion changes in the memory plan (arena.best_plan): the bytes of the tensors it never
    keeps whole (a row of each operand, the windows), the op until which the tensors it reads live (the
    ADD's call), and the overlap of the output with ``over``."""
    ops = info.operators
    conv = ops[fusion.conv]
    windows = [ops[i].outputs[0] for i in fusion.stages]
    sizes = {conv.outputs[0]: row_bytes(info, conv.outputs[0]), **dict(zip(windows, fusion.window_bytes))}
    first = ops[fusion.stages[0]] if fusion.stages else conv
    lasts = {alias_root(aliases, first.inputs[0]): fusion.add, **{t: fusion.add for t in windows}}
    if fusion.skip_conv is not None:
        skip_conv = ops[fusion.skip_conv]
        sizes[skip_conv.outputs[0]] = row_bytes(info, skip_conv.outputs[0])
        lasts[alias_root(aliases, skip_conv.inputs[0])] = fusion.add
    overlaps = {ops[fusion.add].outputs[0]: (fusion.over, (0,))} if fusion.over is not None else {}
    return sizes, lasts, overlaps


def conv_add_call(op, ctx: Context, params: str, families: tuple[str, ...]) -> OpCall:
    """The fused call of ADD or SUB ``op`` (``ctx.conv_adds``), whose ``params`` (ek_binary_params, one
    output row) and ``families`` its own handler gives; the convolutions' handlers left their kernels in
    ``ctx.chain_kernels``."""
    fusion = ctx.conv_adds[op.index]
    for index in fusion.convolutions:
        families += ctx.chain_kernels[index][2]

    def source(index):
        return "NULL" if index is None else f"&(const ek_conv_source){source_initializer(ctx, index)}"

    ops = ctx.info.operators
    stages = stage_arguments(ctx, fusion.stages, tuple(ops[i].outputs[0] for i in fusion.stages))
    conv_out = ctx.ref(ops[fusion.conv].outputs[0])
    skip, skip_row = ("NULL", ctx.ref(fusion.skip)) if fusion.skip_conv is not None else (ctx.ref(fusion.skip), "NULL")
    # (in a block of its own: the compound literals' stack is freed after the call)
    call = (f"{{ ek_conv_add_s8(P, {int(fusion.conv_is_input2)}, {stages}, {source(fusion.conv)}, {conv_out}, "
            f"{source(fusion.skip_conv)}, {skip}, {skip_row}, {ctx.ref(op.outputs[0])}); }}")
    return OpCall(name_of(op), "ek_binary_params", params, call, (), 0,
                  families + ("ek_conv_add", "ek_conv_chain", "ek_conv_in_place"))
