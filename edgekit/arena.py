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

**In place (edgekit's runtime only).** No whole-tensor plan goes below the live-set bound, where a
convolution's input and output are alive together. edgekit's runtime can run a convolution with its output
overlapping its input (ek_conv_in_place.h); such an overlap fixes the two buffers' distance, so they are
placed as one :class:`Block` whose buffers keep their own lifetimes, and :func:`choose_overlaps` takes the
overlaps that make the arena smaller (vww_96_int8: 55,296 B -> 37,248 B). TFLM cannot run such plans:
its offline plan stays whole-tensor.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
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


@dataclass(frozen=True)
class Block:
    """Buffers at fixed distances from each other (a convolution's output over its input, edgekit's
    runtime only), placed as one: each keeps its own lifetime, so other buffers may use the block's bytes
    wherever and whenever none of its own buffers does."""

    parts: tuple[tuple[int, Buffer], ...]  # (offset from the block's start, buffer)

    @property
    def size(self) -> int:
        """Bytes from the block's start to the end of its highest buffer."""
        return max(at + b.size for at, b in self.parts)

    @property
    def first(self) -> int:
        """The first op at which any of its buffers lives."""
        return min(b.first for _, b in self.parts)

    @property
    def last(self) -> int:
        """The last op at which any of its buffers lives."""
        return max(b.last for _, b in self.parts)

    @property
    def tensor(self) -> int:
        """The lowest tensor index in the block (a stable tie-break for orders)."""
        return min(b.tensor for _, b in self.parts)


def place_blocks(order: list[Block]) -> dict[int, int]:
    """First-fit placement in the given order: each block goes to the lowest offset at which none of its
    buffers shares a byte with a buffer already placed that lives at the same time."""
    placed: list[tuple[int, Buffer]] = []
    offsets: dict[int, int] = {}
    for block in order:
        # block offsets that would make one of its buffers collide with a placed one: open intervals
        blocked = sorted((offset - at - buffer.size, offset + other.size - at)
                         for at, buffer in block.parts for offset, other in placed if _overlaps(other, buffer))
        candidate = 0
        for low, high in blocked:
            if low >= candidate:  # this interval, and every later one, starts at or above the candidate
                break
            candidate = max(candidate, high)
        for at, buffer in block.parts:
            placed.append((candidate + at, buffer))
            offsets[buffer.tensor] = candidate + at
    return offsets


def place(order: list[Buffer]) -> dict[int, int]:
    """First-fit placement in the given order: each buffer goes into the lowest gap, among the buffers
    already placed that are alive at the same time, that holds it (TFLM's GreedyMemoryPlanner)."""
    return place_blocks([Block(((0, buffer),)) for buffer in order])


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
    # (output, input) tensor pairs of the overlaps the plan uses (edgekit's runtime only; see best_plan)
    overlapping: tuple[tuple[int, int], ...] = ()

    @property
    def saving(self) -> int:
        """Bytes of arena this plan saves over TFLM's own."""
        return self.greedy_head - self.head


def alias_root(aliases: dict[int, int], tensor: int) -> int:
    """The tensor whose bytes ``tensor`` shares, through aliases of aliases (itself when none)."""
    while tensor in aliases:
        tensor = aliases[tensor]
    return tensor


def merge_aliases(buffers: list[Buffer], aliases: dict[int, int]) -> list[Buffer]:
    """The buffers with every tensor in ``aliases`` folded into the tensor whose bytes it shares (its
    value in the map), which then lives from the first use of either to the last use of either."""
    merged = {b.tensor: b for b in buffers}
    for tensor, owner in aliases.items():
        if tensor in merged and owner in merged:
            a, b = merged.pop(tensor), merged[owner]
            merged[owner] = Buffer(owner, max(a.size, b.size), min(a.first, b.first), max(a.last, b.last))
    return sorted(merged.values(), key=lambda b: b.tensor)


#: An overlap the runtime can run: (output buffer, input buffer, the input's start minus the output's).
Overlap = tuple[int, int, int]


def overlap_blocks(buffers: list[Buffer], overlaps: list[Overlap]) -> list[Block] | None:
    """The buffers grouped into blocks by ``overlaps``, each buffer at its distance from the others; None
    when the overlaps contradict each other (two distances for one pair) or put two buffers of a block
    that live at the same time on the same bytes without an overlap between just those two allowing it."""
    by_tensor = {b.tensor: b for b in buffers}
    links: dict[int, list[tuple[int, int]]] = {}
    for out, inp, shift in overlaps:
        links.setdefault(out, []).append((inp, shift))
        links.setdefault(inp, []).append((out, -shift))
    allowed = {(out, inp) for out, inp, _ in overlaps} | {(inp, out) for out, inp, _ in overlaps}
    seen: set[int] = set()
    blocks = []
    for buffer in buffers:
        if buffer.tensor in seen:
            continue
        at = {buffer.tensor: 0}
        todo = [buffer.tensor]
        while todo:
            tensor = todo.pop()
            for other, shift in links.get(tensor, ()):
                if other not in at:
                    at[other] = at[tensor] + shift
                    todo.append(other)
                elif at[other] != at[tensor] + shift:
                    return None
        seen |= set(at)
        low = min(at.values())
        parts = tuple(sorted(((offset - low, by_tensor[t]) for t, offset in at.items()),
                             key=lambda part: (part[0], part[1].tensor)))
        for (x, a), (y, b) in itertools.combinations(parts, 2):
            if _overlaps(a, b) and x < y + b.size and y < x + a.size and (a.tensor, b.tensor) not in allowed:
                return None
        blocks.append(Block(parts))
    return blocks


def block_profile(blocks: list[Block]) -> tuple[int, ...]:
    """The bytes the blocks' live buffers cover at each op (per block the union of its live buffers'
    ranges), largest first: no placement can need less than the first."""
    steps = range(max((b.last for b in blocks), default=-1) + 1)
    totals = []
    for step in steps:
        total = 0
        for block in blocks:
            end = 0
            for at, buffer in block.parts:  # parts come by offset
                if buffer.first <= step <= buffer.last:
                    total += max(0, at + buffer.size - max(at, end))
                    end = max(end, at + buffer.size)
        totals.append(total)
    return tuple(sorted(totals, reverse=True))


def block_bound(blocks: list[Block]) -> int:
    """No placement of ``blocks`` can need less: the largest sum, over the ops, of the bytes each block's
    live buffers cover at that op."""
    return block_profile(blocks)[0] if blocks else 0


def _search(blocks: list[Block], tries: int, seed: int, bound: int) -> tuple[dict[int, int], int]:
    """The best first-fit placement of ``blocks`` over many orders (see :func:`best_plan`)."""

    def size(offsets: dict[int, int]) -> int:
        return max((offsets[b.tensor] + b.size for block in blocks for _, b in block.parts), default=0)

    best = place_blocks(sorted(reversed(blocks), key=lambda b: -b.size))
    best_head = size(best)
    keys = [
        lambda b: (-b.size, b.tensor),
        lambda b: (-(b.last - b.first), -b.size),
        lambda b: (b.first, -b.size),
        lambda b: (-b.size * (b.last - b.first + 1), b.tensor),
        lambda b: (-b.last, -b.size),
    ]
    orders = [sorted(blocks, key=key) for key in keys]
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
        offsets = place_blocks(order)
        head = size(offsets)
        if head < best_head:
            best, best_head = offsets, head
    return best, best_head


def choose_overlaps(buffers: list[Buffer], candidates: list[list[Overlap]], tries: int = 5,
                    costs: dict[Overlap, int] | None = None, budget: int | None = None,
                    final_tries: int = 100) -> list[Overlap]:
    """The candidate overlaps worth using (each candidate: the overlaps one convolution can take, of which
    at most one is used), within a ``budget`` of their ``costs`` (extra instructions).

    Greedy passes take the options one by one as long as what they measure does not grow: from the op with
    the most bytes alive, the arena a quick search of ``tries`` orders finds; from the op with the most
    bytes alive and in op order, the bytes alive at each op (compared largest first, so that lowering one
    of two equal peaks counts, and never below a block's own extent), which sees two peaks that only fall
    together and chains whose directions alternate so that they do not drift. Each pass then drops its
    overlaps again, from the op with the fewest bytes alive, wherever the arena stays as small without
    them (each overlap runs its convolution in bands, a little slower, and pins its neighbours' offsets).
    The set whose arena a search of ``final_tries`` orders finds smallest wins; none at all if that is as
    small."""
    by_tensor = {b.tensor: b for b in buffers}
    costs = costs or {}

    def alive(candidate: list[Overlap]) -> int:
        step = by_tensor[candidate[0][0]].first
        return sum(b.size for b in buffers if b.first <= step <= b.last)

    def head(chosen: list[Overlap], orders: int = tries) -> float:
        blocks = overlap_blocks(buffers, chosen)
        return float("inf") if blocks is None else _search(blocks, orders, 0, block_bound(blocks))[1]

    def profile(chosen: list[Overlap]) -> tuple[float, ...]:
        # a block spans its whole extent however the others are placed: a chain of overlaps that drifts
        # its buffers apart can need more than any op's live bytes; and between equal profiles the block
        # that drifts less leaves more room
        blocks = overlap_blocks(buffers, chosen)
        if blocks is None:
            return (float("inf"),)
        live = block_profile(blocks)
        extent = max(b.size for b in blocks)
        return (max(live[0], extent), *live, extent)

    ranked = sorted(candidates, key=lambda c: (-alive(c), c[0]))

    def greedy(measure, order) -> list[Overlap]:
        chosen: list[Overlap] = []
        best, spent = measure(chosen), 0
        for options in order:
            tried = [(measure([*chosen, o]), costs.get(o, 0), o) for o in options
                     if budget is None or spent + costs.get(o, 0) <= budget]
            if tried:
                size, cost, pick = min(tried)
                if size <= best:
                    chosen.append(pick)
                    best, spent = size, spent + cost
        size = head(chosen)
        for options in reversed(ranked):
            for option in options:
                if option in chosen:
                    rest = [c for c in chosen if c != option]
                    smaller = head(rest)
                    if smaller <= size:
                        chosen, size = rest, smaller
        return chosen

    in_order = sorted(candidates, key=lambda c: by_tensor[c[0][0]].first)
    results = [[], greedy(head, ranked), greedy(profile, ranked), greedy(profile, in_order)]
    return min(results, key=lambda chosen: (head(chosen, final_tries), len(chosen)))


def best_plan(info: ModelInfo, tries: int = 400, seed: int = 0, aliases: dict[int, int] | None = None,
              overlaps: dict[int, tuple[int, tuple[int, ...]]] | None = None, choose: bool = True,
              overlap_costs: dict[tuple[int, int], int] | None = None, cost_budget: int | None = None,
              sizes: dict[int, int] | None = None, lasts: dict[int, int] | None = None) -> MemoryPlan:
    """A better activation plan than TFLM's greedy one, found by first-fit placement over many orders:
    by size, by lifetime, by first use, by size x lifetime, and seeded random perturbations of them. It
    stops early at the live-set lower bound, which no plan without in-place reuse can beat.

    :param aliases: tensors that share another tensor's bytes (edgekit's runtime: a RESHAPE's output, an
        elementwise op writing over its input); TFLM cannot run such a plan, so only edgekit's own runtime
        passes them. Each aliased tensor gets its owner's offset.
    :param overlaps: output tensor -> (input tensor, shifts): convolutions the runtime can run with their
        output overlapping their input, the input starting one of ``shifts`` bytes after the output
        (edgekit's runtime only, as ``aliases``). The plan uses those that make the arena smaller
        (:func:`choose_overlaps`) and lists them in ``overlapping``.
    :param choose: False to use every overlap (each with its first shift) wherever they agree with each
        other, for tests of the kernels that run them.
    :param overlap_costs: (output tensor, shift) -> extra instructions of running that overlap; the
        overlaps chosen cost at most ``cost_budget`` in all (None: no limit).
    :param sizes: tensor -> the bytes it takes instead of its own (edgekit's runtime: a convolution fused
        with its dense layer keeps a band of its output there, runtime_ops/conv_dense.py).
    :param lasts: tensor -> an op until which it lives at least (edgekit's runtime: the input of the
        first of two chained convolutions is read until the second's call, runtime_ops/conv_chain.py).
    """
    tflm_buffers = activation_buffers(info)
    greedy_head = plan_size(tflm_buffers, place(tflm_greedy_order(tflm_buffers)))
    own = [replace(b, size=align((sizes or {}).get(b.tensor, b.size)),
                   last=max(b.last, (lasts or {}).get(b.tensor, b.last))) for b in tflm_buffers]
    buffers = merge_aliases(own, aliases) if aliases else own

    def owner(tensor: int) -> int:
        return alias_root(aliases or {}, tensor)

    units = {b.tensor for b in buffers}
    candidates = [[(owner(out), owner(inp), shift) for shift in shifts]
                  for out, (inp, shifts) in (overlaps or {}).items()
                  if owner(out) in units and owner(inp) in units and owner(out) != owner(inp)]
    if choose:
        costs = {(owner(out), owner(overlaps[out][0]), shift): cost
                 for (out, shift), cost in (overlap_costs or {}).items() if out in (overlaps or {})}
        chosen = choose_overlaps(buffers, candidates, costs=costs, budget=cost_budget) if candidates else []
    else:
        chosen = []
        for options in candidates:
            if overlap_blocks(buffers, [*chosen, options[0]]) is not None:
                chosen.append(options[0])
    blocks = overlap_blocks(buffers, chosen)
    assert blocks is not None  # choose_overlaps only keeps overlaps that form blocks
    bound = block_bound(blocks)
    best, best_head = _search(blocks, tries, seed, bound)
    for tensor in aliases or {}:
        if owner(tensor) in best:
            best[tensor] = best[owner(tensor)]
    pairs = {(owner(out), owner(inp)): (out, inp) for out, (inp, _) in (overlaps or {}).items()}
    return MemoryPlan(offsets=tuple(sorted(best.items())), head=best_head, greedy_head=greedy_head,
                      lower_bound=bound, overlapping=tuple(sorted(pairs[(o, i)] for o, i, _ in chosen)))


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
