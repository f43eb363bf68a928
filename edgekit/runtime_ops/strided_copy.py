"""The strided copy (``ek_copy.c``) that the data-movement ops share.

A handler describes its output dimension by dimension as :class:`Axis` records (how many indices, how far
apart in the input, which of them are fill, or a table of input offsets) and :func:`copy_call` turns
them into ``ek_copy`` calls. Transpose, slice, strided slice, broadcast, split, pad, mirror pad and the
space/depth/batch rearrangements are then handlers that only compute strides; the kernel itself writes
the output in order, a contiguous run at a time where the input allows it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edgekit.reader import numpy_dtype
from edgekit.runtime_ops import C_TYPES, Context, OpCall
from edgekit.runtime_ops.fixedpoint import c_array, c_list, name_of, refuse

#: Dimensions the kernel walks (EK_COPY_DIMS in ek_copy.h).
COPY_DIMS = 6
#: Bytes of one ek_copy_params block on a 32-bit target: 4 arrays of 6 int32, 6 pointers, 3 int32.
PARAMS_BYTES = 4 * 4 * COPY_DIMS + 4 * COPY_DIMS + 3 * 4


@dataclass(frozen=True)
class Axis:
    """One output dimension of a copy.

    Index ``i`` reads the input ``i * stride`` elements further (0 repeats an element, a negative stride
    walks backwards), or ``table[i]`` elements further when there is a table (-1 in it: fill). Indices
    outside ``[begin, end)`` are fill (``end`` None: ``count``).
    """

    count: int
    stride: int = 0
    begin: int = 0
    end: int | None = None
    table: tuple[int, ...] | None = None

    @property
    def stop(self) -> int:
        """The end of the window of indices read from the input."""
        return self.count if self.end is None else self.end

    @property
    def plain(self) -> bool:
        """True for a dimension without table and without fill."""
        return self.table is None and self.begin == 0 and self.stop == self.count


@dataclass(frozen=True)
class Copy:
    """One ek_copy call: ``axes`` over the output (``output_offset`` elements into tensor ``output``),
    reading tensor ``source`` from ``offset`` elements on; ``fill`` where the axes say so."""

    source: int
    output: int
    axes: tuple[Axis, ...]
    offset: int = 0
    output_offset: int = 0
    fill: int = 0


def contiguous_strides(shape) -> list[int]:
    """Element strides of a tensor stored in C order (the last dimension contiguous)."""
    strides = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * int(shape[d + 1])
    return strides


def simplify(axes) -> list[Axis]:
    """The same copy over fewer dimensions: plain dimensions of one index dropped, and neighbours that
    walk the input as one run (outer stride = inner stride x inner count) merged."""
    kept = [axis for axis in axes if not (axis.count == 1 and axis.plain)]
    merged: list[Axis] = []
    for axis in kept:
        if merged and merged[-1].plain and axis.plain and merged[-1].stride == axis.stride * axis.count:
            merged[-1] = Axis(merged[-1].count * axis.count, axis.stride)
        else:
            merged.append(axis)
    return merged or [Axis(1, 0)]


def copy_initializer(axes, offset: int, element: int, fill: int, table_name) -> tuple[str, list[str], int]:
    """The ``ek_copy_params`` initializer of one copy (strides and offsets in bytes), the table arrays it
    refers to and their bytes; ``table_name(d)`` names dimension d's table."""
    axes = simplify(axes)
    if len(axes) > COPY_DIMS:
        raise ValueError(f"a copy over {len(axes)} dimensions (ek_copy walks {COPY_DIMS})")
    axes = [Axis(1, 0)] * (COPY_DIMS - len(axes)) + axes
    arrays, tables, table_bytes = [], [], 0
    for d, axis in enumerate(axes):
        if axis.table is None:
            tables.append("NULL")
            continue
        values = [v * element if v >= 0 else -1 for v in axis.table]
        arrays.append(c_array(table_name(d), "int32_t", values))
        tables.append(table_name(d))
        table_bytes += 4 * len(values)
    begin = [min(max(axis.begin, 0), axis.count) for axis in axes]
    end = [max(min(axis.stop, axis.count), b) for axis, b in zip(axes, begin)]
    initializer = (f"{{{c_list(a.count for a in axes)}, {c_list(a.stride * element for a in axes)}, "
                   f"{c_list(begin)}, {c_list(end)}, {{{', '.join(tables)}}}, {offset * element}, {element}, "
                   f"{int(fill)}}}")
    return initializer, arrays, table_bytes


def element_bytes(op, ctx: Context, index: int) -> int:
    """Bytes per element of tensor ``index``, or a refusal for a type the copy does not move."""
    tensor = ctx.tensor(index)
    size = numpy_dtype(tensor.dtype).itemsize if tensor.dtype in C_TYPES else 0
    if size not in (1, 2, 4, 8):
        raise refuse(op, f"has a {tensor.dtype} tensor, which the edgekit runtime's copy does not move")
    return size


def copy_call(op, ctx: Context, copies: list[Copy]) -> OpCall:
    """The OpCall of one or more ek_copy calls (a SPLIT has one per output)."""
    prefix = f"k_op{op.index}"
    element = element_bytes(op, ctx, copies[0].output)
    arrays: list[str] = []
    initializers, statements, table_bytes = [], [], 0
    for k, item in enumerate(copies):
        initializer, tables, size = copy_initializer(item.axes, item.offset, element, item.fill,
                                                     lambda d, k=k: f"{prefix}_c{k}_table{d}")
        arrays += tables
        table_bytes += size
        initializers.append(initializer)
        target = ctx.ref(item.output)
        if item.output_offset:
            target = f"({target} + {item.output_offset})"
        statements.append((ctx.ref(item.source), target))
    if len(copies) == 1:
        source, target = statements[0]
        return OpCall(name_of(op), "ek_copy_params", initializers[0], f"ek_copy(P, {source}, {target});",
                      tuple(arrays), table_bytes, ("ek_copy",))
    arrays.append(f"static const ek_copy_params {prefix}_copy[{len(copies)}] = {{\n  "
                  + ",\n  ".join(initializers) + "};")
    call = " ".join(f"ek_copy(&{prefix}_copy[{k}], {source}, {target});"
                    for k, (source, target) in enumerate(statements))
    return OpCall(name_of(op), "", "", call, tuple(arrays), table_bytes + PARAMS_BYTES * len(copies),
                  ("ek_copy",))


def constant_ints(op, ctx: Context, index: int, what: str) -> np.ndarray:
    """A constant integer input (begin, perm, paddings, ...) as int64, or a refusal naming it."""
    if index is None or index < 0 or not ctx.is_constant(index):
        raise refuse(op, f"has {what} computed at run time; the edgekit runtime needs it constant")
    values = ctx.constant(index)
    if not np.issubdtype(values.dtype, np.integer):
        raise refuse(op, f"has {what} of type {ctx.tensor(index).dtype}; it must be an integer tensor")
    return values.astype(np.int64)
