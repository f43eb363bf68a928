"""Convolutions in a row run as one (``ek_conv_chain.c``): each reads the one before it through a window
of rows, so that no output but the last ever exists whole.

MobileNet's memory peak is a 1x1 layer that widens the depth, right before a depthwise layer that halves
the image (person_detect: 48x48x8 -> 48x48x16 -> 24x24x16, 55 KB live for TFLM); MobileNetV2's block adds
a 1x1 layer that narrows the depth again (mbv2-0.35 at 96x96: 48x48x8 -> 48x48x48 -> 24x24x48 -> 24x24x8,
138 KB for TFLM). Chained, each wide tensor is made a few rows at a time, as the next layer's next rows
need them: the arena holds the first's input, one window of rows per inner tensor (as tall as the next
layer's tallest request), and the last's output. Each row is still made once, with the same kernels, so
the outputs are TFLM's; the cost is one copy of the rows kept from one request to the next.

A pool is a stage like any other (its kernel in a convolution's signature, ek_pooling.h): the classic
CNN's full-size convolution output, which only its max pool reads, then exists as two or three rows. And
the last stage's output may take the bytes of the first's input where no later row reads them
(:func:`overlap_shift`), so that a chain over MobileNet's first layers needs little more than the image.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from edgekit.arena import activation_buffers, align, alias_root
from edgekit.reader import ModelInfo, OperatorInfo
from edgekit.runtime_ops import KERNEL_CODE_BYTES, tensor_readers

#: The chain's driver (ek_conv_chain_s8 94 B: arm-none-eabi-gcc 12.2 -O2 Cortex-M4F; 216 B RV32IMC with
#: riscv64-unknown-elf-gcc 12.2 -O2), and the window and band functions it shares with ek_conv_add_s8
#: (ek_conv_window_rows 184 B, ek_conv_windows_start 134 B, ek_conv_row_s8 88 B, ek_conv_band_s8 114 B,
#: ek_conv_band_params 76 B), each counted when a call names one that links it.
KERNEL_CODE_BYTES["conv_chain"] = ((r"\bek_conv_chain_s8\b", {"default": 94, "riscv32": 216}),
                                   (r"\bek_conv_(chain|add)_s8\b", {"default": 596, "riscv32": 772}))

#: The most windows one chain keeps (ek_conv_chain.h, EK_CONV_CHAIN_MAX): three convolutions in a row,
#: MobileNetV2's block; each window costs the driver's stack about 140 B.
MAX_WINDOWS = 2

#: What a fused call can run a band of rows of: convolutions, and pools as a chain's stages (a convolution
#: then a pool: the convolution's output exists only as a window of rows).
CONVOLUTIONS = ("CONV_2D", "DEPTHWISE_CONV_2D")
STREAMED_OPS = (*CONVOLUTIONS, "AVERAGE_POOL_2D", "MAX_POOL_2D")


@dataclass(frozen=True)
class ConvChain:
    """Convolutions ``stages`` (op indexes, one after another, each reading the one before it), the last
    writing its output whole; the others' outputs, ``tensors``, kept in windows of ``window_bytes``.
    ``over``: the first's input when the output may take its bytes, starting ``shift`` bytes before it
    (:func:`overlap_shift`), or None."""

    stages: tuple[int, ...]
    tensors: tuple[int, ...]
    window_bytes: tuple[int, ...]
    over: int | None = None
    shift: int = 0

    @property
    def ops(self) -> tuple[int, ...]:
        """Every convolution of the chain."""
        return self.stages

    @property
    def last(self) -> int:
        """The convolution whose call runs the chain."""
        return self.stages[-1]


def constant_weights(op, constants: dict[int, bytes]) -> bool:
    """Whether a convolution's filter and bias (if any) are constants (a pool has none): a fused call reads
    them later than the op's own place, where an activation tensor may no longer hold them."""
    if op.op not in CONVOLUTIONS:
        return True
    return op.inputs[1] in constants and (len(op.inputs) < 3 or op.inputs[2] < 0 or op.inputs[2] in constants)


def int8_image(info: ModelInfo, tensor: int) -> bool:
    """Whether a tensor is one int8 image (batch 1, height, width, channels): what the band kernels take."""
    t = info.tensors[tensor]
    return t.dtype == "INT8" and len(t.shape) == 4 and t.shape[0] == 1


def streamed_producer(info: ModelInfo, aliases: dict[int, int], constants: dict[int, bytes], taken: set[int],
                      kinds: tuple[str, ...] = STREAMED_OPS) -> Callable[[int, int], OperatorInfo | None]:
    """A test of tensors that a fused call can make a few rows at a time: it gives the op making ``tensor``
    when that is an int8, 4-D, batch-1 op of ``kinds`` (a convolution with constant filter and bias, or a
    pool), not in ``taken``, whose output only op ``reader`` reads (no graph input or output, no alias);
    else None."""
    readers = tensor_readers(info)
    planned = {b.tensor for b in activation_buffers(info)}
    aliased = set(aliases) | set(aliases.values())
    ends = set(info.inputs) | set(info.outputs)
    producer = {op.outputs[0]: op for op in info.operators if len(op.outputs) == 1}

    def made_by(tensor: int, reader: int) -> OperatorInfo | None:
        op = producer.get(tensor)
        if op is None or op.op not in kinds or op.index in taken or tensor not in planned:
            return None
        if (tensor in aliased or tensor in ends or readers.get(tensor) != [reader] or not constant_weights(op, constants)
                or not int8_image(info, op.inputs[0]) or not int8_image(info, tensor)):
            return None
        return op

    return made_by


def row_bytes(info: ModelInfo, tensor: int) -> int:
    """The bytes of one row of an image tensor (batch 1, height, width, channels)."""
    shape = info.tensors[tensor].shape
    return shape[2] * shape[3]


def _rows(info: ModelInfo, index: int):
    """The row geometry of the bands of op ``index``, a convolution or a pool (conv.band_geometry)."""
    from edgekit.runtime_ops.conv import band_geometry  # (conv.py imports this module)

    return band_geometry(info.operators[index], info, pixels=False)


def stage_rows_made(info: ModelInfo, stages: tuple[int, ...], conv: int, end: int) -> int:
    """How many output rows of the first of ``stages`` are made once convolution ``conv`` (reading the
    last of them) has made its rows before ``end``: each window makes what the next one's band reads
    (ek_conv_window_rows)."""
    made = _rows(info, conv).high(end)
    for index in reversed(stages[1:]):
        made = _rows(info, index).high(made)
    return made


def overlap_shift(info: ModelInfo, stages: tuple[int, ...], conv: int, output: int, x: int,
                  other_reads: tuple[Callable[[int], int], ...] = ()) -> int:
    """The fewest bytes the start of ``output`` must lie before the start of ``x`` so that a fused call
    writing ``output`` one row at a time, as convolution ``conv`` makes its rows (reading ``stages``
    through windows, the first of them reading ``x``; without stages ``conv`` reads ``x``), never writes
    over bytes of ``x`` that a later row still reads: row r is written once every read of it is done.
    ``other_reads``: for the call's other reads of ``x``, the first row of ``x`` that output row r reads."""
    last = _rows(info, conv)
    first = _rows(info, stages[0]) if stages else None
    out_row, x_row = row_bytes(info, output), row_bytes(info, x)
    shift = 0
    for r in range(last.rows - 1):  # (after the last row nothing reads x)
        later = [read(r + 1) for read in other_reads]  # the first row of x that any later step reads
        if first is None:
            later.append(last.low(r + 1))
        else:
            # the first stage's rows made so far; the next one made reads from here
            made = stage_rows_made(info, stages, conv, r + 1)
            if made < first.rows:
                later.append(first.low(made))
        if later:
            shift = max(shift, (r + 1) * out_row - min(later) * x_row)
    return shift


def window_bytes(info: ModelInfo, stages: tuple[int, ...]) -> tuple[int, ...] | None:
    """The bytes of the windows that ``stages`` (convolutions, each reading the one before it) keep, one
    per stage but the last, which makes one output row at a time: each window holds the rows of the
    tallest band the next stage asks for (ek_conv_window_rows), or None when one would be as large as its
    tensor."""
    ops = info.operators
    needed, sizes = 1, []  # rows of the next stage's output made at once
    for k in range(len(stages) - 1, 0, -1):
        t = info.tensors[ops[stages[k]].inputs[0]]
        g = _rows(info, stages[k])
        rows = min(t.shape[1], (needed - 1) * g.stride + g.reach)
        if rows * t.shape[2] * t.shape[3] >= t.nbytes:
            return None
        sizes.insert(0, rows * t.shape[2] * t.shape[3])
        needed = rows
    return tuple(sizes)


def conv_chains(info: ModelInfo, aliases: dict[int, int], constants: dict[int, bytes],
                taken: set[int]) -> list[ConvChain]:
    """Every run of two to ``MAX_WINDOWS + 1`` convolutions and pools, one after another, that can run as one (runs
    may share ops; a plan runs disjoint ones): each output but the last is read by the next alone
    (:func:`streamed_producer`), no op in ``taken`` (fused otherwise); only where every window takes fewer
    bytes than its tensor."""
    made_by = streamed_producer(info, aliases, constants, taken)
    readers = tensor_readers(info)
    aliased = set(aliases) | set(aliases.values())
    chains = []
    for start in info.operators:
        stages = [start.index]
        while len(stages) <= MAX_WINDOWS and stages[-1] + 1 < len(info.operators):
            following = info.operators[stages[-1] + 1]
            tensor = info.operators[stages[-1]].outputs[0] if info.operators[stages[-1]].outputs else -1
            if (following.op not in STREAMED_OPS or following.index in taken or following.inputs[0] != tensor
                    or made_by(tensor, following.index) is None or not constant_weights(following, constants)
                    or not int8_image(info, following.outputs[0])):
                break
            stages.append(following.index)
            sizes = window_bytes(info, tuple(stages))
            if sizes is not None:
                tensors = tuple(info.operators[i].outputs[0] for i in stages[:-1])
                chains.append(_with_overlap(info, ConvChain(tuple(stages), tensors, sizes), readers, aliased))
    return chains


def _with_overlap(info: ModelInfo, chain: ConvChain, readers: dict[int, list[int]], aliased: set[int]) -> ConvChain:
    """``chain`` with its output over the first stage's input where that input is read by that stage
    alone (no alias, no graph output; a graph input may be, as for a convolution in place) and the output
    would start fewer bytes before it than the input has: the chain's first rows are then made in the
    bytes the input's first rows leave (MobileNet's first layers, whose input is the largest tensor left)."""
    x = info.operators[chain.stages[0]].inputs[0]
    output = info.operators[chain.last].outputs[0]
    if readers.get(x) != [chain.stages[0]] or x in aliased or x in info.outputs:
        return chain
    # (rounded up, away from x: as safe, and the output keeps the arena's 16-byte alignment that the
    # kernels' word accesses and every other tensor have)
    shift = align(overlap_shift(info, chain.stages[:-1], chain.last, output, x))
    return ConvChain(chain.stages, chain.tensors, chain.window_bytes, x, shift) \
        if shift < info.tensors[x].nbytes else chain


def plan_terms(info: ModelInfo, aliases: dict[int, int], chain: ConvChain):
    """What the chain changes in the memory plan (arena.best_plan), as runtime_ops/conv_add.py's
    ``plan_terms``: its inner tensors take their windows' bytes and live until the last's call, as does
    the first's input; the output's overlap with ``over``."""
    lasts = {alias_root(aliases, info.operators[chain.stages[0]].inputs[0]): chain.last}
    lasts.update({tensor: chain.last for tensor in chain.tensors})
    output = info.operators[chain.last].outputs[0]
    overlaps = {output: (chain.over, (chain.shift,))} if chain.over is not None else {}
    return dict(zip(chain.tensors, chain.window_bytes)), lasts, overlaps


def source_initializer(ctx, index: int) -> str:
    """The ek_conv_source initializer of convolution op ``index``, whose handler left its kernel and
    sources (input, filter, bias) in ``ctx.chain_kernels`` for another op's fused call."""
    kernel, sources, _ = ctx.chain_kernels[index]
    return f"{{&k_p{index}, {kernel}, {sources}}}"


def stage_arguments(ctx, stages: tuple[int, ...], tensors: tuple[int, ...]) -> str:
    """The ``stages, count, windows`` arguments of ek_conv_chain_s8 and ek_conv_add_s8: compound literals
    of each stage's source (its handler left them in ``ctx.chain_kernels``) and window, or NULL, 0, NULL."""
    if not stages:
        return "NULL, 0, NULL"
    sources = ", ".join(source_initializer(ctx, i) for i in stages)
    windows = ", ".join(ctx.ref(t) for t in tensors)
    return f"(const ek_conv_source[]){{{sources}}}, {len(stages)}, (int8_t* const[]){{{windows}}}"


def choose_fusions(candidates: list, head_with) -> dict[int, object]:
    """The fusions a plan runs (chains, and ADDs run with their convolutions, runtime_ops/conv_add.py; each
    with ``ops``), by the index of each of their ops: from the candidate that shrinks the arena most alone
    (``head_with`` gives the arena of a list of them), each next one that shares no op with those chosen
    and shrinks it further. Fusions that save no byte are not run: each costs copies or calls per row."""
    if not candidates:
        return {}
    best = head_with([])
    # a fusion that alone makes the arena larger is left out (one that leaves it as large may still help
    # beside another, where two layers share the peak)
    heads = {fusion: head_with([fusion]) for fusion in candidates}
    alone = sorted((c for c in candidates if heads[c] <= best), key=lambda c: (heads[c], min(c.ops), len(c.ops)))
    chosen: list = []
    for fusion in alone:
        if any(set(fusion.ops) & set(c.ops) for c in chosen):
            continue
        head = head_with([*chosen, fusion])
        if head < best:
            chosen.append(fusion)
            best = head
    return {index: fusion for fusion in chosen for index in fusion.ops}
