"""MEAN, SUM, REDUCE_MAX and REDUCE_MIN (``ek_reduce.c``): any rank, any constant axes (negative and
repeated ones resolved as TFLM's ResolveAxis does), keep_dims or not."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import c_list, name_of, quant, quantize_multiplier, refuse

#: (size, stride) pairs the C kernel walks per side (kept, reduced); every input whose merged dimensions
#: alternate at most this many times per side runs, which covers every rank up to 8.
GEOMETRY_SLOTS = 4


def reduction_geometry(shape, axes) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The kept and the reduced dimensions of a row-major ``shape`` as (size, stride) pairs, outermost
    first: size-1 dimensions dropped and neighbours of the same kind merged into one pair (their
    elements are evenly spaced), so that any rank becomes a few loops."""
    strides = [int(np.prod(shape[d + 1:], dtype=np.int64)) for d in range(len(shape))]
    groups: list[tuple[bool, int, int]] = []  # (reduced?, size, stride of the innermost member)
    for d, size in enumerate(shape):
        if size == 1:
            continue
        kind = d in axes
        if groups and groups[-1][0] == kind and groups[-1][2] == size * strides[d]:
            groups[-1] = (kind, groups[-1][1] * size, strides[d])
        else:
            groups.append((kind, int(size), strides[d]))
    kept = [(size, stride) for kind, size, stride in groups if not kind]
    reduced = [(size, stride) for kind, size, stride in groups if kind]
    return kept, reduced


def _slots(pairs: list[tuple[int, int]]) -> tuple[str, str]:
    padded = [(1, 0)] * (GEOMETRY_SLOTS - len(pairs)) + pairs
    return c_list(s for s, _ in padded), c_list(t for _, t in padded)


def _wrap_int32(value: int) -> int:
    return (value + (1 << 31)) % (1 << 32) - (1 << 31)


@handler("MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN",
         code_bytes=756)  # one shared loop nest (ek_reduce_s8): counted whole for each op
def reduce(op, ctx: Context) -> OpCall:
    """TFLM's int8 reductions. MEAN folds 1/count into the multiplier exactly as QuantizedMeanOrSum does
    (the path TFLM's reduce_common.cc takes for every int8 MEAN); SUM requantizes the same sum with the
    plain input/output multiplier; MAX and MIN need one quantization on both sides, as TFLM checks."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype != "INT8" or out.dtype != "INT8":
        raise refuse(op, f"takes {x.dtype} to {out.dtype}; the edgekit runtime's reductions are int8")
    no_axes = ctx.tensor(op.inputs[1]).num_elements == 0  # an empty axis list has no data, and reduces nothing
    if not no_axes and not ctx.is_constant(op.inputs[1]):
        raise refuse(op, "has axes computed at run time; the edgekit runtime needs constant axes")
    rank = len(x.shape)
    axes = set()
    for axis in [] if no_axes else ctx.constant(op.inputs[1]).ravel():
        if not -rank <= int(axis) < rank:
            raise refuse(op, f"reduces over axis {int(axis)} of a rank-{rank} tensor")
        axes.add(int(axis) % rank)
    kept, reduced = reduction_geometry(x.shape, axes)
    if len(kept) > GEOMETRY_SLOTS or len(reduced) > GEOMETRY_SLOTS:
        raise refuse(op, f"alternates kept and reduced dimensions more than {GEOMETRY_SLOTS} times")
    (s_in, zp_in), (s_out, zp_out) = quant(x), quant(out)
    count = int(np.prod([x.shape[d] for d in axes], dtype=np.int64))
    multiplier = shift = 0
    if op.op in ("MEAN", "SUM"):
        multiplier, shift = quantize_multiplier(float(s_in) / float(s_out))
        if op.op == "MEAN" and count > 0:
            count_shift = min(count.bit_length() - 1, 32, 31 + shift)
            multiplier = int((multiplier << count_shift) // count)
            shift -= count_shift
        kernel = "ek_reduce_sum_s8"
    else:
        if float(s_in) != float(s_out) or zp_in != zp_out:
            raise refuse(op, "has different input and output quantization, which TFLM refuses too")
        kernel = "ek_reduce_max_s8" if op.op == "REDUCE_MAX" else "ek_reduce_min_s8"
    kept_dims, kept_strides = _slots(kept)
    reduced_dims, reduced_strides = _slots(reduced)
    params = (f"{{{kept_dims}, {kept_strides}, {reduced_dims}, {reduced_strides}, {_wrap_int32(-zp_in * count)}, "
              f"{zp_out}, {multiplier}, {shift}}}")
    return OpCall(name_of(op), "ek_reduce_params", params,
                  f"{kernel}(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});", (), 0, ("ek_reduce",))
