"""The tensor arena (the "plan" stage): what TFLM needs on a 32-bit target, and a better activation plan.

**Estimate.** The ``tflite-micro`` package is the real TFLM allocator, built for a 64-bit host. Its
recording allocator reports the arena's head (activations, planned by TFLM's greedy planner, the same on
any target since tensor sizes do not depend on the word size) and the tail by category. The 32-bit tail is
rebuilt from those categories with TFLM's struct sizes on a 32-bit core (shared/research/performance.md,
section 3.4): ``TfLiteEvalTensor`` 12 B, ``TfLiteTensor`` 32 B and ``NodeAndRegistration`` 32 B each;
persistent buffers (per-channel multipliers and shifts, kernel op data) and quantization data are kept at
their host size, an upper bound; the unrecorded rest (allocator and planner objects, all pointers) is
halved. On the seven models with measured Cortex-M4 figures this lands 0.2-0.6 KB above the device.

**Offline plan.** TFLM places activations with a greedy first-fit planner, which can leave the head well
above the live-set lower bound (vww_96_int8: 73,728 B planned vs 55,296 B). TFLM accepts fixed offsets from
the model's ``OfflineMemoryAllocation`` metadata (tflite-micro ``docs/memory_management.md``:
``[version, subgraphs, n, offset_0 .. offset_n-1]``, -1 for tensors it should place itself), so a better
plan written there shrinks the arena of stock TFLM, on every board, without changing any kernel.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from random import Random

import numpy as np

from edgekit.errors import ModelError
from edgekit.host import HostArena, measure_tflm_arena
from edgekit.model_metadata import with_metadata
from edgekit.reader import ModelInfo, read_model

#: TFLM aligns every arena buffer to this (MicroArenaBufferAlignment()).
ALIGNMENT = 16
OFFLINE_PLAN_METADATA = "OfflineMemoryAllocation"
#: Struct sizes on a 32-bit core with TF_LITE_STATIC_MEMORY (performance.md, section 3.4).
EVAL_TENSOR_32 = 12
TFLITE_TENSOR_32 = 32
NODE_AND_REGISTRATION_32 = 32


def align(size: int) -> int:
    """``size`` rounded up to TFLM's 16-byte buffer alignment."""
    return (size + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


@dataclass(frozen=True)
class ArenaEstimate:
    """TFLM's arena on a 32-bit target: ``head`` (activations) plus ``tail`` (persistent data)."""

    bytes: int  # what arena_used_bytes() will report on the device (an upper bound)
    head: int
    tail: int
    host: HostArena  # the 64-bit measurement it came from


def estimate_tflm_arena(model: bytes, host: HostArena | None = None) -> ArenaEstimate:
    """The arena TFLM will use for ``model`` on a 32-bit microcontroller (see the module docstring).

    :raises InterpreterCrash: when the host TFLM cannot allocate the model at all.
    """
    host = host or measure_tflm_arena(model)
    recorded = sum(used for _, used, _ in host.categories)
    tail = (
        EVAL_TENSOR_32 * host.category("TfLiteEvalTensor data")[1]
        + TFLITE_TENSOR_32 * host.category("Persistent TfLiteTensor data")[1]
        + host.category("Persistent TfLiteTensor quantization data")[0]
        + host.category("Persistent buffer data")[0]
        + host.category("TfLiteTensor variable buffer data")[0]
        + NODE_AND_REGISTRATION_32 * host.category("NodeAndRegistration struct")[1]
        + host.category("Op data")[0]
        + max(0, host.tail_bytes - recorded) // 2
    )
    return ArenaEstimate(bytes=align(host.head_bytes + tail), head=host.head_bytes, tail=tail, host=host)


# --- the activation plan -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Buffer:
    """One activation tensor in the arena: its aligned size and the ops between which it must live."""

    tensor: int
    size: int
    first: int  # index of the op that writes it (0 for graph inputs)
    last: int  # index of the last op that reads it (the final op for graph outputs)


def activation_buffers(info: ModelInfo) -> list[Buffer]:
    """The arena buffers TFLM plans for ``info``, with the lifetimes TFLM gives them.

    Graph inputs live from op 0, an op's outputs from that op, a tensor until its last reader, and graph
    outputs until the final op. Constants live in the flatbuffer and take no arena space. Variable tensors
    (state kept across inferences) are not planned either: TFLM keeps them in its persistent tail, and
    edgekit's runtime in a region of their own (:func:`variable_region`).
    """
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    final = len(info.operators) - 1
    for index in info.inputs:
        first[index] = 0
    for op in info.operators:
        for index in op.outputs:
            first.setdefault(index, op.index)
            last[index] = max(last.get(index, op.index), op.index)
        for index in op.inputs:
            if index >= 0 and not info.tensors[index].is_constant:
                first.setdefault(index, 0)
                last[index] = max(last.get(index, op.index), op.index)
    for index in info.outputs:
        last[index] = final
    buffers = []
    for index in sorted(first):
        tensor = info.tensors[index]
        if tensor.is_constant or tensor.is_variable:
            continue
        size = tensor.nbytes
        buffers.append(Buffer(index, align(size), first[index], last.get(index, first[index])))
    return buffers


def variable_region(info: ModelInfo, start: int) -> tuple[dict[int, int], int]:
    """Offsets for the model's variable tensors, one after another from ``start`` (aligned), and the end of
    that region. They never share bytes with anything: their values must survive from one inference to the
    next. The runtime's arena is static storage, zeroed at start-up, which is TFLM's starting state for all
    but int8 state with a zero point (the generated code sets those bytes before the first inference)."""
    offsets: dict[int, int] = {}
    end = align(start)
    for tensor in info.tensors:
        if tensor.is_variable and not tensor.is_constant:
            offsets[tensor.index] = end
            end += align(tensor.nbytes)
    return offsets, end


def _overlaps(a: Buffer, b: Buffer) -> bool:
    return a.first <= b.last and b.first <= a.last


def place(order: list[Buffer]) -> dict[int, int]:
    """First-fit placement in the given order: each buffer goes into the lowest gap, among the buffers
    already placed that are alive at the same time, that holds it (TFLM's GreedyMemoryPlanner)."""
    placed: list[tuple[int, Buffer]] = []
    offsets: dict[int, int] = {}
    for buffer in order:
        candidate = 0
        for offset, other in sorted(((o, b) for o, b in placed if _overlaps(b, buffer)), key=lambda pair: pair[0]):
            if candidate + buffer.size <= offset:
                break
            candidate = max(candidate, offset + other.size)
        placed.append((candidate, buffer))
        offsets[buffer.tensor] = candidate
    return offsets


def plan_size(buffers: list[Buffer], offsets: dict[int, int]) -> int:
    """Bytes of arena head a plan needs: the highest buffer end."""
    return max((offsets[b.tensor] + b.size for b in buffers), default=0)


def tflm_greedy_order(buffers: list[Buffer]) -> list[Buffer]:
    """The order TFLM's planner takes buffers in: largest first; equal sizes in reverse tensor order
    (it fills its sort array from the end, then sorts stably)."""
    return sorted(reversed(buffers), key=lambda b: -b.size)


def live_set_bound(buffers: list[Buffer]) -> int:
    """No plan without in-place reuse can need less: the largest sum of buffers alive at one op."""
    if not buffers:
        return 0
    steps = range(max(b.last for b in buffers) + 1)
    return max(sum(b.size for b in buffers if b.first <= step <= b.last) for step in steps)


@dataclass(frozen=True)
class MemoryPlan:
    """An activation plan: a fixed arena offset per non-constant tensor, and how it compares."""

    offsets: tuple[tuple[int, int], ...]  # (tensor index, offset)
    head: int  # bytes this plan needs
    greedy_head: int  # bytes TFLM's own planner needs
    lower_bound: int  # live-set bound

    @property
    def saving(self) -> int:
        """Bytes of arena this plan saves over TFLM's own."""
        return self.greedy_head - self.head


def merge_aliases(buffers: list[Buffer], aliases: dict[int, int]) -> list[Buffer]:
    """The buffers with every tensor in ``aliases`` folded into the tensor whose bytes it shares (its
    value in the map), which then lives from the first use of either to the last use of either."""
    merged = {b.tensor: b for b in buffers}
    for tensor, owner in aliases.items():
        if tensor in merged and owner in merged:
            a, b = merged.pop(tensor), merged[owner]
            merged[owner] = Buffer(owner, max(a.size, b.size), min(a.first, b.first), max(a.last, b.last))
    return sorted(merged.values(), key=lambda b: b.tensor)


def best_plan(info: ModelInfo, tries: int = 400, seed: int = 0, aliases: dict[int, int] | None = None) -> MemoryPlan:
    """A better activation plan than TFLM's greedy one, found by first-fit placement over many orders:
    by size, by lifetime, by first use, by size x lifetime, and seeded random perturbations of them. It
    stops early at the live-set lower bound, which no plan without in-place reuse can beat.

    :param aliases: tensors that share another tensor's bytes (edgekit's runtime: a RESHAPE's output, an
        elementwise op writing over its input); TFLM cannot run such a plan, so only edgekit's own runtime
        passes them. Each aliased tensor gets its owner's offset.
    """
    tflm_buffers = activation_buffers(info)
    greedy_head = plan_size(tflm_buffers, place(tflm_greedy_order(tflm_buffers)))
    buffers = merge_aliases(tflm_buffers, aliases) if aliases else tflm_buffers
    greedy = place(tflm_greedy_order(buffers))
    bound = live_set_bound(buffers)
    best, best_head = greedy, plan_size(buffers, greedy)
    keys = [
        lambda b: (-b.size, b.tensor),
        lambda b: (-(b.last - b.first), -b.size),
        lambda b: (b.first, -b.size),
        lambda b: (-b.size * (b.last - b.first + 1), b.tensor),
        lambda b: (-b.last, -b.size),
    ]
    orders = [sorted(buffers, key=key) for key in keys]
    rng = Random(seed)
    for attempt in itertools.count():
        if best_head <= bound or attempt >= tries:
            break
        if attempt < len(orders):
            order = orders[attempt]
        else:  # swap a few neighbours of a good order
            order = list(orders[attempt % len(orders)])
            for _ in range(1 + attempt % 4):
                i = rng.randrange(max(1, len(order) - 1))
                order[i], order[i + 1 if i + 1 < len(order) else i] = order[i + 1 if i + 1 < len(order) else i], order[i]
        offsets = place(order)
        head = plan_size(buffers, offsets)
        if head < best_head:
            best, best_head = offsets, head
    best = dict(best)
    for tensor in aliases or {}:
        owner = aliases[tensor]
        while owner in aliases:  # an alias of an alias
            owner = aliases[owner]
        if owner in best:
            best[tensor] = best[owner]
    return MemoryPlan(offsets=tuple(sorted(best.items())), head=best_head, greedy_head=greedy_head,
                      lower_bound=bound)


def with_offline_plan(model: bytes, plan: MemoryPlan) -> bytes:
    """The model with ``plan`` stored as ``OfflineMemoryAllocation`` metadata (replacing any earlier one).

    Tensors the plan does not place (constants) get -1, so TFLM handles them itself.
    :raises ModelError: for a model with several subgraphs (the format concatenates their tensors; edgekit
        plans one).
    """
    info = read_model(model)
    if info.subgraph_count != 1:
        raise ModelError(None, "an offline memory plan is written for single-subgraph models only")
    offsets = np.full(len(info.tensors), -1, dtype="<i4")
    for tensor, offset in plan.offsets:
        offsets[tensor] = offset
    payload = np.concatenate([np.array([1, 1, len(offsets)], dtype="<i4"), offsets]).tobytes()
    planned = with_metadata(model, OFFLINE_PLAN_METADATA, payload)
    read_model(planned)  # the result must read back; a ModelError here would be a bug
    return planned
