"""An ADD (or SUB) runs with the convolutions that make its operands when that makes the arena smaller
(ek_conv_add_s8): a residual block's last convolution makes one row at a time, through a window of the
layer before it; the skip path is read a row at a time or made by its own convolution; and the sum's
rows may take the block input's bytes where no later row reads them. The outputs stay those of the
tflite-micro interpreter on every target, the plan never lets a row be written over before its last read,
and ``--optimize speed`` fuses nothing."""

from __future__ import annotations

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from edgekit.codegen import _constant_data, generate, inplace_aliases
from edgekit.reader import read_model, read_model_file
from edgekit.runtime_ops.conv_add import conv_adds
from tests.conftest import SHARED_MODELS
from tests.opmodels import SAME, VALID, Builder
from tests.runtime_batch import TARGETS, assert_batch_bit_exact, case
from tests.unit.test_runtime_fast_paths import out_size
from tests.unit.test_runtime_in_place import _fusion, _in_place_ops, clobbers

FUSED_CALL = "ek_conv_add_s8("


class _Net:
    """A small int8 graph of convolutions and sums, built layer by layer with random weights."""

    def __init__(self, rng, h: int, w: int, c: int) -> None:
        self.rng, self.b = rng, Builder()
        self.input = self.b.tensor([1, h, w, c], "int8", float(rng.uniform(0.01, 0.05)), int(rng.integers(-20, 20)))
        self.shapes = {self.input: (h, w, c)}
        self.scales = {self.input: self.b.graph.tensors[self.input].quantization.scale[0]}

    def conv(self, x: int, k: int, stride: int, out_c: int, depthwise: bool = False, padding: int = SAME,
             activation: int = 1, dilation: int = 1) -> int:
        """A CONV_2D (or a DEPTHWISE_CONV_2D with multiplier 1) of ``x``."""
        rng, b = self.rng, self.b
        h, w, c = self.shapes[x]
        channels = c if depthwise else out_c
        s_w = rng.uniform(0.002, 0.02, channels)
        shape = [1, k, k, channels] if depthwise else [channels, k, k, c]
        weights = b.tensor(shape, "int8", s_w, np.zeros(channels), rng.integers(-127, 128, shape, dtype=np.int8),
                           axis=3 if depthwise else 0)
        bias = b.tensor([channels], "int32", self.scales[x] * s_w, np.zeros(channels),
                        rng.integers(-3000, 3000, channels).astype(np.int32))
        h, w = out_size(h, k, stride, dilation, padding), out_size(w, k, stride, dilation, padding)
        y = self._activation([h, w, channels])
        b.convolution([x, weights, bias], y, depthwise, 1, padding, stride, dilation, activation)
        return y

    def add(self, a: int, c: int, subtract: bool = False) -> int:
        """ADD (or SUB) of two tensors of one shape, with a ReLU."""
        y = self._activation(list(self.shapes[a]))
        if subtract:
            options = schema.SubOptionsT()
            code, kind = schema.BuiltinOperator.SUB, schema.BuiltinOptions.SubOptions
        else:
            options = schema.AddOptionsT()
            code, kind = schema.BuiltinOperator.ADD, schema.BuiltinOptions.AddOptions
        options.fusedActivationFunction = 1
        self.b.operator(code, [a, c], [y], kind, options, 2)
        return y

    def _activation(self, shape) -> int:
        scale = float(self.rng.uniform(0.02, 0.1))
        y = self.b.tensor([1, *shape], "int8", scale, int(self.rng.integers(-128, -100)))
        self.shapes[y], self.scales[y] = tuple(shape), scale
        return y

    def finish(self, output: int) -> bytes:
        return self.b.finish([self.input], [output])


def resnet_blocks(rng, h: int, w: int, c: int, skip_first: bool = True, subtract: bool = False) -> bytes:
    """ResNet-8's kind: a stem, an identity block (its sum a SUB when ``subtract``), a strided block with a
    1x1 projection on the skip path (the operands in either order), and a last 1x1 layer."""
    net = _Net(rng, h, w, c)
    x = net.conv(net.input, 3, 1, 8)
    y = net.conv(net.conv(x, 3, 1, 8), 3, 1, 8, activation=0)
    x = net.add(x, y, subtract) if skip_first else net.add(y, x, subtract)
    y = net.conv(net.conv(x, 3, 2, 16), 3, 1, 16, activation=0)
    s = net.conv(x, 1, 2, 16, activation=0)
    x = net.add(s, y) if skip_first else net.add(y, s)
    return net.finish(net.conv(x, 1, 1, 4))


def widening_skip(rng, h: int, w: int, c: int) -> bytes:
    """A skip path that widens (1x1 from 4 to 16 channels) beside a 3x3 path: each output row is four
    input rows' bytes, so the sum can never take the input's bytes (later rows still read them)."""
    net = _Net(rng, h, w, c)
    x = net.conv(net.input, 3, 1, 4)
    y = net.conv(net.conv(x, 3, 1, 16), 3, 1, 16, activation=0)
    s = net.conv(x, 1, 1, 16, activation=0)
    return net.finish(net.conv(net.add(s, y), 1, 1, 4))


def two_convolutions(rng, h: int, w: int, c: int) -> bytes:
    """Two plain convolutions of the graph's input summed (neither through a window, and the input is
    never written over), then a VALID layer."""
    net = _Net(rng, h, w, c)
    total = net.add(net.conv(net.input, 1, 1, 16, activation=0), net.conv(net.input, 3, 1, 16, activation=0))
    return net.finish(net.conv(total, 3, 1, 4, padding=VALID))


def layer_between(rng, h: int, w: int, c: int) -> bytes:
    """An identity block with an unrelated layer between its convolutions and its sum (a branch from the
    graph's input, summed after it): the fused call runs at the sum, the layer at its own place."""
    net = _Net(rng, h, w, c)
    x = net.conv(net.input, 3, 1, 8)
    y = net.conv(net.conv(x, 3, 1, 8), 3, 1, 8, activation=0)
    side = net.conv(net.input, 3, 1, 8, activation=0)
    return net.finish(net.add(net.add(x, y), side))


def inverted_residual(rng, h: int, w: int, c: int) -> bytes:
    """MobileNetV2's block: a 1x1 layer that widens the depth six times, a depthwise layer, a 1x1 layer
    that narrows it again, summed with the block's input; all three run through windows, so the wide
    tensors never exist whole."""
    net = _Net(rng, h, w, c)
    x = net.conv(net.input, 3, 1, 8)
    y = net.conv(net.conv(net.conv(x, 1, 1, 48), 3, 1, 48, depthwise=True), 1, 1, 8, activation=0)
    return net.finish(net.conv(net.add(x, y), 1, 1, 4))


MODELS = {
    "resnet": lambda rng: resnet_blocks(rng, 14, 12, 3),
    "resnet_swapped": lambda rng: resnet_blocks(rng, 11, 9, 2, skip_first=False, subtract=True),
    "widening": lambda rng: widening_skip(rng, 10, 8, 3),
    "two_convolutions": lambda rng: two_convolutions(rng, 9, 9, 8),
    "layer_between": lambda rng: layer_between(rng, 12, 10, 3),
    "inverted_residual": lambda rng: inverted_residual(rng, 12, 10, 3),
}


def _fused(model: bytes, optimize: str = "balanced"):
    generated = generate(model, read_model(model), optimize=optimize)
    return sum(FUSED_CALL in c.call for c in generated.calls), generated


@pytest.mark.parametrize("target", TARGETS)
def test_sums_run_with_their_convolutions_are_bit_exact_with_tflm(target, tmp_path):
    cases = []
    for seed, (name, build) in enumerate(MODELS.items()):
        model = build(np.random.default_rng(seed))
        fused, generated = _fused(model)
        # every model here has a sum worth fusing, and the arena is smaller than with every tensor whole
        assert fused >= 1 and generated.arena_bytes < _fused(model, "speed")[1].arena_bytes, name
        cases.append(case(name, model, seed=seed))
    assert_batch_bit_exact(cases, target, tmp_path)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fused_sums_never_write_over_a_row_still_read(name):
    model = MODELS[name](np.random.default_rng(7))
    info = read_model(model)
    generated = generate(model, info)
    fusion = _fusion(generated)
    assert fusion["row_sums"]
    assert not clobbers(info, dict(generated.offsets), _in_place_ops(generated), **fusion)


def test_the_output_takes_the_inputs_bytes_only_where_later_rows_no_longer_read_them():
    # the identity block and the strided projection block write over their input; the widening skip
    # path cannot: each output row lands on four input rows that later rows still read
    def overs(model):
        info = read_model(model)
        adds_apart = inplace_aliases(info, frozenset(op.index for op in info.operators if op.op == "ADD"))
        return {f.add: f.over for f in conv_adds(info, adds_apart, _constant_data(model), set())}

    resnet = read_model(MODELS["resnet"](np.random.default_rng(0)))
    found = overs(MODELS["resnet"](np.random.default_rng(0)))
    blocks = [op for op in resnet.operators if op.op == "ADD"]
    assert found[blocks[0].index] == blocks[0].inputs[0]  # x itself, the identity skip
    assert found[blocks[1].index] == resnet.operators[blocks[1].index - 3].inputs[0]  # the block's input
    widening = MODELS["widening"](np.random.default_rng(0))
    assert set(overs(widening).values()) == {None}


def test_the_simulation_finds_a_sum_written_one_row_too_early():
    """The check can fail: the identity block's output one row below its input, where row r would land
    on input row r + 1 before the window and the skip read it."""
    model = MODELS["resnet"](np.random.default_rng(0))
    info = read_model(model)
    generated = generate(model, info)
    offsets, fusion = dict(generated.offsets), _fusion(generated)
    add = next(op for op in info.operators if op.op == "ADD")
    assert offsets[add.outputs[0]] == offsets[add.inputs[0]]
    row = info.tensors[add.outputs[0]].shape[2] * info.tensors[add.outputs[0]].shape[3]
    moved = {**offsets, add.outputs[0]: offsets[add.inputs[0]] + row}
    assert clobbers(info, moved, _in_place_ops(generated), **fusion)


def test_speed_fuses_nothing_and_resnet_needs_at_most_0_4_of_tflms_arena():
    model, info = read_model_file(SHARED_MODELS / "pretrainedResnet_quant.tflite")
    fused, generated = _fused(model)
    assert fused == 2 and _fused(model, "speed")[0] == 0
    # ../shared/models/README.md: TFLM's arena for pretrainedResnet_quant is 54,340 B on the Cortex-M4
    assert generated.arena_bytes <= 0.4 * 54_340
    assert not clobbers(info, dict(generated.offsets), _in_place_ops(generated), **_fusion(generated))
