"""FULLY_CONNECTED and CONV_2D with weights the generator interleaved for the kernel (one pointer walks a
block of units or output channels with constant offsets) stay bit-exact with the tflite-micro interpreter:
fully-connected blocks of 8 and 4 units and the remaining row-major units, one to three batches, per-tensor
and per-channel multipliers, every scale range; one varied batch per target: host, QEMU's Cortex-M4 (DSP
path), Cortex-M3 (plain C) and RV32."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit.codegen import generate
from edgekit.reader import read_model
from edgekit.runtime_ops.fully_connected import FC_BLOCK, blocked_units, interleave_blocks
from tests.opmodels import ACTIVATIONS
from tests.runtime_batch import TARGETS, assert_batch_bit_exact, case
from tests.unit.test_runtime_compute_ops import PROPERTY, varied
from tests.unit.test_runtime_fast_paths import SCALE_RANGES, fully_connected_model


def generated_params(model: bytes) -> list[str]:
    """The C initializers of the parameter blocks the generator writes for ``model``'s operators."""
    return [call.params for call in generate(model, read_model(model)).calls]


def test_interleaved_blocks_hold_the_same_weights_in_the_kernels_order():
    weights = np.arange(21 * 8).reshape(21, 8)
    blocked = blocked_units(21)
    assert blocked == 20  # two blocks of 8, one of 4, one unit left as its row
    flat = interleave_blocks(weights, blocked)
    assert sorted(flat) == sorted(weights.ravel())
    # unit u's weight i of the first block sits at [i // 4][u][i % 4]
    assert flat[(5 // 4) * FC_BLOCK * 4 + 3 * 4 + 5 % 4] == weights[3, 5]
    # the block of 4 after the two blocks of 8: [i // 4][u - 16][i % 4]
    assert flat[16 * 8 + (6 // 4) * 16 + 2 * 4 + 6 % 4] == weights[18, 6]
    assert list(flat[-8:]) == list(weights[20])


@st.composite
def blocked_fully_connected(draw):
    """A FULLY_CONNECTED that the generator interleaves: depth a multiple of 4, at least 4 units."""
    return (draw(st.integers(1, 3)), 4 * draw(st.integers(1, 40)), draw(st.integers(4, 30)),
            draw(st.sampled_from(ACTIVATIONS)), draw(st.booleans()), draw(st.sampled_from(sorted(SCALE_RANGES))),
            draw(st.booleans()), draw(st.integers(0, 2**16)))


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(dense=varied(blocked_fully_connected(), 16))
def test_interleaved_fully_connected_is_bit_exact_with_tflm(target, dense, tmp_path):
    models = [(f"fc{i}", fully_connected_model(np.random.default_rng(p[-1]), *p[:-1]), p) for i, p in enumerate(dense)]
    # ad01's shapes: 640 -> 128 and 128 -> 8 (one block), kws's 64 -> 12 (a block of 8 and one of 4)
    rng = np.random.default_rng(11)
    models.append(("wide", fully_connected_model(rng, 1, 640, 128, 1, False, "right", True), None))
    models.append(("narrow", fully_connected_model(rng, 1, 128, 8, 0, False, "right", True), None))
    models.append(("twelve", fully_connected_model(rng, 1, 64, 12, 0, True, "mixed", False), None))
    for name, model, _ in models:
        units = read_model(model).tensors[read_model(model).outputs[0]].shape[-1]
        # the path under test is the one generated: the last field of the block is the interleaved units
        assert generated_params(model)[0].endswith(f", {blocked_units(units)}}}"), name
    cases = [case(name, model, seed=p[-1] if p else 0) for name, model, p in models]
    assert_batch_bit_exact(cases, target, tmp_path)
