"""--optimize flash: fully-connected weights in 4, 5, 6 or 8 bits per block of four units
(edgekit/weight_packing.py, ek_fully_connected_packed.c). The layout holds every weight exactly, it saves
flash on weights spread as a trained layer's, and the kernel's outputs are tflite-micro's on every target."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.codegen import _constant_data, generate
from edgekit.reader import read_model, read_model_file
from edgekit.weight_packing import (BALANCED_INSTRUCTION_SHARE, BLOCK_UNITS, FLASH_BYTES_PER_INSTRUCTION, GROUP_COLUMNS,
                                    MAX_DEPTH, block_options, capped_rate, choose, pack_weights, unpack_weights)
from tests import opmodels
from tests.conftest import SHARED_MODELS
from tests.runtime_batch import TARGETS, case, run_batch


def _rows(rng, units: int, depth: int, spread: float) -> np.ndarray:
    rows = rng.normal(rng.uniform(-10, 10), spread, (units, depth)) * rng.uniform(0.5, 2, (units, 1))
    return np.clip(np.round(rows), -128, 127).astype(np.int8)


def test_every_layout_gives_back_the_weights_it_packed():
    rng = np.random.default_rng(0)
    widths = set()
    for units in (1, 3, 4, 5, 8, 13):
        for depth in (1, 4, 7, 8, 12, 16, 37, 100, 203):
            for spread in (1, 4, 12, 40):
                weights = _rows(rng, units, depth, spread)
                packed = pack_weights(weights, force=True)
                assert packed is not None
                assert np.array_equal(unpack_weights(packed, units, depth), weights), (units, depth, spread)
                assert len(packed.block_widths) == units // BLOCK_UNITS
                widths.update(packed.block_widths)
    assert widths == set(GROUP_COLUMNS), widths  # all four widths and their escapes were exercised


def test_escapes_far_apart_take_steps_along_the_row():
    """A 6-bit unit's escapes are bytes holding the gap from the last one (at most 31 columns): a longer
    gap takes entries that add nothing, and the weights still come back."""
    weights = np.random.default_rng(2).integers(-30, 31, (4, 160)).astype(np.int8)  # 6-bit fields
    weights[:, [0, 40, 150]] = 120  # outside any 64-wide window with the rest
    weights[1, 75] = -128
    packed = pack_weights(weights, force=True)
    assert packed.block_widths == (6,)
    assert len(packed.short_escapes) > int(packed.escape_counts.astype(bool).sum())  # steps were needed
    assert np.array_equal(unpack_weights(packed, 4, 160), weights)


def test_rows_alike_their_neighbours_pack_as_deltas_and_come_back():
    """Each unit the one before plus small steps: the weights span all of int8 but their differences fit
    4 to 6 bits, so the blocks hold deltas (some differences past what one escape entry holds take several),
    and unpacking adds the preceding rows back."""
    rng = np.random.default_rng(3)
    for units, depth in ((16, 64), (13, 100), (9, 203)):
        rows = np.cumsum(rng.normal(0, 3, (units, depth)), axis=0) + rng.normal(0, 40, (1, depth))
        rows[rng.integers(0, units), rng.integers(0, depth)] = rng.choice([-128, 127])  # a far difference
        weights = np.clip(np.round(rows), -128, 127).astype(np.int8)
        packed = pack_weights(weights, force=True)
        assert sum(packed.block_deltas) >= len(packed.block_deltas) - 1, packed.block_deltas
        assert packed.deltas.size == -(-len(packed.block_deltas) // 8)
        assert np.array_equal(unpack_weights(packed, units, depth), weights), (units, depth)


def test_packing_saves_flash_on_trained_like_weights_and_declines_otherwise():
    rng = np.random.default_rng(1)
    narrow = _rows(rng, 64, 128, 4)
    packed = pack_weights(narrow)
    assert packed is not None and packed.nbytes < 0.75 * narrow.size
    uniform = rng.integers(-128, 128, (64, 128)).astype(np.int8)
    assert pack_weights(uniform) is None  # int8 already: nothing to save
    assert pack_weights(_rows(rng, 8, MAX_DEPTH + 1, 4), force=True) is None  # an escape's column has 11 bits


def test_a_layer_saving_less_than_the_packed_kernel_takes_is_left_int8():
    """Packing pays only when the bytes it saves exceed the packed kernel's own code."""
    model = opmodels.fc_model(np.random.default_rng(4), 1, 64, 32, 0, spread=3)  # 2 KB of narrow weights
    assert pack_weights(read_weights(model)) is not None  # the layer alone would pack
    assert not any("ek_fully_connected_packed_s8(" in c.call for c in generate(model, read_model(model),
                                                                                  optimize="flash").calls)


def test_balanced_packs_on_cores_with_smlad_within_its_instruction_cap():
    """balanced packs dense weights only for a core with the DSP extension, and no further than adding
    BALANCED_INSTRUCTION_SHARE to the packed layers' estimated instructions; flash packs further."""
    model, info = read_model_file(SHARED_MODELS / "ad01_int8.tflite")
    plain, dsp, flash = generate(model, info), generate(model, info, dsp=True), generate(model, info, optimize="flash")
    bytes_of = lambda g: g.constant_bytes + sum(c.table_bytes for c in g.calls)
    assert not any("ek_fully_connected_packed_s8(" in c.call for c in plain.calls)
    assert all("ek_fully_connected_packed_s8(" in c.call for c in dsp.calls)
    assert bytes_of(flash) < bytes_of(dsp) < 0.85 * bytes_of(plain), (bytes_of(flash), bytes_of(dsp), bytes_of(plain))
    layers = [block_options(read_weights(model, op.index)) for op in info.operators]
    rate = capped_rate(layers)
    blocks = [options for layer in layers for options in layer]
    int8 = sum(options[0].instructions for options in blocks)
    extra = sum(o.instructions for o in choose(blocks, rate)) - int8
    assert 0.2 * int8 < extra <= BALANCED_INSTRUCTION_SHARE * int8, (extra, int8)
    assert capped_rate(layers, share=1.0) == FLASH_BYTES_PER_INSTRUCTION  # flash's packing adds less than that


def test_a_trained_mobilenet_takes_a_third_less_weight_flash_in_its_pointwise_layers():
    model, info = read_model_file(SHARED_MODELS / "vww_96_int8.tflite")
    plain, flash = generate(model, info), generate(model, info, optimize="flash")
    bytes_of = lambda g: g.constant_bytes + sum(c.table_bytes for c in g.calls)
    assert sum("ek_fully_connected_packed_s8(" in c.call for c in flash.calls) >= 5
    assert bytes_of(flash) < 0.75 * bytes_of(plain), (bytes_of(flash), bytes_of(plain))
    assert flash.arena_bytes == plain.arena_bytes


def test_the_shared_autoencoder_takes_a_quarter_less_weight_flash():
    model, info = read_model_file(SHARED_MODELS / "ad01_int8.tflite")
    plain = generate(model, info)
    flash = generate(model, info, optimize="flash")
    bytes_of = lambda g: g.constant_bytes + sum(c.table_bytes for c in g.calls)
    assert all("ek_fully_connected_packed_s8(" in c.call for c in flash.calls if "FULLY_CONNECTED" in c.comment)
    assert bytes_of(flash) < 0.8 * bytes_of(plain), (bytes_of(flash), bytes_of(plain))
    assert flash.arena_bytes == plain.arena_bytes


def read_weights(model: bytes, op: int = 0) -> np.ndarray:
    """The int8 weights [units][depth] of operator ``op`` of ``model``."""
    info = read_model(model)
    tensor = info.tensors[info.operators[op].inputs[1]]
    return np.frombuffer(_constant_data(model)[info.operators[op].inputs[1]], np.int8).reshape(tensor.shape[0], -1)


def _flash_cases() -> list:
    rng = np.random.default_rng(7)
    cases = [case(name, (SHARED_MODELS / f"{name}.tflite").read_bytes(), samples=2, optimize="flash")
             for name in ("ad01_int8", "vww_96_int8")]
    # 1x1 convolutions as dense layers over their pixels, per-channel multipliers, a leftover channel (not
    # in place: a convolution over its own input keeps its kernel)
    for h, w, c, out_c, spread in ((5, 7, 96, 99, 2), (1, 2, 128, 150, 12)):
        model = opmodels.conv_model(rng, False, h, w, c, 1, 1, 1, 1, 0, 1, out_c=out_c, spread=spread)
        calls = generate(model, read_model(model), in_place="none", optimize="flash").calls
        assert "ek_fully_connected_packed_s8(" in calls[0].call, (c, out_c, spread)
        cases.append(case(f"pointwise_{h}x{w}x{c}x{out_c}", model, samples=2, in_place="none", optimize="flash"))
    # tails of every group size, units left over after the blocks, two batches, activations (each layer
    # after a wide one: packing a model pays only when it saves more than the packed kernel's code)
    for batches, depth, units, spread, activation in ((1, 37, 13, 3, 0), (2, 100, 8, 10, 1), (1, 203, 6, 9, 3),
                                                      (1, 128, 130, 6, 0), (2, 12, 5, 2, 0), (1, 640, 16, 8, 0)):
        model = opmodels.fc_model(rng, batches, depth, units, activation, spread=spread,
                                  lead_depth=max(128, 16000 // depth))
        calls = generate(model, read_model(model), optimize="flash").calls
        assert all("ek_fully_connected_packed_s8(" in c.call for c in calls), (depth, units, spread)
        cases.append(case(f"fc_{batches}x{depth}x{units}_{spread}", model, samples=2, optimize="flash"))
    # delta blocks (neighbouring units alike): with tails, leftover units, two batches
    for batches, depth, units, drift in ((1, 128, 66, 2), (2, 100, 24, 3), (1, 203, 13, 1.5)):
        model = opmodels.fc_model(rng, batches, depth, units, 0, drift=drift, lead_depth=16000 // depth)
        calls = generate(model, read_model(model), optimize="flash").calls
        assert "_pdeltas[" in "\n".join(calls[-1].arrays), (depth, units, drift)
        cases.append(case(f"fc_delta_{batches}x{depth}x{units}", model, samples=2, optimize="flash"))
    return cases


@pytest.mark.parametrize("target", TARGETS)
def test_packed_layers_are_bit_exact_with_tflm_on(target, tmp_path):
    differing = {name: n for name, n in run_batch(_flash_cases(), target, tmp_path).items() if n}
    assert not differing, f"output bytes differing from tflite-micro on {target}: {differing}"
