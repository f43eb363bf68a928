"""DEPTH_TO_SPACE, SPACE_TO_DEPTH, BATCH_TO_SPACE_ND and SPACE_TO_BATCH_ND (NHWC, TFLM's reference
kernels): rearrangements written as ``ek_copy`` calls over a 6-D view of the output."""

from __future__ import annotations

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import refuse
from edgekit.runtime_ops.shape_ops import COPY_CODE_BYTES, expect_shape
from edgekit.runtime_ops.strided_copy import Axis, Copy, constant_ints, copy_call


def _nhwc(op, ctx: Context, index: int) -> tuple[int, int, int, int]:
    tensor = ctx.tensor(index)
    if len(tensor.shape) != 4:
        raise refuse(op, f"has a tensor of shape {list(tensor.shape)}; TFLM takes 4-D NHWC tensors")
    return tensor.shape


def _block_size(op) -> int:
    block = int(op.option("blockSize"))
    if block < 1:
        raise refuse(op, f"has block size {block}")
    return block


@handler("DEPTH_TO_SPACE", code_bytes=COPY_CODE_BYTES)
def depth_to_space(op, ctx: Context) -> OpCall:
    """Output (b, h * bs + i, w * bs + j, c) is input (b, h, w, (i * bs + j) * C + c): the output walked as
    (b, h, i, w, j, c)."""
    b, h, w, depth = _nhwc(op, ctx, op.inputs[0])
    bs = _block_size(op)
    if depth % (bs * bs):
        raise refuse(op, f"has depth {depth}, not a multiple of block size {bs} squared")
    c = depth // (bs * bs)
    expect_shape(op, ctx, [b, h * bs, w * bs, c])
    axes = (Axis(b, h * w * depth), Axis(h, w * depth), Axis(bs, bs * c), Axis(w, depth), Axis(bs, c), Axis(c, 1))
    return copy_call(op, ctx, [Copy(op.inputs[0], op.outputs[0], axes)])


@handler("SPACE_TO_DEPTH", code_bytes=COPY_CODE_BYTES)
def space_to_depth(op, ctx: Context) -> OpCall:
    """Output (b, h, w, (i * bs + j) * C + c) is input (b, h * bs + i, w * bs + j, c): the output walked as
    (b, h, w, i, j, c)."""
    b, h, w, c = _nhwc(op, ctx, op.inputs[0])
    bs = _block_size(op)
    if h % bs or w % bs:
        raise refuse(op, f"has height {h} and width {w}, not multiples of block size {bs}")
    expect_shape(op, ctx, [b, h // bs, w // bs, c * bs * bs])
    axes = (Axis(b, h * w * c), Axis(h // bs, bs * w * c), Axis(w // bs, bs * c), Axis(bs, w * c), Axis(bs, c),
            Axis(c, 1))
    return copy_call(op, ctx, [Copy(op.inputs[0], op.outputs[0], axes)])


def _spatial(op, ctx: Context) -> tuple[list[int], list[int], list[int], list[int]]:
    """Input and output as [batch, height, width, depth] (a 3-D tensor has width 1, as TFLM extends it),
    the block shape and the paddings or crops as [top, bottom, left, right]."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if len(x.shape) not in (3, 4) or len(out.shape) != len(x.shape):
        raise refuse(op, f"has tensors of shapes {list(x.shape)} and {list(out.shape)}; TFLM takes 3-D or 4-D ones")
    spatial = len(x.shape) - 2
    block = [int(v) for v in constant_ints(op, ctx, op.inputs[1], "the block shape").ravel()]
    edges = [int(v) for v in constant_ints(op, ctx, op.inputs[2], "paddings or crops").ravel()]
    if len(block) != spatial or len(edges) != 2 * spatial or min(block) < 1 or min(edges) < 0:
        raise refuse(op, f"has block shape {block} and paddings or crops {edges} for {spatial} spatial dimensions")

    def extend(shape):
        return list(shape) if spatial == 2 else [shape[0], shape[1], 1, shape[2]]

    return extend(x.shape), extend(out.shape), block + [1] * (2 - spatial), edges + [0] * (4 - len(edges))


@handler("BATCH_TO_SPACE_ND", code_bytes=COPY_CODE_BYTES)
def batch_to_space_nd(op, ctx: Context) -> OpCall:
    """Output (b, h, w, c) is input batch (i * block_w + j) * B + b at (y, x, c), where h + crop_top =
    y * block_h + i and w + crop_left = x * block_w + j: a table of input offsets for h and for w."""
    (ib, ih, iw, c), (ob, oh, ow, oc), (bh, bw), (top, bottom, left, right) = _spatial(op, ctx)
    if ib != ob * bh * bw or oc != c or oh != ih * bh - top - bottom or ow != iw * bw - left - right:
        raise refuse(op, "has an output shape that does not follow from the input, block shape and crops")
    batch = ih * iw * c  # input elements per batch
    rows = tuple(divmod(y + top, bh) for y in range(oh))
    cols = tuple(divmod(x + left, bw) for x in range(ow))
    axes = (Axis(ob, batch),
            Axis(oh, table=tuple(i * bw * ob * batch + y * iw * c for y, i in rows)),
            Axis(ow, table=tuple(j * ob * batch + x * c for x, j in cols)),
            Axis(c, 1))
    return copy_call(op, ctx, [Copy(op.inputs[0], op.outputs[0], axes)])


@handler("SPACE_TO_BATCH_ND", code_bytes=COPY_CODE_BYTES)
def space_to_batch_nd(op, ctx: Context) -> OpCall:
    """Output batch (i * block_w + j) * B + b holds input (b, y * block_h + i - pad_top, x * block_w + j -
    pad_left): one copy per block offset (i, j), with the rows and columns that fall in the padding as
    windows of fill. TFLM pads with 0 (the kernel's output_offset is never set), not the zero point, and
    so does this handler, to stay bit-exact."""
    (ib, ih, iw, c), (ob, oh, ow, oc), (bh, bw), (top, bottom, left, right) = _spatial(op, ctx)
    if ob != ib * bh * bw or oc != c or oh * bh != ih + top + bottom or ow * bw != iw + left + right:
        raise refuse(op, "has an output shape that does not follow from the input, block shape and paddings")

    def window(shift: int, before: int, size: int, block: int, count: int) -> tuple[int, int]:
        # output indices y with 0 <= y * block + shift - before < size
        low = max(0, -(-(before - shift) // block))
        high = min(count, -(-(size + before - shift) // block))
        return low, max(low, high)

    copies = []
    for i in range(bh):
        rows = window(i, top, ih, bh, oh)
        for j in range(bw):
            cols = window(j, left, iw, bw, ow)
            axes = (Axis(ib, ih * iw * c), Axis(oh, bh * iw * c, *rows), Axis(ow, bw * c, *cols), Axis(c, 1))
            offset = (i - top) * iw * c + (j - left) * c
            copies.append(Copy(op.inputs[0], op.outputs[0], axes, offset, (i * bw + j) * ib * oh * ow * c))
    return copy_call(op, ctx, copies)
