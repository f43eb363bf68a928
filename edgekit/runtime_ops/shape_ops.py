"""TRANSPOSE, SLICE, STRIDED_SLICE, BROADCAST_TO, SPLIT, SPLIT_V and UNPACK: index copies, each one or
more ``ek_copy`` calls whose strides and offsets are worked out here with TFLM's own rules (transpose.cc,
slice.cc, strided_slice.cc with strided_slice_logic.h, broadcast_to.cc, split.cc, split_v.cc, unpack.cc).
SHAPE, whose output the generator knows, is a copy of a constant.
"""

from __future__ import annotations

from math import prod

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import c_array, name_of, refuse
from edgekit.runtime_ops.strided_copy import Axis, Copy, constant_ints, contiguous_strides, copy_call

#: Code of the ops' own: none. ek_copy's 756 B of Cortex-M4 code (ek_copy 652 B with its row copy and step
#: inlined, ek_copy_fill 104 B) are shared by every op written as a copy, so the budget counts them once
#: (edgekit.budget.EDGEKIT_HELPER_BYTES).
COPY_CODE_BYTES = 0


def expect_shape(op, ctx: Context, shape, index: int | None = None) -> None:
    """Refuses a model whose output shape is not the one TFLM computes (TFLM refuses it as well)."""
    tensor = ctx.tensor(op.outputs[0] if index is None else index)
    if tuple(int(d) for d in shape) != tuple(tensor.shape):
        raise refuse(op, f"has output shape {list(tensor.shape)} where TFLM computes {[int(d) for d in shape]} "
                     "(TFLM refuses the model as well); re-convert the model")


def positive_axis(op, axis: int, rank: int) -> int:
    """``axis`` in [0, rank), counting a negative one from the end, or a refusal."""
    if not -rank <= axis < rank:
        raise refuse(op, f"has axis {axis} for a tensor of rank {rank}")
    return axis + rank if axis < 0 else axis


@handler("SHAPE", code_bytes=0)
def shape(op, ctx: Context) -> OpCall:
    """The input's dimensions, which every tensor of a model the runtime runs has fixed: copied from a
    constant (a Flatten or Reshape converted with a dynamic batch leaves SHAPE, STRIDED_SLICE and PACK in
    front of the RESHAPE; they compute the shape the RESHAPE's output already has)."""
    out = ctx.tensor(op.outputs[0])
    dims = ctx.tensor(op.inputs[0]).shape
    if out.dtype != "INT32":
        raise refuse(op, f"has a {out.dtype} output, where TFLM's SHAPE writes int32 only (it fails the model as "
                     "well); convert with out_type int32")
    expect_shape(op, ctx, [len(dims)])
    name = f"k_op{op.index}_dims"
    return OpCall(name_of(op), "", "", f"memcpy({ctx.ref(op.outputs[0])}, {name}, {out.nbytes});",
                  (c_array(name, "int32_t", dims),), out.nbytes)


@handler("TRANSPOSE", code_bytes=COPY_CODE_BYTES)
def transpose(op, ctx: Context) -> OpCall:
    """Output dimension d walks input dimension perm[d]: the input strides, permuted."""
    x = ctx.tensor(op.inputs[0])
    perm = [int(p) for p in constant_ints(op, ctx, op.inputs[1], "a permutation").ravel()]
    if sorted(perm) != list(range(len(x.shape))):
        raise refuse(op, f"has permutation {perm}, which is not a permutation of the input's "
                     f"{len(x.shape)} dimensions")
    strides = contiguous_strides(x.shape)
    expect_shape(op, ctx, [x.shape[p] for p in perm])
    axes = tuple(Axis(x.shape[p], strides[p]) for p in perm)
    return copy_call(op, ctx, [Copy(op.inputs[0], op.outputs[0], axes)])


@handler("SLICE", code_bytes=COPY_CODE_BYTES)
def slice_(op, ctx: Context) -> OpCall:
    """``size`` elements from ``begin`` on each dimension (size -1: to the end), as TFLM's reference
    Slice reads them."""
    x = ctx.tensor(op.inputs[0])
    begin = [int(v) for v in constant_ints(op, ctx, op.inputs[1], "begin indices").ravel()]
    size = [int(v) for v in constant_ints(op, ctx, op.inputs[2], "sizes").ravel()]
    if len(begin) != len(x.shape) or len(size) != len(x.shape):
        raise refuse(op, f"has {len(begin)} begin indices and {len(size)} sizes for a tensor of rank {len(x.shape)}")
    counts = [dim - b if s == -1 else s for dim, b, s in zip(x.shape, begin, size)]
    if any(b < 0 or c < 0 or b + c > dim for dim, b, c in zip(x.shape, begin, counts)):
        raise refuse(op, f"slices begin {begin} size {size} out of a tensor of shape {list(x.shape)}")
    expect_shape(op, ctx, counts)
    strides = contiguous_strides(x.shape)
    axes = tuple(Axis(c, s) for c, s in zip(counts, strides))
    offset = sum(b * s for b, s in zip(begin, strides))
    return copy_call(op, ctx, [Copy(op.inputs[0], op.outputs[0], axes, offset)])


def _clamp(value: int, low: int, high: int) -> int:
    return min(max(value, low), high)


def strided_slice_range(begin: int, end: int, stride: int, size: int, begin_mask: bool, end_mask: bool,
                        shrink: bool) -> tuple[int, int]:
    """(start, stop) of one axis as TFLM's kernel finds them (strided_slice_logic.h
    StridedSliceStartForAxis and StridedSliceEndForAxis, the offset flag off as TFLM leaves it)."""
    start = begin + size if begin < 0 else begin
    start = _clamp(start, 0, size) if stride > 0 else _clamp(start, -1, size - 1)
    if begin_mask:
        start = 0 if stride > 0 else size - 1
    if shrink:
        return start, (start if start >= size else start + 1)
    stop = end + size if end < 0 else end
    stop = _clamp(stop, 0, size) if stride > 0 else _clamp(stop, -1, size - 1)
    if end_mask:
        stop = size if stride > 0 else -1
    return start, stop


@handler("STRIDED_SLICE", code_bytes=COPY_CODE_BYTES)
def strided_slice(op, ctx: Context) -> OpCall:
    """TFLM's strided slice: begin and end masks, negative indices and strides, shrunk axes. TFLM sets
    the ellipsis and new-axis masks and the offset flag to 0 whatever the model says, and checks the
    output shape that gives; so does this handler."""
    x = ctx.tensor(op.inputs[0])
    rank = len(x.shape)
    begin, end, strides = (constant_ints(op, ctx, op.inputs[k], what).ravel()
                           for k, what in ((1, "begin indices"), (2, "end indices"), (3, "strides")))
    if not len(begin) == len(end) == len(strides) == rank:
        raise refuse(op, f"has {len(begin)} begin, {len(end)} end and {len(strides)} stride values for a tensor "
                     f"of rank {rank}")
    if any(s == 0 for s in strides):
        raise refuse(op, "has a stride of 0")
    masks = {name: int(op.option(name)) for name in ("beginMask", "endMask", "shrinkAxisMask")}
    input_strides = contiguous_strides(x.shape)
    axes, shape, offset = [], [], 0
    for d in range(rank):
        stride, size, shrink = int(strides[d]), x.shape[d], bool(masks["shrinkAxisMask"] >> d & 1)
        start, stop = strided_slice_range(int(begin[d]), int(end[d]), stride, size,
                                          bool(masks["beginMask"] >> d & 1), bool(masks["endMask"] >> d & 1), shrink)
        count = max(0, -(-(stop - start) // stride))  # ceil((stop - start) / stride)
        if shrink and count == 0:  # begin past the end, or a negative stride: TFLM's loop never runs
            raise refuse(op, f"shrinks axis {d} at index {int(begin[d])} with stride {stride}, where TFLM's "
                         "kernel writes no output")
        if not shrink:
            shape.append(count)
        axes.append(Axis(count, stride * input_strides[d]))
        offset += start * input_strides[d]
    if tuple(shape) != tuple(ctx.tensor(op.outputs[0]).shape):
        ignored = [name for name in ("ellipsisMask", "newAxisMask", "offset") if op.option(name)]
        why = f" (TFLM ignores {', '.join(ignored)})" if ignored else ""
        raise refuse(op, f"has output shape {list(ctx.tensor(op.outputs[0]).shape)} where TFLM's strided slice "
                     f"gives {shape}{why}; TFLM refuses the model as well")
    return copy_call(op, ctx, [Copy(op.inputs[0], op.outputs[0], tuple(axes), offset)])


@handler("BROADCAST_TO", code_bytes=COPY_CODE_BYTES)
def broadcast_to(op, ctx: Context) -> OpCall:
    """Dimensions of 1 that grow are read with a stride of 0."""
    x = ctx.tensor(op.inputs[0])
    shape = [int(v) for v in constant_ints(op, ctx, op.inputs[1], "the target shape").ravel()]
    extended = [1] * (len(shape) - len(x.shape)) + list(x.shape)
    if len(shape) < len(x.shape) or any(i not in (1, o) for i, o in zip(extended, shape)):
        raise refuse(op, f"broadcasts shape {list(x.shape)} to {shape}, which is not a broadcast")
    expect_shape(op, ctx, shape)
    strides = contiguous_strides(extended)
    axes = tuple(Axis(o, 0 if i == 1 else s) for i, o, s in zip(extended, shape, strides))
    return copy_call(op, ctx, [Copy(op.inputs[0], op.outputs[0], axes)])


def split_along(op, ctx: Context, source: int, axis: int, sizes: list[int]) -> OpCall:
    """Output k takes the next ``sizes[k]`` indices of ``axis``: one 2-D copy per output (for each
    slice before the axis, a contiguous run)."""
    x = ctx.tensor(source)
    axis = positive_axis(op, axis, len(x.shape))
    if sum(sizes) != x.shape[axis]:
        raise refuse(op, f"splits axis {axis} of size {x.shape[axis]} into outputs of sizes {sizes}")
    outer, inner = prod(x.shape[:axis]), prod(x.shape[axis + 1:])
    copies, start = [], 0
    for output, size in zip(op.outputs, sizes):
        axes = (Axis(outer, x.shape[axis] * inner), Axis(size * inner, 1))
        copies.append(Copy(source, output, axes, start * inner))
        start += size
    return copy_call(op, ctx, copies)


@handler("SPLIT", code_bytes=COPY_CODE_BYTES)
def split(op, ctx: Context) -> OpCall:
    """Equal parts along a constant axis (inputs: axis, tensor)."""
    source = op.inputs[1]
    axis = int(constant_ints(op, ctx, op.inputs[0], "the axis").ravel()[0])
    axis = positive_axis(op, axis, len(ctx.tensor(source).shape))
    part = ctx.tensor(op.outputs[0]).shape[axis]
    return split_along(op, ctx, source, axis, [part] * len(op.outputs))


@handler("SPLIT_V", code_bytes=COPY_CODE_BYTES)
def split_v(op, ctx: Context) -> OpCall:
    """Parts of the outputs' sizes along a constant axis (inputs: tensor, size_splits, axis); like TFLM,
    the sizes come from the output shapes."""
    source = op.inputs[0]
    axis = int(constant_ints(op, ctx, op.inputs[2], "the axis").ravel()[0])
    axis = positive_axis(op, axis, len(ctx.tensor(source).shape))
    return split_along(op, ctx, source, axis, [ctx.tensor(o).shape[axis] for o in op.outputs])


@handler("UNPACK", code_bytes=COPY_CODE_BYTES)
def unpack(op, ctx: Context) -> OpCall:
    """Output k is index k of the axis, which the outputs drop."""
    source = op.inputs[0]
    if int(op.option("num", len(op.outputs))) != len(op.outputs):
        raise refuse(op, f"says num={op.option('num')} but has {len(op.outputs)} outputs")
    return split_along(op, ctx, source, int(op.option("axis")), [1] * len(op.outputs))
