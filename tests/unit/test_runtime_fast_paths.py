"""CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED stay bit-exact with the tflite-micro interpreter through
the kernels' fast paths: the short requantization (taken when every output channel's multiplier is below 0.5, so every shift
is a right shift) and TFLM's general one (some channel's shift zero or to the left), the per-channel base
(bias + input offset x filter sum, folded at generation time) for windows wholly inside the input beside
border windows that skip padded taps, pairs of whole windows dotted in place, 1x1 products by pixel pairs or channel pairs, im2col columns,
depthwise four channels per word (of four input channels from the generator's blocks, with border windows
copied; or of one input channel's depth multiplier, as a CONV_2D) and the remainders, fully-connected two units (and two batches) at a
time with the base folded; with and without bias. One varied batch per target: host, QEMU's Cortex-M4 (DSP path),
Cortex-M3 (plain C) and RV32."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from edgekit.codegen import generate
from edgekit.reader import read_model
from tests.opmodels import ACTIVATIONS, SAME, VALID, Builder
from tests.runtime_batch import TARGETS, assert_batch_bit_exact, case
from tests.unit.test_runtime_compute_ops import PROPERTY, varied

#: ranges of the effective per-channel scale (input scale x filter scale / output scale): every channel
#: below 0.5 (right shifts only), some channels at or above 0.5 (the general requantization), all above 1.
SCALE_RANGES = {"right": (0.0005, 0.3), "mixed": (0.05, 1.5), "left": (0.6, 3.0)}


def out_size(size: int, kernel: int, stride: int, dilation: int, padding: int) -> int:
    """TFLite's output size for SAME or VALID padding."""
    effective = (kernel - 1) * dilation + 1
    return (size + stride - 1) // stride if padding == SAME else (size - effective + stride) // stride


def convolution_model(rng, depthwise: bool, h: int, w: int, c: int, k: int, stride: int, dilation: int,
                      padding: int, activation: int, out_c: int, depth_multiplier: int, scales: str,
                      with_bias: bool, bias_bound: int = 5000) -> bytes:
    """A CONV_2D or DEPTHWISE_CONV_2D whose per-channel effective scales fall in ``SCALE_RANGES[scales]``,
    its bias (when it has one) in [-bias_bound, bias_bound)."""
    b = Builder()
    oh, ow = out_size(h, k, stride, dilation, padding), out_size(w, k, stride, dilation, padding)
    channels = c * depth_multiplier if depthwise else out_c
    s_in, zp_in = float(rng.uniform(0.005, 0.05)), int(rng.integers(-128, 128))
    s_out, zp_out = float(rng.uniform(0.02, 0.2)), int(rng.integers(-20, 20))
    low, high = SCALE_RANGES[scales]
    s_w = rng.uniform(low, high, channels) * s_out / s_in
    x = b.tensor([1, h, w, c], "int8", s_in, zp_in)
    shape = [1, k, k, channels] if depthwise else [channels, k, k, c]
    # small weights with large scales keep some outputs off the clamp
    bound = 128 if scales == "right" else 8
    weights = b.tensor(shape, "int8", s_w, np.zeros(channels), rng.integers(-bound + 1, bound, shape, dtype=np.int8),
                       axis=3 if depthwise else 0)
    inputs = [x, weights]
    if with_bias:
        inputs.append(b.tensor([channels], "int32", s_in * s_w, np.zeros(channels),
                               rng.integers(-bias_bound, bias_bound, channels).astype(np.int32)))
    y = b.tensor([1, oh, ow, channels], "int8", s_out, zp_out)
    b.convolution(inputs, y, depthwise, depth_multiplier, padding, stride, dilation, activation)
    return b.finish([x], [y])


def fully_connected_model(rng, batches: int, depth: int, units: int, activation: int, per_channel: bool,
                          scales: str, with_bias: bool, bias_bound: int = 5000) -> bytes:
    """A FULLY_CONNECTED whose effective scales fall in ``SCALE_RANGES[scales]``, per tensor or per channel,
    its bias (when it has one) in [-bias_bound, bias_bound)."""
    b = Builder()
    s_in, zp_in = float(rng.uniform(0.005, 0.05)), int(rng.integers(-128, 128))
    s_out, zp_out = float(rng.uniform(0.05, 0.3)), int(rng.integers(-20, 20))
    low, high = SCALE_RANGES[scales]
    s_w = rng.uniform(low, high, units if per_channel else 1) * s_out / s_in
    bound = 128 if scales == "right" else 8
    x = b.tensor([batches, depth], "int8", s_in, zp_in)
    weights = b.tensor([units, depth], "int8", s_w, np.zeros(s_w.size),
                       rng.integers(-bound + 1, bound, (units, depth), dtype=np.int8))
    inputs = [x, weights]
    if with_bias:
        inputs.append(b.tensor([units], "int32", s_in * s_w, np.zeros(s_w.size),
                               rng.integers(-bias_bound, bias_bound, units).astype(np.int32)))
    y = b.tensor([batches, units], "int8", s_out, zp_out)
    options = schema.FullyConnectedOptionsT()
    options.fusedActivationFunction = activation
    b.operator(schema.BuiltinOperator.FULLY_CONNECTED, inputs, [y], schema.BuiltinOptions.FullyConnectedOptions,
               options, 4)
    return b.finish([x], [y])


@st.composite
def fully_connected(draw):
    """The parameters of one FULLY_CONNECTED: one to three batches, odd and even units, any depth."""
    return (draw(st.integers(1, 3)), draw(st.integers(1, 70)), draw(st.integers(1, 13)),
            draw(st.sampled_from(ACTIVATIONS)), draw(st.booleans()), draw(st.sampled_from(sorted(SCALE_RANGES))),
            draw(st.booleans()), draw(st.integers(0, 2**16)))


@st.composite
def convolutions(draw):
    """The parameters of one convolution: 1x1 and 3x3 most often (MobileNet's), depths around multiples
    of 4, strides, dilation, padding, depth multipliers, every scale range, with or without bias."""
    depthwise = draw(st.booleans())
    k = draw(st.sampled_from([1, 3, 3, 2, 5]))
    stride, dilation = draw(st.integers(1, 2)), draw(st.sampled_from([1, 1, 2]))
    padding = draw(st.sampled_from([SAME, VALID]))
    reach = (k - 1) * dilation + 1
    h, w = draw(st.integers(max(reach, 1), 9)), draw(st.integers(max(reach, 1), 9))
    c = draw(st.sampled_from([1, 3, 4, 5, 8, 12, 16]))
    return (depthwise, h, w, c, k, stride, dilation, padding, draw(st.sampled_from(ACTIVATIONS)),
            draw(st.integers(1, 9)), draw(st.sampled_from([1, 1, 2, 4, 8])) if depthwise else 1,
            draw(st.sampled_from(sorted(SCALE_RANGES))), draw(st.booleans()), draw(st.integers(0, 2**16)))


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(params=varied(convolutions(), 24), dense=varied(fully_connected(), 12))
def test_convolution_and_fully_connected_fast_paths_are_bit_exact_with_tflm(target, params, dense, tmp_path):
    cases = [case(f"{'dw' if p[0] else 'conv'}{i}", convolution_model(np.random.default_rng(p[-1]), *p[:-1]),
                  seed=p[-1]) for i, p in enumerate(params)]
    cases += [case(f"fc{i}", fully_connected_model(np.random.default_rng(p[-1]), *p[:-1]), seed=p[-1])
              for i, p in enumerate(dense)]
    # MobileNet's shapes: a pointwise layer of depth 8, a 3x3 depthwise over 8 channels and a first layer
    # over 3 channels, stride 2
    rng = np.random.default_rng(7)
    cases.append(case("pointwise", convolution_model(rng, False, 6, 6, 8, 1, 1, 1, SAME, 3, 16, 1, "right", True)))
    cases.append(case("depthwise", convolution_model(rng, True, 6, 6, 8, 3, 1, 1, SAME, 1, 8, 1, "right", True)))
    cases.append(case("first", convolution_model(rng, False, 9, 9, 3, 3, 2, 1, SAME, 3, 8, 1, "right", True)))
    # ResNet's 3x3 layers over 32 channels (windows too long for im2col: dotted where they lie), stride 1 and 2
    cases.append(case("deep", convolution_model(rng, False, 7, 8, 32, 3, 1, 1, SAME, 1, 5, 1, "right", True)))
    cases.append(case("deep2", convolution_model(rng, False, 9, 9, 32, 3, 2, 1, VALID, 0, 4, 1, "mixed", False)))
    # micro_speech's first layer: one input channel, depth multiplier 8, a 10x8 filter, stride 2
    cases.append(case("multiplier8", convolution_model(rng, True, 14, 12, 1, 5, 2, 1, SAME, 1, 8, 8, "right", True)))
    # the four-channel depthwise kernel's other forms: biases beyond 2^30 (the long requantization), a
    # clamp narrower than int8 (RELU6), a dilated window, a 5x5 one, one row and one column of output
    quads = {
        "dw_wide_bias": convolution_model(rng, True, 7, 6, 12, 3, 1, 1, SAME, 0, 12, 1, "right", True,
                                          2**31 - 2**20),
        "dw_wide_relu6": convolution_model(rng, True, 6, 7, 8, 3, 1, 1, SAME, 3, 8, 1, "right", True,
                                           2**31 - 2**20),
        "dw_relu6": convolution_model(rng, True, 8, 8, 16, 3, 2, 1, SAME, 3, 16, 1, "right", True),
        "dw_dilated": convolution_model(rng, True, 9, 9, 8, 3, 1, 2, SAME, 1, 8, 1, "right", False),
        "dw_5x5": convolution_model(rng, True, 6, 7, 4, 5, 1, 1, SAME, 1, 4, 1, "right", True),
        "dw_row": convolution_model(rng, True, 1, 9, 8, 3, 1, 1, SAME, 0, 8, 1, "right", True),
    }
    kernels = {name: generate(model, read_model(model)).calls[0].call.split("(")[0] for name, model in quads.items()}
    # (the ReLU layers' output zero points are random: their clamps are narrower than int8)
    assert kernels == {**{name: "ek_depthwise_conv2d_quads_narrow_s8" for name in quads},
                       "dw_row": "ek_depthwise_conv2d_quads_narrow_full_s8",
                       "dw_wide_bias": "ek_depthwise_conv2d_quads_s8",
                       "dw_wide_relu6": "ek_depthwise_conv2d_quads_s8"}, kernels
    cases += [case(name, model) for name, model in quads.items()]
    # 1x1 layers of output channels not a multiple of 4 (person_detect's classifier) run as dense layers over
    # their pixels, with the general requantization too
    odd = {"pointwise_odd": convolution_model(rng, False, 5, 6, 12, 1, 1, 1, SAME, 3, 6, 1, "right", True),
           "pointwise_mixed": convolution_model(rng, False, 1, 1, 40, 1, 1, 1, VALID, 0, 2, 1, "mixed", True)}
    for name, model in odd.items():
        assert generate(model, read_model(model), in_place="none").calls[0].call.startswith(
            "ek_fully_connected_base_s8("), name
    cases += [case(name, model) for name, model in odd.items()]
    # each kernel in one call, over the whole tensors (test_runtime_in_place.py runs them in bands)
    cases = [replace(c, in_place="none") for c in cases]
    assert_batch_bit_exact(cases, target, tmp_path)
