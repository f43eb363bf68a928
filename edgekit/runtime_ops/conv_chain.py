"""Two convolutions in a row run as one (``ek_conv_chain.c``): the second reads the first's output through
a window of rows, so that the first's output never exists whole.

MobileNet's memory peak is a 1x1 layer that widens the depth, right before a depthwise layer that halves
the image (person_detect: 48x48x8 -> 48x48x16 -> 24x24x16, 55 KB live for TFLM). Chained, the wide tensor
is made a few rows at a time, as the depthwise layer's next output row needs them: the arena holds the
first's input, a window of rows as tall as the second's filter, and the second's output. Each row is
still made once, with the same kernels, so the outputs are TFLM's; the cost is one copy of the rows kept
from one output row to the next.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgekit.arena import activation_buffers, alias_root
from edgekit.reader import ModelInfo
from edgekit.runtime_ops import KERNEL_CODE_BYTES, tensor_readers

#: The chain's driver (ek_conv_chain_s8 166 B: arm-none-eabi-gcc 12.2 -O2 Cortex-M4F; RV32IMC as
#: runtime_ops/conv.py's), and the window and band functions it shares with ek_conv_add_s8
#: (ek_conv_window_rows 126 B, ek_conv_window_start 62 B, ek_conv_band_s8 114 B, ek_conv_band_params 76 B),
#: each counted when a call names one that links it.
KERNEL_CODE_BYTES["conv_chain"] = ((r"\bek_conv_chain_s8\b", {"default": 166, "riscv32": 266}),
                                   (r"\bek_conv_(chain|add)_s8\b", {"default": 378, "riscv32": 504}))

_CONVOLUTIONS = ("CONV_2D", "DEPTHWISE_CONV_2D")


@dataclass(frozen=True)
class ConvChain:
    """Convolution ``second`` reading ``tensor``, the output of convolution ``first`` (the op before it),
    through a window of ``window_rows`` rows of it (``window_bytes``)."""

    first: int
    second: int
    tensor: int
    window_rows: int
    window_bytes: int

    @property
    def ops(self) -> tuple[int, int]:
        """Both convolutions."""
        return self.first, self.second


def constant_weights(op, constants: dict[int, bytes]) -> bool:
    """Whether a convolution's filter and bias (if any) are constants: a fused call reads them later than
    the op's own place, where an activation tensor may no longer hold them."""
    return op.inputs[1] in constants and (len(op.inputs) < 3 or op.inputs[2] < 0 or op.inputs[2] in constants)


def conv_chains(info: ModelInfo, aliases: dict[int, int], constants: dict[int, bytes],
                taken: set[int]) -> list[ConvChain]:
    """Every pair of convolutions that can run as one (pairs may share an op; a plan runs disjoint ones):
    a convolution whose int8 output only the next op reads, a convolution (both with constant filters
    and biases), no graph output, no alias of it, neither op in ``taken`` (fused otherwise); only where
    the window takes fewer bytes than the tensor."""
    readers = tensor_readers(info)
    planned = {b.tensor for b in activation_buffers(info)}
    aliased = set(aliases) | set(aliases.values())
    chains = []
    for first in info.operators[:-1]:
        second = info.operators[first.index + 1]
        if first.op not in _CONVOLUTIONS or second.op not in _CONVOLUTIONS or len(first.outputs) != 1:
            continue
        tensor = first.outputs[0]
        t = info.tensors[tensor]
        if ({first.index, second.index} & taken or tensor not in planned or tensor in aliased
                or tensor in info.outputs or t.dtype != "INT8" or readers.get(tensor) != [second.index]
                or second.inputs[0] != tensor or not constant_weights(first, constants)
                or not constant_weights(second, constants)):
            continue
        k_h = info.tensors[second.inputs[1]].shape[1]
        reach = (k_h - 1) * int(second.option("dilationHFactor", 1)) + 1
        rows = min(reach, t.shape[1])
        window = rows * t.shape[2] * t.shape[3]
        if window < t.nbytes:
            chains.append(ConvChain(first.index, second.index, tensor, rows, window))
    return chains


def plan_terms(info: ModelInfo, aliases: dict[int, int], chain: ConvChain):
    """What the chain changes in the memory plan (arena.best_plan), as runtime_ops/conv_add.py's
    ``plan_terms``: its tensor takes the window's bytes, and the first's input lives until the second's
    call; no overlap."""
    return ({chain.tensor: chain.window_bytes},
            {alias_root(aliases, info.operators[chain.first].inputs[0]): chain.second}, {})


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
