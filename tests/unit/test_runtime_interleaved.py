"""FULLY_CONNECTED and CONV_2D with weights the generator interleaved for the kernel (one pointer walks a
block of units or output channels with constant offsets) stay bit-exact with the tflite-micro interpreter:
fully-connected blocks of 8 and 4 units and the remaining row-major units, one to three batches, per-tensor
and per-channel multipliers, every scale range; convolutions in blocks of four output channels through
im2col columns (windows of any length up to the column, dilation, a lone last pixel) and through filter
rows read in place (pairs of pixels, rows above and below the input, pixels at the left and right edges
alone), strides 1 and 2, SAME and VALID padding; one varied batch per target: host, QEMU's Cortex-M4 (DSP
path), Cortex-M3 (plain C) and RV32."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit.codegen import generate
from edgekit.reader import read_model
from edgekit.runtime_ops.conv import BLOCKED_COLUMN_BYTES, blocked_filter
from edgekit.runtime_ops.fully_connected import FC_BLOCK, blocked_units, interleave_blocks
from tests.opmodels import ACTIVATIONS, SAME, VALID
from tests.runtime_batch import TARGETS, assert_batch_bit_exact, case
from tests.unit.test_runtime_compute_ops import PROPERTY, varied
from tests.unit.test_runtime_fast_paths import SCALE_RANGES, convolution_model, fully_connected_model


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


def test_a_blocked_filter_holds_four_channels_per_group_and_pads_the_last_group():
    weights = np.arange(8 * 3 * 3 * 3).reshape(8, 3, 3, 3) % 251 - 125
    im2col = blocked_filter(weights, im2col=True)  # one segment of 27 values: 7 groups, the last padded
    assert im2col.size == 2 * 7 * 16
    # channel 5 (block 1, channel 1), window value 10 (group 2, position 2)
    assert im2col[1 * 7 * 16 + 2 * 16 + 1 * 4 + 2] == weights.reshape(8, 27)[5, 10]
    assert not im2col[6 * 16 + 3::4][:4].any()  # value 27 of each channel of block 0: padding
    rows = blocked_filter(np.arange(4 * 3 * 3 * 4).reshape(4, 3, 3, 4), im2col=False)
    # row 2 (segment 2 of 12 values = 3 groups), value 5 of it (group 1, position 1), channel 3
    assert rows[2 * 3 * 16 + 1 * 16 + 3 * 4 + 1] == np.arange(4 * 3 * 3 * 4).reshape(4, 3, 12)[3, 2, 5]


@st.composite
def blocked_convolutions(draw):
    """A CONV_2D that runs in blocks of four channels: windows up to an im2col column (any depth,
    dilation), or longer ones over depths of a multiple of 4 (filter rows in place)."""
    rows = draw(st.booleans())
    k = draw(st.sampled_from([3, 3, 2, 5]))
    stride, padding = draw(st.integers(1, 2)), draw(st.sampled_from([SAME, VALID]))
    # longer than an im2col column (576 bytes): 3x3 over 68 or 72 channels, 2x2 over 148, 5x5 over 24 or 28
    c = draw(st.sampled_from({3: [68, 72], 2: [148], 5: [24, 28]}[k] if rows else [1, 3, 4, 5, 8, 16, 64]))
    dilation = 1 if rows else draw(st.sampled_from([1, 1, 2]))
    reach = (k - 1) * dilation + 1
    h, w = draw(st.integers(reach, max(reach, 8))), draw(st.integers(reach, max(reach, 8)))
    return (False, h, w, c, k, stride, dilation, padding, draw(st.sampled_from(ACTIVATIONS)),
            4 * draw(st.integers(1, 4)), 1, draw(st.sampled_from(sorted(SCALE_RANGES))), draw(st.booleans()),
            draw(st.integers(0, 2**16)))


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(params=varied(blocked_convolutions(), 16))
def test_convolutions_in_channel_blocks_are_bit_exact_with_tflm(target, params, tmp_path):
    models = [(f"conv{i}", convolution_model(np.random.default_rng(p[-1]), *p[:-1]), p[-1])
              for i, p in enumerate(params)]
    rng = np.random.default_rng(5)
    # ResNet's and VWW's first layers (3 channels, stride 1 and 2), ResNet's 3x3 layers over 16, 32 and 64
    # channels (im2col, then rows), kws's first layer (10x4 over one channel: square here, 5x5)
    models.append(("first", convolution_model(rng, False, 9, 9, 3, 3, 1, 1, SAME, 1, 16, 1, "right", True), 1))
    models.append(("first2", convolution_model(rng, False, 9, 8, 3, 3, 2, 1, SAME, 3, 8, 1, "right", True), 2))
    models.append(("c16", convolution_model(rng, False, 7, 7, 16, 3, 1, 1, SAME, 1, 16, 1, "right", True), 3))
    models.append(("c32", convolution_model(rng, False, 7, 6, 32, 3, 2, 1, SAME, 1, 12, 1, "mixed", True), 4))
    models.append(("c64", convolution_model(rng, False, 5, 5, 64, 3, 1, 1, SAME, 0, 8, 1, "right", False), 5))
    # in place: rows above and below, edge pixels alone, pairs, stride 2
    models.append(("c128", convolution_model(rng, False, 5, 6, 128, 3, 1, 1, SAME, 1, 8, 1, "right", True), 7))
    models.append(("c96s2", convolution_model(rng, False, 7, 7, 96, 3, 2, 1, SAME, 0, 4, 1, "mixed", True), 8))
    models.append(("kws", convolution_model(rng, False, 9, 7, 1, 5, 2, 1, SAME, 1, 8, 1, "left", True), 6))
    # accumulators that may pass 2^30 (the general short requantization), through im2col and in place
    large = 2**31 - 1
    models.append(("large", convolution_model(rng, False, 6, 5, 8, 3, 1, 1, SAME, 0, 8, 1, "right", True, large), 9))
    models.append(("large2", convolution_model(rng, False, 5, 5, 72, 3, 1, 1, SAME, 0, 4, 1, "right", True, large), 10))
    flags = []
    for name, model, _ in models:
        info = read_model(model)
        window = np.prod(info.tensors[info.operators[0].inputs[1]].shape[1:])
        call = generate(model, info, in_place="none").calls[0].call
        # the path under test is the one generated: blocks, with im2col exactly when the window fits
        assert call.startswith("ek_conv2d_blocked_"), name
        flags.append(call.split("(", 1)[0])
        assert ("_im2col" in flags[-1]) == (window <= BLOCKED_COLUMN_BYTES), name
    assert "_narrow" in flags[0] and "_narrow" not in flags[-1] + flags[-2]
    cases = [case(name, model, seed=seed, in_place="none") for name, model, seed in models]
    assert_batch_bit_exact(cases, target, tmp_path)


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
    # accumulators that may pass 2^30: the general form of the short requantization
    models.append(("large", fully_connected_model(rng, 2, 32, 12, 0, False, "right", True, 2**31 - 1), None))
    models.append(("large2", fully_connected_model(rng, 1, 16, 8, 1, True, "right", True, 2**31 - 1), None))
    narrow = []
    for name, model, _ in models:
        units = read_model(model).tensors[read_model(model).outputs[0]].shape[-1]
        fields = generated_params(model)[0].rstrip("}").split(", ")
        # the path under test is the one generated: the interleaved units, then the narrow flag
        assert fields[-2] == str(blocked_units(units)), name
        narrow.append(fields[-1] == "1")
    assert not narrow[-1] and not narrow[-2] and narrow[0]
    cases = [case(name, model, seed=p[-1] if p else 0) for name, model, p in models]
    assert_batch_bit_exact(cases, target, tmp_path)
