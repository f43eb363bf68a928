"""Convolutions whose output overlaps their input in the arena (ek_conv_in_place_s8, edgekit's runtime only).

Two things are checked. The kernels stay bit-exact with the tflite-micro interpreter when they run in
bands over their own input, with the input above the output (bands from the top) and below it (from the
bottom), over varied shapes: 1x1 layers that widen, keep or narrow the depth, 3x3 and other windows,
strides, dilation, SAME and VALID padding, depth multipliers; one batch per target. And the planner never
lets a tensor's bytes be written over before its last reader has run: a byte-by-byte simulation of the
arena over the op sequence, in which each in-place convolution writes its output band by band in the
order the C driver takes, finds every plan of the shared models and of MobileNet-like chains clean, and
finds the clobbers in plans that were made wrong on purpose. And ``--optimize`` trades arena for
instructions as it says, through render and the budget."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit.arena import activation_buffers, live_set_bound, merge_aliases
from edgekit.budget import check_budget
from edgekit.catalog import load_board
from edgekit.codegen import (BALANCED_SHARE, IN_PLACE_OPS, INSTRUCTIONS_PER_MAC, SAME_BYTES_OPS, generate,
                             inplace_aliases)
from edgekit.reader import ModelInfo, read_model, read_model_file
from edgekit.runtime_ops.conv import band_geometry, in_place_bands, in_place_cost
from edgekit.runtime_ops.conv_chain import STREAMED_OPS
from tests.conftest import SHARED_MODELS
from tests.opmodels import ACTIVATIONS, SAME, VALID, Builder
from tests.runtime_batch import TARGETS, assert_batch_bit_exact, case
from tests.unit.test_runtime_compute_ops import PROPERTY, varied
from tests.unit.test_runtime_fast_paths import convolution_model, out_size

IN_PLACE_CALL = "ek_conv_in_place_s8("


# --- the arena simulation ---------------------------------------------------------------------------------

def _bands(op, info: ModelInfo, shift: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The bands ek_conv_in_place_s8 runs, in its order: ((first, end) input bytes read, (first, end)
    output bytes written), relative to each tensor's start."""
    g = band_geometry(op, info)
    return [((g.low(f) * g.in_row, g.high(e) * g.in_row), (f * g.out_row, e * g.out_row))
            for f, e in in_place_bands(op, info, shift)]


def _row_sum_steps(info: ModelInfo, group, conv_is_input2: int):
    """The steps of ek_conv_add_s8 running ``group`` (its convolutions, then the ADD), in its order
    (:func:`_row_steps`, the skip row read from its tensor or made by its convolution)."""
    add = group[-1]
    made_by = {op.outputs[0]: op for op in group[:-1]}
    conv, other = made_by[add.inputs[conv_is_input2]], add.inputs[1 - conv_is_input2]
    stages = []  # the windowed convolutions before conv, first to last
    while (stages[0] if stages else conv).inputs[0] in made_by:
        stages.insert(0, made_by[(stages[0] if stages else conv).inputs[0]])
    return _row_steps(info, conv, stages, made_by.get(other), other)


def _row_steps(info: ModelInfo, conv, stages, skip_conv=None, skip=None):
    """The steps of a call that makes convolution ``conv``'s output one row at a time (ek_conv_chain_s8, and
    ek_conv_add_s8 with its skip path: ``skip_conv``'s rows or tensor ``skip``'s), in its order: per output
    row, the (tensor, first byte, end byte) ranges of the call's inputs it reads, and the output bytes it
    then writes. The convolutions before ``conv`` (``stages``), through windows, make the rows the next
    one's band reads, so the first of them reads its input as far as that asks."""
    g = band_geometry(conv, info, pixels=False)
    g_stages = [band_geometry(op, info, pixels=False) for op in stages]
    g_skip = band_geometry(skip_conv, info, pixels=False) if skip_conv else None
    out_row, made, steps = g.out_row, 0, []
    for r in range(g.rows):
        reads = []
        if not stages:
            reads.append((conv.inputs[0], g.low(r) * g.in_row, g.high(r + 1) * g.in_row))
        else:
            needed = g.high(r + 1)  # rows of the last stage's output, then of each one before it
            for later in reversed(g_stages[1:]):
                needed = later.high(needed)
            if needed > made:  # the first stage's rows not made yet
                first = g_stages[0]
                reads.append((stages[0].inputs[0], first.low(made) * first.in_row, first.high(needed) * first.in_row))
                made = needed
        if skip_conv is not None:
            reads.append((skip_conv.inputs[0], g_skip.low(r) * g_skip.in_row, g_skip.high(r + 1) * g_skip.in_row))
        elif skip is not None:
            reads.append((skip, r * out_row, (r + 1) * out_row))
        steps.append((reads, (r * out_row, (r + 1) * out_row)))
    return steps


def clobbers(info: ModelInfo, offsets: dict[int, int], in_place_ops: set[int], fused=None, joined=None,
             row_sums=None) -> list[str]:
    """Every read of a tensor whose bytes no longer hold its value, simulating the arena byte by byte.

    Each byte remembers the value it holds: a tensor's own, or for a RESHAPE-like op's output the value
    of the tensor whose bytes it shares. An op reads its inputs (each byte must still hold the input's
    value), then writes its outputs. An in-place convolution (``in_place_ops``) runs band by band: a band
    must find its input rows intact and must not write over them (the kernel reads and writes within a
    band in any order), then its output rows take the output's value.

    Fused convolutions (``joined``: first op -> last op of each group that runs as one call, ``fused``:
    the bytes their inner tensors take, a band or a window of rows) read their inputs all along while they
    write those inner tensors, which must not touch the inputs; a chain's last convolution writes its output
    row by row (:func:`_row_steps`: over no window, over the input only where no later row reads it), a
    dense layer's only at the end (not over the accumulators). An ADD run
    with its convolutions (``row_sums``: its op -> (1 when the convolution is its second input, the ops of
    the convolutions it runs), which run nowhere else) reads and writes row by row (:func:`_row_sum_steps`):
    each step's reads must find their rows intact, and its
    output row may then take bytes of the inputs, never of the inner tensors."""
    fused, joined, row_sums = fused or {}, joined or {}, row_sums or {}
    members = {i for _, group in row_sums.values() for i in group}

    def nbytes(tensor: int) -> int:
        return fused.get(tensor, info.tensors[tensor].nbytes)

    size = max(offsets[t] + nbytes(t) for t in offsets) + 1
    holds = np.full(size, -1, dtype=np.int64)
    value = {t: t for t in offsets}
    problems = []

    def span(tensor: int, first: int = 0, end: int | None = None) -> slice:
        return slice(offsets[tensor] + first, offsets[tensor] + (nbytes(tensor) if end is None else end))

    def overlap(a: int, b: int) -> bool:
        return offsets[a] < offsets[b] + nbytes(b) and offsets[b] < offsets[a] + nbytes(a)

    def check(tensor: int, where: str, first: int = 0, end: int | None = None) -> None:
        if not (holds[span(tensor, first, end)] == value[tensor]).all():
            problems.append(f"{where}: tensor {tensor} was written over before this read")

    for tensor in [*info.inputs, *(t.index for t in info.tensors if t.is_variable and t.index in offsets)]:
        holds[span(tensor)] = value[tensor]
    skip_to = -1
    for op in info.operators:
        where = f"op {op.index} {op.op}"
        if op.index <= skip_to:
            continue
        reads = [i for i in op.inputs if i >= 0 and i in offsets]
        if op.index in members:
            continue  # run by its ADD's call, below
        if op.index in row_sums:
            conv_is_input2, group = row_sums[op.index]
            group = [info.operators[i] for i in group] + [op]
            made = {t for g in group for t in g.outputs}
            inner = made - set(op.outputs)
            outer = {i for g in group for i in g.inputs if i >= 0 and i in offsets and i not in made}
            for tensor in outer:
                check(tensor, where)
            for tensor in inner:
                problems += [f"{where}: writes tensor {tensor} over its input {i}" for i in outer if overlap(tensor, i)]
            out = op.outputs[0]
            problems += [f"{where}: writes tensor {out} over {i}" for i in inner if overlap(out, i)]
            for r, (reads, (w0, w1)) in enumerate(_row_sum_steps(info, group, conv_is_input2)):
                for tensor, r0, r1 in reads:
                    check(tensor, f"{where} row {r}", r0, r1)
                holds[span(out, w0, w1)] = value[out]
            for tensor in inner:
                holds[span(tensor)] = value[tensor]
            continue
        if op.index in joined:
            group = info.operators[op.index:joined[op.index] + 1]
            skip_to = group[-1].index
            made = {t for g in group for t in g.outputs}
            inner = made - set(group[-1].outputs)
            outer = {i for g in group for i in g.inputs if i >= 0 and i in offsets and i not in made}
            for tensor in outer:
                check(tensor, where)
            for tensor in inner:
                problems += [f"{where}: writes tensor {tensor} over its input {i}" for i in outer if overlap(tensor, i)]
            chain = group[-1].op in STREAMED_OPS
            for tensor in group[-1].outputs:
                # a chain's output may take its input's bytes row by row (checked below), never a window's
                kept = inner | (outer if group[-1].op != "FULLY_CONNECTED" and not chain else set())
                problems += [f"{where}: writes tensor {tensor} over {i}" for i in kept
                             if overlap(tensor, i) and not (i in inner and offsets[i] == offsets[tensor] and
                                                             group[-1].op in SAME_BYTES_OPS)]
            if chain:
                out = group[-1].outputs[0]
                for r, (reads, (w0, w1)) in enumerate(_row_steps(info, group[-1], group[:-1])):
                    for tensor, r0, r1 in reads:
                        check(tensor, f"{where} row {r}", r0, r1)
                    holds[span(out, w0, w1)] = value[out]
            for tensor in [*inner, *group[-1].outputs]:
                holds[span(tensor)] = value[tensor]
            continue
        if op.index in in_place_ops:
            inp, out = op.inputs[0], op.outputs[0]
            for (r0, r1), (w0, w1) in _bands(op, info, offsets[inp] - offsets[out]):
                check(inp, where, r0, r1)
                if offsets[out] + w0 < offsets[inp] + r1 and offsets[inp] + r0 < offsets[out] + w1:
                    problems.append(f"{where}: a band writes over input rows it reads")
                holds[span(out, w0, w1)] = value[out]
            continue
        for tensor in reads:
            check(tensor, where)
            for written in op.outputs:
                # a kernel in one call reads and writes in any order: its output may share bytes with an
                # input only elementwise, index for index (codegen.IN_PLACE_OPS)
                if (written in offsets and written != tensor and op.op not in SAME_BYTES_OPS
                        and offsets[written] < offsets[tensor] + info.tensors[tensor].nbytes
                        and offsets[tensor] < offsets[written] + info.tensors[written].nbytes
                        and not (op.op in IN_PLACE_OPS and offsets[written] == offsets[tensor]
                                 and info.tensors[written].nbytes == info.tensors[tensor].nbytes)):
                    problems.append(f"{where}: writes tensor {written} over its input {tensor}")
        for tensor in op.outputs:
            if tensor in offsets:
                if op.op in SAME_BYTES_OPS and tensor == op.outputs[0] and op.inputs[0] in offsets:
                    value[tensor] = value[op.inputs[0]]  # the same bytes under another shape: nothing written
                    continue
                holds[span(tensor)] = value[tensor]
    for tensor in info.outputs:
        check(tensor, "after the last op")
    return problems


def _in_place_ops(generated) -> set[int]:
    return {k for k, call in enumerate(generated.calls) if IN_PLACE_CALL in call.call}


def _fusion(generated) -> dict:
    """clobbers' ``fused``, ``joined`` and ``row_sums`` for a generated model: the inner tensors' sizes,
    each group of ops that one call runs (a call's comment names the op whose call computes it), and the
    ADDs run row by row with their convolutions."""
    joined, members = {}, {}
    for k, call in enumerate(generated.calls):
        found = re.search(r"computed with op (\d+)'s (sum)?", call.call)
        if found and found[2]:
            members.setdefault(int(found[1]), []).append(k)
        elif found:
            other = int(found[1])
            joined[min(k, other)] = max(k, other)
    row_sums = {k: (int(found[1]), tuple(members[k])) for k, call in enumerate(generated.calls)
                for found in [re.search(r"ek_conv_add_s8\(P, (\d)", call.call)] if found}
    return {"fused": dict(generated.fused_sizes), "joined": joined, "row_sums": row_sums}


# --- models ---------------------------------------------------------------------------------------------

def chain_model(rng, h: int, w: int, c: int, layers) -> bytes:
    """A chain of convolutions, MobileNet's kind: ``layers`` of ("conv", k, stride, out_c) or
    ("dw", k, stride, depth_multiplier), SAME padding, ReLU6; or pools, ("maxpool" or "avgpool", k,
    stride, padding), whose output keeps its input's scale and zero point (as TFLM requires)."""
    b = Builder()
    scale, zero_point = float(rng.uniform(0.01, 0.05)), int(rng.integers(-20, 20))
    x = first = b.tensor([1, h, w, c], "int8", scale, zero_point)
    for kind, k, stride, n in layers:
        if kind in ("maxpool", "avgpool"):
            h, w = out_size(h, k, stride, 1, n), out_size(w, k, stride, 1, n)
            y = b.tensor([1, h, w, c], "int8", scale, zero_point)
            b.pool(x, y, kind == "avgpool", k, k, stride, n)
            x = y
            continue
        depthwise = kind == "dw"
        channels = c * n if depthwise else n
        s_w = rng.uniform(0.001, 0.02, channels)
        shape = [1, k, k, channels] if depthwise else [channels, k, k, c]
        weights = b.tensor(shape, "int8", s_w, np.zeros(channels), rng.integers(-127, 128, shape, dtype=np.int8),
                           axis=3 if depthwise else 0)
        bias = b.tensor([channels], "int32", scale * s_w, np.zeros(channels),
                        rng.integers(-2000, 2000, channels).astype(np.int32))
        h, w = out_size(h, k, stride, 1, SAME), out_size(w, k, stride, 1, SAME)
        scale, zero_point = float(rng.uniform(0.02, 0.1)), -128
        y = b.tensor([1, h, w, channels], "int8", scale, zero_point)
        b.convolution([x, weights, bias], y, depthwise, n, SAME, stride, activation=3)
        x, c = y, channels
    return b.finish([first], [x])


#: MobileNet's first layers at two sizes: a strided 3x3 over 3 channels, depthwise 3x3, a 1x1 that doubles
#: the depth, a strided depthwise, a 1x1 that keeps it, one that halves it, and a depth multiplier of 4.
CHAINS = {
    "mobilenet": (14, 14, 3, [("conv", 3, 2, 8), ("dw", 3, 1, 1), ("conv", 1, 1, 16), ("dw", 3, 2, 1),
                              ("conv", 1, 1, 32), ("dw", 3, 1, 1), ("conv", 1, 1, 32), ("conv", 1, 1, 12),
                              ("dw", 3, 1, 4)]),
    "narrow": (11, 9, 1, [("dw", 3, 2, 8), ("dw", 3, 1, 1), ("conv", 1, 1, 16), ("dw", 5, 2, 1),
                          ("conv", 1, 1, 24), ("conv", 3, 1, 8)]),
}


# --- bit-exactness ----------------------------------------------------------------------------------------

@st.composite
def convolutions(draw):
    """One convolution: 1x1 layers (widening, keeping, narrowing the depth) and windows up to 5x5,
    strides 1-3, dilation, SAME and VALID, depth multipliers, with and without bias."""
    depthwise = draw(st.booleans())
    k = draw(st.sampled_from([1, 1, 3, 3, 2, 5]))
    stride, dilation = draw(st.sampled_from([1, 1, 2, 3])), draw(st.sampled_from([1, 1, 2]))
    padding_ = draw(st.sampled_from([SAME, VALID]))
    reach = (k - 1) * dilation + 1
    h, w = draw(st.integers(reach, 11)), draw(st.integers(reach, 11))
    c = draw(st.sampled_from([1, 3, 4, 8, 12, 16, 40]))
    return (depthwise, h, w, c, k, stride, dilation, padding_, draw(st.sampled_from(ACTIVATIONS)),
            draw(st.sampled_from([1, 3, 4, 8, 16, 20, 48])), draw(st.sampled_from([1, 1, 2, 4, 8])) if depthwise else 1,
            draw(st.sampled_from(["right", "mixed"])), draw(st.booleans()), draw(st.integers(0, 2**16)))


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(params=varied(convolutions(), 16))
def test_convolutions_in_place_are_bit_exact_with_tflm(target, params, tmp_path):
    rng = np.random.default_rng(11)
    models = [(f"{'dw' if p[0] else 'conv'}{i}", convolution_model(np.random.default_rng(p[-1]), *p[:-1]), p[-1])
              for i, p in enumerate(params)]
    # MobileNet's shapes: 1x1 widening 8 -> 16 and keeping 32, narrowing 32 -> 8 (bands of pixels), a
    # strided 3x3 depthwise, a first layer over 3 channels, person_detect's first layer (multiplier 8)
    models += [
        ("widen", convolution_model(rng, False, 12, 12, 8, 1, 1, 1, SAME, 3, 16, 1, "right", True), 1),
        ("keep", convolution_model(rng, False, 6, 6, 32, 1, 1, 1, SAME, 3, 32, 1, "right", True), 2),
        ("narrow", convolution_model(rng, False, 6, 7, 32, 1, 1, 1, VALID, 0, 8, 1, "mixed", False), 3),
        ("dw_stride2", convolution_model(rng, True, 12, 12, 16, 3, 2, 1, SAME, 3, 16, 1, "right", True), 4),
        ("first", convolution_model(rng, False, 16, 16, 3, 3, 2, 1, SAME, 3, 8, 1, "right", True), 5),
        ("multiplier8", convolution_model(rng, True, 16, 16, 1, 3, 2, 1, SAME, 3, 8, 8, "right", True), 6),
        # a window longer than the blocked kernel's im2col column: filter rows read in place, in bands
        ("long_window", convolution_model(rng, False, 6, 6, 68, 3, 1, 1, SAME, 3, 8, 1, "right", True), 7),
        # output channels not a multiple of 4: ek_conv2d_s8's own 1x1 path, widening in bands of pixels
        ("odd_channels", convolution_model(rng, False, 8, 8, 6, 1, 1, 1, SAME, 3, 10, 1, "right", True), 8),
    ]
    cases, kernels = [], set()
    for side in ("above", "below"):
        for name, model, seed in models:
            generated = generate(model, read_model(model), side)
            # every case must really run in place, or the batch would prove nothing about the bands
            assert _in_place_ops(generated) == {0}, (name, side)
            kernels.add(generated.calls[0].call.split(", ")[1])
            cases.append(case(f"{name}_{side}", model, seed=seed, in_place=side))
    # the bands drive every kind of convolution kernel, the channel-blocked CONV_2D's too
    assert {"ek_conv2d_s8", "ek_depthwise_conv2d_s8", "ek_conv2d_blocked_im2col_narrow_s8",
            "ek_conv2d_blocked_rows_narrow_s8"} <= kernels, kernels
    for name, (h, w, c, layers) in CHAINS.items():
        model = chain_model(np.random.default_rng(len(layers)), h, w, c, layers)
        for side in ("above", "below", "auto"):
            cases.append(case(f"{name}_{side}", model, in_place=side))
    assert_batch_bit_exact(cases, target, tmp_path)


# --- the planner ----------------------------------------------------------------------------------------

def _shared(name: str) -> ModelInfo:
    return read_model_file(SHARED_MODELS / f"{name}.tflite")


@pytest.mark.parametrize("name", ["vww_96_int8", "person_detect", "kws_ref_model", "pretrainedResnet_quant",
                                  "micro_speech_quantized", "str_ww_ref_model", "ad01_int8"])
def test_plans_of_the_shared_models_never_clobber_a_live_tensor(name):
    model, info = _shared(name)
    arenas = {}
    for mode in ("auto", "none"):
        generated = generate(model, info, mode)
        assert not clobbers(info, dict(generated.offsets), _in_place_ops(generated), **_fusion(generated)), mode
        arenas[mode] = generated.arena_bytes
    assert arenas["auto"] <= arenas["none"]  # overlaps are only ever taken where they help


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_plans_that_run_every_convolution_in_place_never_clobber_a_live_tensor(name):
    h, w, c, layers = CHAINS[name]
    model = chain_model(np.random.default_rng(0), h, w, c, layers)
    info = read_model(model)
    for side in ("above", "below", "auto"):
        generated = generate(model, info, side)
        ops = _in_place_ops(generated)
        if side != "auto":
            assert len(ops) == len(layers), side  # they all agree with each other in a plain chain
        assert not clobbers(info, dict(generated.offsets), ops, **_fusion(generated)), side
    assert generate(model, info).arena_bytes <= generate(model, info, "none").arena_bytes


def test_the_simulation_finds_clobbers():
    """The check can fail: an in-place convolution whose output sits one row too close to its input, a
    band order the overlap does not allow, and two live tensors on the same bytes."""
    model = convolution_model(np.random.default_rng(1), True, 8, 8, 4, 3, 1, 1, SAME, 0, 4, 1, "right", True)
    info = read_model(model)
    generated = generate(model, info, "above")
    offsets = dict(generated.offsets)
    x, y = info.operators[0].inputs[0], info.operators[0].outputs[0]
    assert offsets[x] - offsets[y] > 0 and not clobbers(info, offsets, {0})
    row = 8 * 4
    assert clobbers(info, {**offsets, y: offsets[y] + row}, {0})  # one output row closer to the input
    assert clobbers(info, {**offsets, y: offsets[x]}, {0})  # exactly over it
    assert clobbers(info, offsets, set())  # the same overlap run as one whole call
    model = chain_model(np.random.default_rng(2), 6, 6, 4, [("conv", 1, 1, 8), ("dw", 3, 1, 1), ("conv", 1, 1, 4)])
    info = read_model(model)
    generated = generate(model, info, "none")
    offsets = dict(generated.offsets)
    first, second = info.operators[1].inputs[0], info.operators[1].outputs[0]
    assert not clobbers(info, offsets, set())
    assert clobbers(info, {**offsets, second: offsets[first]}, set())
    # fused convolutions: a chain's output over its first convolution's input, a dense layer's output
    # over its accumulators
    for name in ("person_detect", "micro_speech_quantized"):
        model, info = _shared(name)
        generated = generate(model, info)
        fusion, offsets = _fusion(generated), dict(generated.offsets)
        first, last = next(iter(fusion["joined"].items()))
        assert not clobbers(info, offsets, _in_place_ops(generated), **fusion), name
        moved = {**offsets, info.operators[last].outputs[0]: offsets[info.operators[first].outputs[0]]}
        assert clobbers(info, moved, _in_place_ops(generated), **fusion), name


def test_vww_and_person_detect_need_less_than_their_live_set_bound_and_40_kb():
    """The issue's figure: the runtime's arena for MobileNet-0.25 models at most 40 KB, where no plan
    without in-place convolutions can go below the live-set bound."""
    for name in ("vww_96_int8", "person_detect"):
        model, info = _shared(name)
        bound = live_set_bound(merge_aliases(activation_buffers(info), inplace_aliases(info)))
        arena = generate(model, info).arena_bytes
        assert generate(model, info, "none").arena_bytes >= bound > arena, name
        assert arena <= 40 * 1024, name


# --- --optimize -----------------------------------------------------------------------------------------

def test_optimize_goals_trade_arena_for_instructions():
    """speed runs nothing in place, ram everything that shrinks the arena, balanced what shrinks it within
    1% more (estimated) instructions: a 1x1 layer of depth 32 in place needs bands of a few pixels, each
    reloading 32 channels' constants, so balanced leaves it whole where ram does not; vww's in-place layers
    cost far less, so balanced takes them all."""
    model = convolution_model(np.random.default_rng(3), False, 24, 24, 32, 1, 1, 1, SAME, 3, 32, 1, "right", True)
    info = read_model(model)
    ram, balanced, speed = (generate(model, info, optimize=goal) for goal in ("ram", "balanced", "speed"))
    assert _in_place_ops(ram) == {0} and not _in_place_ops(balanced) and not _in_place_ops(speed)
    assert ram.arena_bytes < balanced.arena_bytes == speed.arena_bytes
    op, offsets = info.operators[0], dict(ram.offsets)
    cost = in_place_cost(op, info, offsets[op.inputs[0]] - offsets[op.outputs[0]])
    assert cost > BALANCED_SHARE * INSTRUCTIONS_PER_MAC * info.total_macs
    model, info = _shared("vww_96_int8")
    ram, balanced, speed = (generate(model, info, optimize=goal) for goal in ("ram", "balanced", "speed"))
    assert ram.arena_bytes == balanced.arena_bytes < speed.arena_bytes and not _in_place_ops(speed)


def test_render_and_check_take_the_optimize_goal(run_cli, tmp_path):
    model, info = _shared("kws_ref_model")
    for goal in ("speed", "ram"):
        code, _, err = run_cli("render", SHARED_MODELS / "kws_ref_model.tflite", "--board", "qemu_m4", "-o",
                               tmp_path / goal, "--optimize", goal)
        assert code == 0, err
        header = next((tmp_path / goal).rglob("ek_model.h")).read_text()
        assert f"EK_MODEL_ARENA_BYTES {generate(model, info, optimize=goal).arena_bytes}u" in header, goal
        budget = check_budget(model, info, load_board("qemu_m4"), optimize=goal)
        assert budget.arena_bytes == generate(model, info, optimize=goal).arena_bytes
    assert generate(model, info, optimize="ram").arena_bytes < generate(model, info, optimize="speed").arena_bytes
    code, _, err = run_cli("render", SHARED_MODELS / "kws_ref_model.tflite", "--board", "qemu_m4", "-o",
                           tmp_path / "x", "--optimize", "fast")
    assert code != 0 and "fast" in err
