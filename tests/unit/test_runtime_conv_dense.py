"""A convolution whose output only a FULLY_CONNECTED reads (``Conv2D -> Flatten -> Dense``) runs fused with
it: in bands of output rows whose values go straight into the dense layer's accumulators, so that the
convolution's output never takes its whole size in the arena. The outputs stay those of the tflite-micro
interpreter on every target, and the arena is smaller than the unfused plan's; a convolution whose output
anything else reads, or a model optimised for speed, is not fused."""

from __future__ import annotations

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from edgekit.codegen import generate
from edgekit.reader import read_model
from tests.opmodels import SAME, VALID, Builder
from tests.runtime_batch import TARGETS, assert_batch_bit_exact, case
from tests.unit.test_runtime_fast_paths import out_size


def conv_dense_model(rng, h: int, w: int, c: int, kind: str, k: tuple[int, int], stride: int, n: int, units: int,
                     padding: int, activation: int, with_bias: bool = True, reshape: bool = True,
                     also_read: bool = False) -> bytes:
    """A CONV_2D (``kind`` "conv", n output channels) or DEPTHWISE_CONV_2D ("dw", depth multiplier n), a
    RESHAPE to [1, N] (or none: the dense layer reads the 4-D tensor), then a FULLY_CONNECTED of ``units``;
    ``also_read``: a second graph output is the convolution's own, so that it must exist whole."""
    b = Builder()
    scale = float(rng.uniform(0.01, 0.05))
    x = b.tensor([1, h, w, c], "int8", scale, int(rng.integers(-20, 20)))
    channels = c * n if kind == "dw" else n
    s_w = rng.uniform(0.001, 0.02, channels)
    shape = [1, *k, channels] if kind == "dw" else [channels, *k, c]
    weights = b.tensor(shape, "int8", s_w, np.zeros(channels), rng.integers(-127, 128, shape, dtype=np.int8),
                       axis=3 if kind == "dw" else 0)
    bias = b.tensor([channels], "int32", scale * s_w, np.zeros(channels),
                    rng.integers(-2000, 2000, channels).astype(np.int32))
    out_h, out_w = out_size(h, k[0], stride, 1, padding), out_size(w, k[1], stride, 1, padding)
    s_y = float(rng.uniform(0.02, 0.1))
    y = b.tensor([1, out_h, out_w, channels], "int8", s_y, -128)
    b.convolution([x, weights, bias], y, kind == "dw", n, padding, stride, activation=1)
    depth = out_h * out_w * channels
    flat = y
    if reshape:
        flat = b.tensor([1, depth], "int8", s_y, -128)
        target = b.tensor([2], "int32", data=np.array([1, depth], np.int32))
        reshape_options = schema.ReshapeOptionsT()
        reshape_options.newShape = [1, depth]
        b.operator(schema.BuiltinOperator.RESHAPE, [y, target], [flat], schema.BuiltinOptions.ReshapeOptions,
                   reshape_options, 1)
    s_d = rng.uniform(0.0005, 0.004, units)
    dense_weights = b.tensor([units, depth], "int8", s_d, np.zeros(units),
                             rng.integers(-127, 128, (units, depth), dtype=np.int8))
    inputs = [flat, dense_weights]
    if with_bias:
        inputs.append(b.tensor([units], "int32", s_y * s_d, np.zeros(units),
                               rng.integers(-5000, 5000, units).astype(np.int32)))
    out = b.tensor([1, units], "int8", float(rng.uniform(0.05, 0.2)), int(rng.integers(-20, 20)))
    dense = schema.FullyConnectedOptionsT()
    dense.fusedActivationFunction = activation
    b.operator(schema.BuiltinOperator.FULLY_CONNECTED, inputs, [out], schema.BuiltinOptions.FullyConnectedOptions,
               dense, 4)
    return b.finish([x], [out, y] if also_read else [out])


def _fused(model: bytes, optimize: str = "balanced") -> tuple[bool, int]:
    generated = generate(model, read_model(model), optimize=optimize)
    return any("ek_conv_dense_s8" in c.call for c in generated.calls), generated.arena_bytes


#: micro_speech's shape (one input channel, depth multiplier 8, a tall window, stride 2), a 3x3 CONV_2D
#: over 3 channels (an image CNN's last layer), a four-channel depthwise layer without dense bias, a
#: 1x1 CONV_2D with rows longer than a band, and a dense layer that reads the 4-D tensor without RESHAPE.
FUSED = {
    "micro_speech": dict(h=25, w=20, c=1, kind="dw", k=(10, 8), stride=2, n=8, units=4, padding=SAME, activation=0),
    "image": dict(h=12, w=10, c=3, kind="conv", k=(3, 3), stride=1, n=8, units=10, padding=VALID, activation=1),
    "quads": dict(h=9, w=9, c=8, kind="dw", k=(3, 3), stride=1, n=1, units=5, padding=SAME, activation=0,
                  with_bias=False),
    "pointwise": dict(h=6, w=40, c=8, kind="conv", k=(1, 1), stride=1, n=12, units=3, padding=SAME, activation=3),
    "no_reshape": dict(h=16, w=16, c=4, kind="dw", k=(3, 3), stride=2, n=2, units=6, padding=SAME, activation=0,
                       reshape=False),
}


@pytest.mark.parametrize("target", TARGETS)
def test_fused_convolution_and_dense_layer_are_bit_exact_with_tflm(target, tmp_path):
    cases = []
    for seed, (name, params) in enumerate(FUSED.items()):
        model = conv_dense_model(np.random.default_rng(seed), **params)
        fused, arena = _fused(model)
        # fused, and in less RAM than the plan of whole tensors
        assert fused and arena < _fused(model, "speed")[1], name
        cases.append(case(name, model, seed=seed))
    assert_batch_bit_exact(cases, target, tmp_path)


def test_a_convolution_whose_output_is_also_read_elsewhere_is_not_fused():
    rng = np.random.default_rng(3)
    shared = conv_dense_model(rng, **FUSED["image"], also_read=True)
    assert not _fused(shared)[0]
    # --optimize speed keeps every layer whole (each kernel in one call)
    assert not _fused(conv_dense_model(rng, **FUSED["image"]), "speed")[0]
