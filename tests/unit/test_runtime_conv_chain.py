"""Two convolutions in a row run as one when that makes the arena smaller: the second reads the first's
output through a window of rows, made as it needs them, so that the first's output never exists whole
(MobileNet's widening 1x1 layer before a strided depthwise one, person_detect's peak). The outputs stay
those of the tflite-micro interpreter on every target; chains that save no byte are not run, and
``--optimize speed`` runs none."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.arena import estimate_tflm_arena
from edgekit.codegen import generate
from edgekit.reader import read_model
from tests.opmodels import SAME, VALID
from tests.runtime_batch import TARGETS, assert_batch_bit_exact, case
from tests.unit.test_runtime_conv_add import _Net
from tests.unit.test_runtime_in_place import _fusion, _in_place_ops, chain_model, clobbers

#: person_detect's first layers at a smaller size (one input channel, depth multiplier 8, stride 2, a
#: depthwise layer, a 1x1 layer that doubles the depth, a strided depthwise one), and the same after a
#: strided 3x3 CONV_2D over 3 channels with a 5x5 depthwise layer (a taller window) and a dilated one.
CHAINED = {
    "person": (24, 20, 1, [("dw", 3, 2, 8), ("dw", 3, 1, 1), ("conv", 1, 1, 16), ("dw", 3, 2, 1),
                           ("conv", 1, 1, 16)]),
    "image": (26, 22, 3, [("conv", 3, 2, 8), ("conv", 1, 1, 48), ("dw", 5, 2, 1), ("conv", 1, 1, 8)]),
    # MobileNetV2's block: widening 1x1, strided depthwise and narrowing 1x1 layers, three in a row
    "inverted": (24, 20, 8, [("conv", 1, 1, 48), ("dw", 3, 2, 1), ("conv", 1, 1, 8), ("conv", 1, 1, 4)]),
    # the classic CNN: 3x3 layers each followed by a 2x2 max pool of stride 2 (VALID, an odd width)
    "cnn": (30, 27, 3, [("conv", 3, 1, 16), ("maxpool", 2, 2, VALID), ("conv", 3, 1, 32), ("maxpool", 2, 2, VALID),
                        ("conv", 3, 1, 8)]),
    # average pools (SAME: windows cut by the padding divide by fewer taps) between and after layers, and a
    # chain that starts with a pool
    "pools": (20, 18, 4, [("conv", 3, 1, 24), ("avgpool", 3, 2, SAME), ("dw", 3, 1, 1), ("avgpool", 2, 1, SAME),
                          ("conv", 1, 1, 8), ("maxpool", 3, 1, SAME), ("conv", 3, 2, 16), ("avgpool", 3, 2, SAME)]),
}


def block_after_a_wide_stem(rng, h: int = 24, w: int = 20, c: int = 3) -> bytes:
    """MobileNetV2's start: a wide full-size layer, a strided depthwise one and a narrowing 1x1 layer,
    then an inverted residual block (widening 1x1, depthwise, narrowing 1x1, summed with its input)."""
    net = _Net(rng, h, w, c)
    x = net.conv(net.conv(net.conv(net.input, 3, 1, 64), 3, 2, 64, depthwise=True), 1, 1, 8, activation=0)
    y = net.conv(net.conv(net.conv(x, 1, 1, 48), 3, 1, 48, depthwise=True), 1, 1, 8, activation=0)
    return net.finish(net.conv(net.add(x, y), 1, 1, 4))


def _chained_calls(model: bytes, optimize: str = "balanced") -> tuple[int, int]:
    generated = generate(model, read_model(model), optimize=optimize)
    return sum("ek_conv_chain_s8" in c.call for c in generated.calls), generated.arena_bytes


@pytest.mark.parametrize("target", TARGETS)
def test_chained_convolutions_are_bit_exact_with_tflm(target, tmp_path):
    cases = []
    for seed, (name, (h, w, c, layers)) in enumerate(CHAINED.items()):
        model = chain_model(np.random.default_rng(seed), h, w, c, layers)
        chains, arena = _chained_calls(model)
        # at least one chain, and a smaller arena than the same plan without any (bands over their own
        # input and whole tensors: --optimize speed keeps every tensor whole)
        assert chains >= 1 and arena < _chained_calls(model, "speed")[1], name
        cases.append(case(name, model, seed=seed))
    cases.append(case("block_after_a_wide_stem", block_after_a_wide_stem(np.random.default_rng(0))))
    assert_batch_bit_exact(cases, target, tmp_path)


def test_a_chain_that_saves_no_ram_is_not_run():
    # a narrowing 1x1 layer then a depthwise one: the peak is the first layer's input, which no chain
    # shrinks, so none runs (each would copy rows for nothing)
    model = chain_model(np.random.default_rng(5), 12, 12, 32, [("conv", 1, 1, 4), ("dw", 3, 1, 1)])
    assert _chained_calls(model)[0] == 0
    person = chain_model(np.random.default_rng(0), *CHAINED["person"][:3], CHAINED["person"][3])
    assert _chained_calls(person, "speed")[0] == 0


def _chain_spans(model: bytes):
    """Per chain call of the generated model: (first input's offset and bytes, output's offset, bytes and
    row bytes), and the generated model and its info."""
    info = read_model(model)
    generated = generate(model, info)
    offsets, spans = dict(generated.offsets), []
    for call, op in zip(generated.calls, info.operators):
        if "ek_conv_chain_s8(" in call.call:
            first = op.index
            while first > 0 and f"computed with op {op.index}'s" in generated.calls[first - 1].call:
                first -= 1
            x, out = info.operators[first].inputs[0], op.outputs[0]
            shape = info.tensors[out].shape
            spans.append(((offsets[x], info.tensors[x].nbytes), (offsets[out], info.tensors[out].nbytes,
                                                                  shape[2] * shape[3])))
    return spans, generated, info


def test_a_chain_writes_its_output_over_its_input_where_later_rows_no_longer_read_them():
    # the strided stem of an RGB image (3x3, stride 2, then a depthwise and a narrowing 1x1 layer): its
    # output rows land on input rows already read, so the chain needs its input and windows, not its
    # output as well
    model = chain_model(np.random.default_rng(3), 32, 24, 3, [("conv", 3, 2, 16), ("dw", 3, 1, 1), ("conv", 1, 1, 8)])
    spans, generated, info = _chain_spans(model)
    assert len(spans) == 1
    (x_at, x_bytes), (out_at, out_bytes, row) = spans[0]
    assert out_at < x_at + x_bytes and x_at < out_at + out_bytes
    assert generated.arena_bytes < x_bytes + out_bytes
    offsets, fusion = dict(generated.offsets), _fusion(generated)
    assert not clobbers(info, offsets, _in_place_ops(generated), **fusion)
    # every tensor keeps the arena's 16-byte alignment (the kernels load and store words), here and in the
    # chains above (person's output would start 360 B before its input unrounded)
    for h, w, c, layers in CHAINED.values():
        other = chain_model(np.random.default_rng(0), h, w, c, layers)
        assert all(offset % 16 == 0 for _, offset in generate(other, read_model(other)).offsets)
    assert all(offset % 16 == 0 for offset in offsets.values())
    # the check can fail: the output a few rows further on lands on input rows the next rows still read
    out = info.operators[-1].outputs[0]
    assert clobbers(info, {**offsets, out: offsets[out] + 4 * row}, _in_place_ops(generated), **fusion)


def test_a_layer_under_a_quarter_of_the_first_peak_is_chained_once_the_peak_has_moved():
    # the block's wide tensor is under a quarter of the stem's (the first peak), which alone would leave
    # it out of the candidates; once the stem runs as a chain the block holds the peak, and runs fused too
    model = block_after_a_wide_stem(np.random.default_rng(0))
    spans, generated, info = _chain_spans(model)
    fused = {t for t, _ in generated.fused_sizes}
    stem, wide = info.operators[0].outputs[0], info.operators[3].outputs[0]
    assert 4 * info.tensors[wide].nbytes < info.tensors[stem].nbytes
    assert {stem, wide} <= fused and len(spans) == 2
    assert not clobbers(info, dict(generated.offsets), _in_place_ops(generated), **_fusion(generated))


def test_convolutions_with_their_pools_need_at_most_0_4_of_tflms_arena():
    # a convolution's output that only its pool reads exists as a window of rows, as the pool reads them:
    # the classic CNN needs its input, a few rows and the pooled tensor, not the convolution's output
    model = chain_model(np.random.default_rng(1), *CHAINED["cnn"][:3], CHAINED["cnn"][3])
    info = read_model(model)
    generated = generate(model, info)
    pools = [op for op in info.operators if op.op == "MAX_POOL_2D"]
    assert all("ek_conv_chain_s8(P, ek_max_pool_rows_s8" in generated.calls[op.index].call for op in pools)
    assert generated.arena_bytes <= 0.4 * estimate_tflm_arena(model).head
    assert not clobbers(info, dict(generated.offsets), _in_place_ops(generated), **_fusion(generated))
