"""PAD, PADV2 and MIRROR_PAD (TFLM's pad.cc and mirror_pad.cc) as ``ek_copy`` calls: a constant pad is a
window of input indices per dimension with fill around it, a mirror pad a table of input offsets per
padded dimension."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import optional_input, refuse
from edgekit.runtime_ops.shape_ops import COPY_CODE_BYTES, expect_shape
from edgekit.runtime_ops.strided_copy import Axis, Copy, constant_ints, contiguous_strides, copy_call

#: Ranks TFLM pads (PadKernelMaxDimensionCount).
MAX_PAD_RANK = 5
REFLECT, SYMMETRIC = 0, 1


def _paddings(op, ctx: Context) -> list[tuple[int, int]]:
    x = ctx.tensor(op.inputs[0])
    pads = constant_ints(op, ctx, op.inputs[1], "paddings")
    if pads.size != 2 * len(x.shape) or (pads < 0).any():
        raise refuse(op, f"has paddings {pads.ravel().tolist()} for a tensor of rank {len(x.shape)}; it needs "
                     "one non-negative (before, after) pair per dimension")
    if len(x.shape) > MAX_PAD_RANK:
        raise refuse(op, f"pads a tensor of rank {len(x.shape)}; TFLM pads up to {MAX_PAD_RANK} dimensions")
    pairs = [(int(a), int(b)) for a, b in pads.reshape(-1, 2)]
    expect_shape(op, ctx, [d + a + b for d, (a, b) in zip(x.shape, pairs)])
    return pairs


def _pad_value(op, ctx: Context) -> int:
    """What TFLM fills with: the constant_values input when there is one, else the output zero point
    for int8 and 0 for other types; a float value as its bit pattern."""
    out = ctx.tensor(op.outputs[0])
    index = optional_input(op, 2)
    if index is None:
        if out.dtype == "INT8" and out.quantization is not None:
            return out.quantization.zero_points[0]
        return 0
    if not ctx.is_constant(index):
        raise refuse(op, "has a constant_values input computed at run time; the edgekit runtime needs it constant")
    value = ctx.constant(index).ravel()[:1]
    if value.dtype == np.float32:
        return int(value.view(np.int32)[0])
    if value.dtype.itemsize > 4:
        raise refuse(op, f"pads a {out.dtype} tensor, which the edgekit runtime does not pad")
    return int(value[0])


@handler("PAD", "PADV2", code_bytes=COPY_CODE_BYTES)
def pad(op, ctx: Context) -> OpCall:
    """Constant paddings on up to five dimensions, int8, int16, int32 (and float32)."""
    x = ctx.tensor(op.inputs[0])
    pairs = _paddings(op, ctx)
    strides = contiguous_strides(x.shape)
    axes = tuple(Axis(d + a + b, s, a, a + d) for d, s, (a, b) in zip(x.shape, strides, pairs))
    offset = -sum(a * s for s, (a, _) in zip(strides, pairs))
    return copy_call(op, ctx, [Copy(op.inputs[0], op.outputs[0], axes, offset, fill=_pad_value(op, ctx))])


def mirror_index(index: int, before: int, size: int, offset: int) -> int:
    """The input index an output index of a mirror-padded dimension reads (TFLM's GetInputDimension;
    ``offset`` is 1 for REFLECT, which leaves the edge out, and 0 for SYMMETRIC)."""
    if index < before:
        original = before + offset - 1
        return original - min(index, original - offset)
    index -= before
    if index >= size:
        index -= size
        original = size - (1 + offset)
        return original - min(index, original)
    return index


@handler("MIRROR_PAD", code_bytes=COPY_CODE_BYTES)
def mirror_pad(op, ctx: Context) -> OpCall:
    """REFLECT or SYMMETRIC paddings: each padded dimension reads the input through a table."""
    x = ctx.tensor(op.inputs[0])
    pairs = _paddings(op, ctx)
    mode = int(op.option("mode"))
    if mode not in (REFLECT, SYMMETRIC):
        raise refuse(op, f"has mirror pad mode {mode}")
    offset = 1 if mode == REFLECT else 0
    axes = []
    for size, stride, (before, after) in zip(x.shape, contiguous_strides(x.shape), pairs):
        if not before and not after:
            axes.append(Axis(size, stride))
            continue
        indices = [mirror_index(i, before, size, offset) for i in range(before + size + after)]
        if min(indices) < 0 or max(indices) >= size:
            raise refuse(op, f"pads a dimension of size {size} by ({before}, {after}), more than "
                         f"{'REFLECT' if mode == REFLECT else 'SYMMETRIC'} mode allows")
        axes.append(Axis(len(indices), table=tuple(i * stride for i in indices)))
    return copy_call(op, ctx, [Copy(op.inputs[0], op.outputs[0], tuple(axes))])
