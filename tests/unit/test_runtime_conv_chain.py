"""Two convolutions in a row run as one when that makes the arena smaller: the second reads the first's
output through a window of rows, made as it needs them, so that the first's output never exists whole
(MobileNet's widening 1x1 layer before a strided depthwise one, person_detect's peak). The outputs stay
those of the tflite-micro interpreter on every target; chains that save no byte are not run, and
``--optimize speed`` runs none."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.codegen import generate
from edgekit.reader import read_model
from tests.runtime_batch import TARGETS, assert_batch_bit_exact, case
from tests.unit.test_runtime_in_place import chain_model

#: person_detect's first layers at a smaller size (one input channel, depth multiplier 8, stride 2, a
#: depthwise layer, a 1x1 layer that doubles the depth, a strided depthwise one), and the same after a
#: strided 3x3 CONV_2D over 3 channels with a 5x5 depthwise layer (a taller window) and a dilated one.
CHAINED = {
    "person": (24, 20, 1, [("dw", 3, 2, 8), ("dw", 3, 1, 1), ("conv", 1, 1, 16), ("dw", 3, 2, 1),
                           ("conv", 1, 1, 16)]),
    "image": (26, 22, 3, [("conv", 3, 2, 8), ("conv", 1, 1, 48), ("dw", 5, 2, 1), ("conv", 1, 1, 8)]),
    # MobileNetV2's block: widening 1x1, strided depthwise and narrowing 1x1 layers, three in a row
    "inverted": (24, 20, 8, [("conv", 1, 1, 48), ("dw", 3, 2, 1), ("conv", 1, 1, 8), ("conv", 1, 1, 4)]),
}


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
    assert_batch_bit_exact(cases, target, tmp_path)


def test_a_chain_that_saves_no_ram_is_not_run():
    # a narrowing 1x1 layer then a depthwise one: the peak is the first layer's input, which no chain
    # shrinks, so none runs (each would copy rows for nothing)
    model = chain_model(np.random.default_rng(5), 12, 12, 32, [("conv", 1, 1, 4), ("dw", 3, 1, 1)])
    assert _chained_calls(model)[0] == 0
    person = chain_model(np.random.default_rng(0), *CHAINED["person"][:3], CHAINED["person"][3])
    assert _chained_calls(person, "speed")[0] == 0
