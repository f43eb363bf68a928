"""A convolution fused with the FULLY_CONNECTED that alone reads its output (``ek_conv_dense.c``).

``Conv2D -> Flatten -> Dense`` (micro_speech's depthwise layer and its classifier, most small image and
keyword CNNs) keeps the convolution's whole output in RAM only for the dense layer to read it once, in
order. Fused, the convolution runs in bands of output rows into a small buffer, and each band is added to
the dense layer's accumulators straight away: the arena holds a band and one int32 per unit instead of the
whole tensor. The integer sums are the same ones in another order, so the outputs are TFLM's.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgekit.arena import activation_buffers, alias_root, align
from edgekit.reader import ModelInfo
from edgekit.runtime_ops import KERNEL_CODE_BYTES, KERNEL_INCLUDED_IN, tensor_readers

#: Each band's values are at least this many bytes (or the whole output): every band is a kernel call and
#: a pass over the dense layer's units, so bands much shorter than this cost more than they save.
BAND_BYTES = 256
#: Ops whose output is their input's bytes under another shape (codegen.SAME_BYTES_OPS).
_SAME_BYTES = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS"})

#: FULLY_CONNECTED's code by the kernel its calls name (arm-none-eabi-gcc 12.2 -O2 Cortex-M4F, RV32IMC as
#: runtime_ops/conv.py's): the whole kernel (its interleaved blocks' eight accumulators take more code in
#: plain C on RV32IMC than with the M4's SMLAD), its base path, or the fused driver with the band functions and the
#: finishing requantization (ek_conv_dense_s8 344 B, ek_conv_band_s8 114 B, ek_conv_band_params 76 B,
#: ek_fully_connected_finish_s8 42 B and the fc_finish_s8 it calls 184 B on the M4).
KERNEL_CODE_BYTES["FULLY_CONNECTED"] = (
    (r"\bek_fully_connected_s8\b", {"default": 3_606, "riscv32": 3_850}),
    # its base path alone (which the whole kernel includes)
    (r"\bek_fully_connected_base_s8\b", {"default": 1_416, "riscv32": 1_322}),
    (r"\bek_conv_dense_s8\b", {"default": 764, "riscv32": 764}))
KERNEL_INCLUDED_IN[r"\bek_fully_connected_base_s8\b"] = r"\bek_fully_connected_s8\b"


@dataclass(frozen=True)
class DenseFusion:
    """A convolution (op ``conv``) whose output ``tensor`` only the FULLY_CONNECTED op ``dense`` reads:
    run in bands of ``band_rows`` output rows, its arena bytes a band and the units' accumulators."""

    conv: int
    dense: int
    tensor: int
    band_rows: int
    band_bytes: int  # the band buffer, aligned: the accumulators follow it
    scratch_bytes: int  # band and accumulators: the tensor's size in the plan


def dense_fusions(info: ModelInfo, aliases: dict[int, int], constants: dict[int, bytes]) -> dict[int, DenseFusion]:
    """The model's convolutions that run fused with their dense layer, by op index: the convolution's int8
    output read by nothing but (through RESHAPEs) a FULLY_CONNECTED of batch 1 with constant int8 weights
    of zero point 0 and a constant bias (or none), which runs right after it, no graph output among them;
    only where the band and accumulators take fewer bytes than the tensor."""
    last_use = {b.tensor: b.last for b in activation_buffers(info)}
    readers = tensor_readers(info)
    fusions = {}
    for op in info.operators:
        if op.op not in ("CONV_2D", "DEPTHWISE_CONV_2D") or len(op.outputs) != 1 or op.inputs[1] not in constants:
            continue
        tensor = op.outputs[0]
        chain, current = {tensor}, tensor
        following = op.index + 1
        # RESHAPEs of the output, each right after the last
        while following < len(info.operators) and info.operators[following].op in _SAME_BYTES and \
                readers.get(current) == [following]:
            current = info.operators[following].outputs[0]
            chain.add(current)
            following += 1
        if following >= len(info.operators) or readers.get(current) != [following] or chain & set(info.outputs):
            continue
        dense = info.operators[following]
        if dense.op != "FULLY_CONNECTED" or dense.inputs[0] != current or not _dense_fits(info, dense, constants):
            continue
        out = info.tensors[tensor]
        # the RESHAPEs' outputs share the convolution's bytes (codegen.inplace_aliases), which are the band
        if out.dtype != "INT8" or tensor not in last_use or len({alias_root(aliases, t) for t in chain}) != 1:
            continue
        out_row = out.shape[2] * out.shape[3]
        band_rows = min(out.shape[1], max(1, -(-BAND_BYTES // out_row)))
        band_bytes = align(band_rows * out_row)
        scratch = band_bytes + 4 * info.tensors[dense.outputs[0]].shape[-1]
        if scratch < out.nbytes:
            fusions[op.index] = DenseFusion(op.index, dense.index, tensor, band_rows, band_bytes, scratch)
    return fusions


def _dense_fits(info: ModelInfo, dense, constants: dict[int, bytes]) -> bool:
    """A FULLY_CONNECTED that ek_conv_dense_s8 runs: int8 x int8 weights of zero point 0, batch 1, its
    bias constant or absent (so that the base holds it)."""
    x, w = info.tensors[dense.inputs[0]], info.tensors[dense.inputs[1]]
    bias = dense.inputs[2] if len(dense.inputs) > 2 and dense.inputs[2] >= 0 else None
    return (x.dtype == "INT8" and w.dtype == "INT8" and dense.inputs[1] in constants
            and w.quantization is not None and w.quantization.zero_points[0] == 0
            and x.num_elements == w.shape[1] and (bias is None or bias in constants))

