"""N-D broadcasting of elementwise ops, planned ahead of time for ``ek_broadcast.h``.

TFLM's ``BroadcastBinaryOpSimple`` (reference/broadcast_loop.h) walks the output in order, merging
neighbouring dimensions along which every tensor advances alike into one loop. :func:`broadcast_loops`
does that merging here, and :func:`broadcast_params` turns the loops into the ``ek_broadcast`` initializer:
the innermost loop (its length and each input's step, 0 where the input repeats) and the outer loops with
each input's row-start step precomputed, so the kernel never divides or multiplies an index.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgekit.reader import OperatorInfo
from edgekit.runtime_ops import OpCall
from edgekit.runtime_ops.fixedpoint import c_array, name_of, refuse

#: TFLM's kMaxRank for broadcasting.
MAX_RANK = 8


@dataclass(frozen=True)
class Loop:
    """One loop of the output walk: how many times it runs, and each input's stride along it."""

    extent: int
    strides: tuple[int, ...]


def broadcast_shape(op: OperatorInfo, *shapes) -> tuple[int, ...]:
    """The shape the inputs broadcast to (numpy's rule, which is TFLM's), or a refusal naming the
    dimension that does not broadcast."""
    rank = max((len(s) for s in shapes), default=0)
    if rank > MAX_RANK:
        raise refuse(op, f"broadcasts over {rank} dimensions; TFLM and the edgekit runtime take at most {MAX_RANK}")
    padded = [(1,) * (rank - len(s)) + tuple(int(d) for d in s) for s in shapes]
    result = []
    for axis in range(rank):
        sizes = {p[axis] for p in padded} - {1}
        if len(sizes) > 1:
            raise refuse(op, f"has inputs of shapes {' and '.join(str(list(s)) for s in shapes)}, which do not "
                         f"broadcast (dimension {axis})")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def broadcast_loops(out_shape, *shapes) -> list[Loop]:
    """The loops that walk ``out_shape`` in order, innermost first, each with every input's stride (0
    along a dimension the input repeats). Dimensions of extent 1 vanish, and a dimension joins the loop
    inside it when every input continues there where that loop ends (as TFLM's CanFuseLoops). Always at
    least one loop."""
    rank = len(out_shape)
    padded = [(1,) * (rank - len(s)) + tuple(int(d) for d in s) for s in shapes]
    accumulated = [1] * len(shapes)
    loops: list[Loop] = []
    for axis in reversed(range(rank)):
        extent = int(out_shape[axis])
        strides = tuple(0 if p[axis] == 1 else acc for p, acc in zip(padded, accumulated))
        accumulated = [acc * p[axis] for p, acc in zip(padded, accumulated)]
        if extent == 1:
            continue
        if loops and all(s == inner * loops[-1].extent for s, inner in zip(strides, loops[-1].strides)):
            loops[-1] = Loop(loops[-1].extent * extent, loops[-1].strides)
        else:
            loops.append(Loop(extent, strides))
    return loops or [Loop(1, (0,) * len(shapes))]


def broadcast_params(op: OperatorInfo, out_shape, *shapes) -> tuple[str, tuple[str, ...], int]:
    """The ``ek_broadcast`` initializer for an op whose inputs have ``shapes`` and whose output has
    ``out_shape``, the const array it points to (none when the output is one row: same shapes or a
    scalar input) and that array's bytes."""
    expected = broadcast_shape(op, *shapes)
    # leading 1s change nothing in the walk (and TFLM ignores them too: a scalar may stand as [] or [1])
    rank = max(len(expected), len(out_shape))
    out_shape = (1,) * (rank - len(out_shape)) + tuple(out_shape)
    if out_shape != (1,) * (rank - len(expected)) + expected:
        raise refuse(op, f"has an output of shape {list(out_shape)} where its inputs broadcast to {list(expected)}")
    inner, *outer = broadcast_loops(out_shape, *shapes)
    steps = list(inner.strides) + [0] * (3 - len(shapes))
    if not outer:
        return f"{{{inner.extent}, {{{', '.join(map(str, steps))}}}, 0, NULL}}", (), 0
    table: list[int] = []
    # where each input's row start stands after the loops inside the current one ran to their last step
    reached = [0] * len(shapes)
    for loop in outer:
        table.append(loop.extent)
        table.extend(stride - done for stride, done in zip(loop.strides, reached))
        reached = [done + stride * (loop.extent - 1) for stride, done in zip(loop.strides, reached)]
    name = f"k_op{op.index}_broadcast"
    params = f"{{{inner.extent}, {{{', '.join(map(str, steps))}}}, {len(outer)}, {name}}}"
    return params, (c_array(name, "int32_t", table),), 4 * len(table)


#: Kernel name suffix of each element type the elementwise kernels take.
SUFFIX = {"INT8": "s8", "INT16": "s16", "INT32": "s32", "FLOAT32": "f32", "BOOL": "b8"}


def element_type(op: OperatorInfo, tensors, allowed: tuple[str, ...]) -> str:
    """The one type ``tensors`` share, or a refusal when they differ or the type is not in ``allowed``."""
    types = {t.dtype for t in tensors}
    if len(types) != 1 or next(iter(types)) not in allowed:
        raise refuse(op, f"takes {'/'.join(sorted(types))} tensors; the edgekit runtime runs it on "
                     f"{' or '.join(t.lower() for t in allowed)} tensors of one type")
    return types.pop()


def elementwise_call(op: OperatorInfo, ctx, kernel: str, params_type: str, fields: str, family: str,
                     inputs=None) -> OpCall:
    """The call ``kernel(P, inputs..., output)`` of an elementwise kernel whose params struct starts with
    the ``ek_broadcast`` plan and goes on with ``fields`` (a C initializer list without braces, or "")."""
    inputs = list(op.inputs[:2] if inputs is None else inputs)
    out = ctx.tensor(op.outputs[0])
    broadcast, arrays, table_bytes = broadcast_params(op, out.shape, *(ctx.tensor(i).shape for i in inputs))
    params = f"{{{broadcast}, {fields}}}" if fields else f"{{{broadcast}}}"
    refs = ", ".join(ctx.ref(i) for i in [*inputs, op.outputs[0]])
    return OpCall(name_of(op), params_type, params, f"{kernel}(P, {refs});", arrays, table_bytes, (family,))


#: ``ek_binary_params`` after its broadcast plan, in order (ek_broadcast.h).
BINARY_FIELDS = ("input1_offset", "input2_offset", "output_offset", "left_shift", "input1_multiplier",
                 "input1_shift", "input2_multiplier", "input2_shift", "output_multiplier", "output_shift", "act_min",
                 "act_max", "variant")


def binary_fields(**arithmetic: int) -> str:
    """``ek_binary_params`` after its broadcast plan, as a C initializer list without braces: the fields
    named in ``arithmetic`` (``BINARY_FIELDS``), the others 0."""
    unknown = set(arithmetic) - set(BINARY_FIELDS)
    if unknown:
        raise TypeError(f"not fields of ek_binary_params: {sorted(unknown)}")
    return ", ".join(str(int(arithmetic.get(name, 0))) for name in BINARY_FIELDS)


def binary_call(op: OperatorInfo, ctx, kernel: str, family: str, **arithmetic: int) -> OpCall:
    """The call of a two-input elementwise kernel taking ``ek_binary_params``: the fields named in
    ``arithmetic`` (``BINARY_FIELDS``), the others 0."""
    return elementwise_call(op, ctx, kernel, "ek_binary_params", binary_fields(**arithmetic), family)
