"""A convolution fused with the ADD (or SUB) that alone reads its output (``ek_conv_add.c``): a residual
block's last layer and its sum with the skip path, one output row at a time.

ResNet's blocks end in ``ADD(skip, conv(conv(x)))``, where the skip is x itself or a 1x1 convolution of
it: TFLM keeps x, the middle tensor and the last convolution's output alive together
(pretrainedResnet_quant: 3 x 16 KB). Fused, the last convolution makes one output row at a time, reading
the layer before it through a window of rows when that is a convolution too (as runtime_ops/conv_chain.py
chains them); the skip row is read from its tensor or made by its own convolution; and the sum's row r is
written once every read of it is done. So neither operand exists whole, and the output can take the
bytes of the block's input when no later row reads the input above where row r lands (checked here, row
by row, with the kernels' band arithmetic). Every row is made once, with the same kernels and the ADD's
own arithmetic, so the outputs are TFLM's.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgekit.arena import activation_buffers, alias_root
from edgekit.reader import ModelInfo
from edgekit.runtime_ops import KERNEL_CODE_BYTES, Context, OpCall, tensor_readers
from edgekit.runtime_ops.conv import BandGeometry, band_geometry
from edgekit.runtime_ops.conv_chain import constant_weights
from edgekit.runtime_ops.fixedpoint import name_of

#: The driver (arm-none-eabi-gcc 12.2 -O2 Cortex-M4F; riscv64-unknown-elf-gcc 12.2 -O2 RV32IMC), counted
#: when a call names it; the window and band functions it shares with the chain are counted in
#: runtime_ops/conv_chain.py's entry.
KERNEL_CODE_BYTES["conv_add"] = ((r"\bek_conv_add_s8\b", {"default": 284, "riscv32": 454}),)

_CONVOLUTIONS = ("CONV_2D", "DEPTHWISE_CONV_2D")


@dataclass(frozen=True)
class ConvAdd:
    """ADD or SUB ``add`` of convolution ``conv``'s output (its input ``conv_is_input2`` + 1) and the skip
    path: the output of convolution ``skip_conv``, or the tensor ``skip`` when that is None. ``first`` is
    the convolution whose output ``conv`` reads through a window of ``window_rows`` rows
    (``window_bytes``), or None. ``over``: the tensor whose bytes the output may take (at the same
    start), or None."""

    add: int
    conv: int
    conv_is_input2: bool
    skip_conv: int | None
    skip: int
    first: int | None
    window_rows: int
    window_bytes: int
    over: int | None

    @property
    def ops(self) -> tuple[int, ...]:
        """Every op the fused call runs."""
        return tuple(i for i in (self.first, self.conv, self.skip_conv, self.add) if i is not None)

    @property
    def convolutions(self) -> tuple[int, ...]:
        """The convolutions the ADD's call runs (each op's own call runs nothing)."""
        return self.ops[:-1]


def _row_bytes(info: ModelInfo, tensor: int) -> int:
    shape = info.tensors[tensor].shape
    return shape[2] * shape[3]


def _rows(op, info: ModelInfo) -> BandGeometry | None:
    return band_geometry(op, info, pixels=False)


def _writes_behind_reads(info: ModelInfo, fusion: ConvAdd, x: int) -> bool:
    """Whether output row r, written at row r * its bytes from the start of tensor ``x``, always lands
    on bytes of ``x`` that no later row reads (every read of row r itself is done before the write)."""
    ops = info.operators
    conv = _rows(ops[fusion.conv], info)
    first = _rows(ops[fusion.first], info) if fusion.first is not None else None
    skip = _rows(ops[fusion.skip_conv], info) if fusion.skip_conv is not None else None
    reads_x_skip = skip is not None and ops[fusion.skip_conv].inputs[0] == x
    out_row, x_row = _row_bytes(info, ops[fusion.add].outputs[0]), _row_bytes(info, x)
    for r in range(conv.rows):
        later = []  # the first row of x that any later step reads
        if first is not None:
            made = conv.high(r + 1)  # the window's rows made so far; the next one made reads from here
            if made < first.rows:
                later.append(first.low(made))
        elif r + 1 < conv.rows:
            later.append(conv.low(r + 1))
        if r + 1 < conv.rows:
            if reads_x_skip:
                later.append(skip.low(r + 1))
            if fusion.skip_conv is None and fusion.skip == x:
                later.append(r + 1)
        if later and (r + 1) * out_row > min(later) * x_row:
            return False
    return True


def conv_adds(info: ModelInfo, aliases: dict[int, int], constants: dict[int, bytes],
              taken: set[int]) -> list[ConvAdd]:
    """Every way an int8 ADD or SUB of same-shape tensors can run fused (a plan runs disjoint ones): one
    input made by a convolution that only it reads (with a constant filter and bias; and with the convolution
    before it through a window when that one's output only it reads), the other read from its tensor or
    made by another such convolution. The convolutions' inputs must be read by the fused ops alone (they
    are read at the ADD's call). ``aliases`` must not join the ADDs' outputs to their inputs
    (:func:`edgekit.codegen.inplace_aliases` with ``exclude``); no op in ``taken`` (fused otherwise)."""
    readers = tensor_readers(info)
    planned = {b.tensor for b in activation_buffers(info)}
    aliased = set(aliases) | set(aliases.values())
    ends = set(info.inputs) | set(info.outputs)
    producer = {op.outputs[0]: op for op in info.operators if op.outputs}

    def own_convolution(tensor: int, reader: int):
        """The convolution making ``tensor`` when only op ``reader`` reads it, else None."""
        op = producer.get(tensor)
        if (op is None or op.op not in _CONVOLUTIONS or op.index in taken or tensor not in planned
                or tensor in aliased or tensor in ends or readers.get(tensor) != [reader]
                or not constant_weights(op, constants) or _rows(op, info) is None):
            return None
        return op

    fusions = []
    for add in info.operators:
        if add.op not in ("ADD", "SUB") or add.index in taken or len(add.inputs) != 2 or len(add.outputs) != 1:
            continue
        out = info.tensors[add.outputs[0]]
        operands = [info.tensors[i] for i in add.inputs]
        if (out.dtype != "INT8" or len(out.shape) != 4 or out.shape[0] != 1
                or any(t.dtype != "INT8" or tuple(t.shape) != tuple(out.shape) for t in operands)):
            continue
        for side in (1, 0):
            conv = own_convolution(add.inputs[side], add.index)
            if conv is None:
                continue
            skip = add.inputs[1 - side]
            skip_conv = own_convolution(skip, add.index)
            first = own_convolution(conv.inputs[0], conv.index)
            window_rows = window_bytes = 0
            if first is not None:
                t = info.tensors[conv.inputs[0]]
                k_h = info.tensors[conv.inputs[1]].shape[1]
                window_rows = min((k_h - 1) * int(conv.option("dilationHFactor", 1)) + 1, t.shape[1])
                window_bytes = window_rows * t.shape[2] * t.shape[3]
                if window_bytes >= t.nbytes:
                    first = None
            x = (first or conv).inputs[0]  # read at the ADD's call: the fused ops must be its only readers
            members = {add.index, conv.index} | {op.index for op in (first, skip_conv) if op is not None}
            inputs = {x} | ({skip_conv.inputs[0]} if skip_conv is not None else set())
            if any(not set(readers.get(t, [])) <= members or t in aliased for t in inputs):
                continue
            fusion = ConvAdd(add.index, conv.index, side == 1, skip_conv.index if skip_conv else None, skip,
                             first.index if first else None, window_rows, window_bytes, None)
            # the output over the block's input, where its rows land behind the last reads
            safe = x not in ends and _writes_behind_reads(info, fusion, x)
            fusions.append(ConvAdd(**{**fusion.__dict__, "over": x if safe else None}))
    return fusions


def plan_terms(info: ModelInfo, aliases: dict[int, int], fusion: ConvAdd):
    """What the fusion changes in the memory plan (arena.best_plan): the bytes of the tensors it never
    keeps whole (a row of each operand, the window), the op until which the tensors it reads live (the
    ADD's call), and the overlap of the output with ``over``."""
    ops = info.operators
    conv = ops[fusion.conv]
    sizes = {conv.outputs[0]: _row_bytes(info, conv.outputs[0])}
    lasts = {alias_root(aliases, (ops[fusion.first] if fusion.first is not None else conv).inputs[0]): fusion.add}
    if fusion.first is not None:
        sizes[conv.inputs[0]] = fusion.window_bytes
        lasts[conv.inputs[0]] = fusion.add
    if fusion.skip_conv is not None:
        skip_conv = ops[fusion.skip_conv]
        sizes[skip_conv.outputs[0]] = _row_bytes(info, skip_conv.outputs[0])
        lasts[alias_root(aliases, skip_conv.inputs[0])] = fusion.add
    overlaps = {ops[fusion.add].outputs[0]: (fusion.over, (0,))} if fusion.over is not None else {}
    return sizes, lasts, overlaps


def conv_add_call(op, ctx: Context, params: str, families: tuple[str, ...]) -> OpCall:
    """The fused call of ADD or SUB ``op`` (``ctx.conv_adds``), whose ``params`` (ek_binary_params, one
    output row) and ``families`` its own handler gives; the convolutions' handlers left their kernels in
    ``ctx.chain_kernels``."""
    fusion = ctx.conv_adds[op.index]
    sources = []
    for index in fusion.convolutions:
        kernel, refs, kernel_families = ctx.chain_kernels[index]
        sources.append(f"static const ek_conv_source k_s{index} = {{&k_p{index}, {kernel}, {refs}}};")
        families += kernel_families

    def source(index):
        return f"&k_s{index}" if index is not None else "NULL"

    ops = ctx.info.operators
    conv_out = ctx.ref(ops[fusion.conv].outputs[0])
    window = ctx.ref(ops[fusion.conv].inputs[0]) if fusion.first is not None else "NULL"
    skip, skip_row = ("NULL", ctx.ref(fusion.skip)) if fusion.skip_conv is not None else (ctx.ref(fusion.skip), "NULL")
    call = (f"ek_conv_add_s8(P, {int(fusion.conv_is_input2)}, {source(fusion.first)}, {window}, "
            f"{source(fusion.conv)}, {conv_out}, {source(fusion.skip_conv)}, {skip}, {skip_row}, "
            f"{ctx.ref(op.outputs[0])});")
    return OpCall(name_of(op), "ek_binary_params", params, call, tuple(sources), 0,
                  families + ("ek_conv_add", "ek_conv_chain", "ek_conv_in_place"))
