"""The elementwise binary ops (ADD, SUB, MUL, SQUARED_DIFFERENCE, DIV, MAXIMUM, MINIMUM, the six
comparisons) and SELECT_V2 in the edgekit runtime: random shapes of rank 1 to 5 broadcasting in every
dimension, scalars, int8 and int16, fused activations, zero points up to the int8 extremes, constant and
computed inputs; the outputs must equal the tflite-micro interpreter's byte for byte on the host, on
QEMU's Cortex-M4 and on its Cortex-M3. One batch (one compile, one run) per test and target."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgekit.codegen import generate, inplace_aliases
from edgekit.errors import ModelError
from edgekit.reader import read_model
from edgekit.runtime_ops import supported_ops
from edgekit.runtime_ops.broadcast import Loop, broadcast_loops
from tests import opmodels_binary
from tests.opmodels import ACTIVATIONS
from tests.runtime_batch import TARGETS, Case, assert_batch_bit_exact, case, random_inputs

PROPERTY = settings(max_examples=1, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
#: Hypothesis draws one seed per run (its first example is its simplest: all scalars, all ADD), and each
#: batch's cases come from a numpy generator with that seed, so one run covers many shapes and ops.
SEEDS = st.integers(0, 2**32 - 1)


def random_shapes(rng, inputs: int = 2) -> list[list[int]]:
    """Shapes that broadcast together: an output shape of rank 1-5 and, per input, a rank up to it (0: a
    scalar) with each dimension the output's or 1, so every dimension broadcasts one way or the other;
    now and then all the same shape."""
    out = [int(d) for d in rng.integers(1, 5, size=int(rng.integers(1, 6)))]
    if rng.random() < 0.2:
        return [list(out) for _ in range(inputs)]  # no broadcasting: the plain loop
    shapes = []
    for _ in range(inputs):
        rank = len(out) if rng.random() < 0.5 else int(rng.integers(0 if inputs == 2 else 1, len(out) + 1))
        shapes.append([d if rng.random() < 0.7 else 1 for d in out[len(out) - rank:]])
    return shapes


def binary_cases(rng, ops, dtypes, count: int) -> list[Case]:
    """``count`` single-op models of random ops, types, shapes, activations, quantization, with the second
    input a constant or a graph input."""
    cases = []
    for i in range(count):
        op, dtype = str(rng.choice(ops)), str(rng.choice(dtypes))
        shape1, shape2 = random_shapes(rng)
        activation, constant, seed = int(rng.choice(ACTIVATIONS)), bool(rng.random() < 0.3), int(rng.integers(2**16))
        model = opmodels_binary.binary_model(np.random.default_rng(seed), op, dtype, shape1, shape2, activation,
                                             constant)
        cases.append(case(f"{op}_{dtype}_{shape1}_{shape2}_{i}", model, samples=3, seed=seed))
    return cases


def int32_cases(rng, ops, count: int) -> list[Case]:
    """``ops`` on int32 tensors (not quantized): values up to +-50,000, so that sums stay in range while
    products wrap around; divisors of DIV up to +-300 and never 0 (TFLM's division by zero traps)."""
    cases = []
    for i in range(count):
        op, (shape1, shape2) = str(rng.choice(ops)), random_shapes(rng)
        model = opmodels_binary.binary_model(rng, op, "int32", shape1, shape2, int(rng.choice(ACTIVATIONS)))
        info = read_model(model)
        first, second = (rng.integers(-50_000, 50_001, size=(3, *info.tensors[t].shape)).astype(np.int32)
                         for t in info.inputs)
        if op == "DIV":
            second = (second % 300 + 1) * np.where(second % 2 == 0, 1, -1).astype(np.int32)
        cases.append(Case(f"{op}_int32_{shape1}_{shape2}_{i}", model, (first, second)))
    return cases


def raw_comparison_cases(rng, count: int) -> list[Case]:
    """Comparisons of int32 inputs in a small range (so that equal values are common) and EQUAL and
    NOT_EQUAL of bool inputs: TFLM compares these as they are."""
    cases = []
    for i in range(count):
        dtype = "bool" if i % 4 == 3 else "int32"
        op = str(rng.choice(("EQUAL", "NOT_EQUAL") if dtype == "bool" else opmodels_binary.COMPARISONS))
        shape1, shape2 = random_shapes(rng)
        model = opmodels_binary.binary_model(rng, op, dtype, shape1, shape2)
        info = read_model(model)
        inputs = tuple(rng.integers(-2, 3, size=(3, *info.tensors[t].shape)).astype(dtype) for t in info.inputs)
        cases.append(Case(f"{op}_{dtype}_{shape1}_{shape2}_{i}", model, inputs))
    return cases


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(seed=SEEDS)
def test_add_sub_mul_squared_difference_are_bit_exact_with_tflm(target, seed, tmp_path):
    rng = np.random.default_rng(seed)
    cases = binary_cases(rng, ("ADD", "SUB", "MUL", "SQUARED_DIFFERENCE"), ("int8",), 24)
    cases += binary_cases(rng, ("ADD", "SUB", "MUL", "SQUARED_DIFFERENCE"), ("int16",), 8)
    cases += int32_cases(rng, ("ADD", "SUB", "MUL"), 6)
    assert_batch_bit_exact(cases, target, tmp_path)


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(seed=SEEDS)
def test_maximum_minimum_comparisons_and_select_are_bit_exact_with_tflm(target, seed, tmp_path):
    rng = np.random.default_rng(seed)
    cases = binary_cases(rng, ("MAXIMUM", "MINIMUM"), ("int8", "int16", "int32"), 8)
    cases += binary_cases(rng, opmodels_binary.COMPARISONS, ("int8",), 18)
    cases += raw_comparison_cases(rng, 8)
    for i in range(8):
        dtype, shapes = str(rng.choice(["int8", "int16", "float32"])), random_shapes(rng, 3)
        model = opmodels_binary.select_model(np.random.default_rng(i), dtype, *shapes)
        cases.append(case(f"SELECT_V2_{dtype}_{shapes}_{i}", model, seed=i))
    assert_batch_bit_exact(cases, target, tmp_path)


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(seed=SEEDS)
def test_div_is_bit_exact_with_tflm(target, seed, tmp_path):
    """int8 DIV (TFLM has no int16 DIV) on divisors other than zero: TFLM's result for a zero divisor is
    undefined behaviour of its C++; and int32 DIV."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(16):
        shape1, shape2 = random_shapes(rng)
        model = opmodels_binary.binary_model(rng, "DIV", "int8", shape1, shape2, int(rng.choice(ACTIVATIONS)))
        info = read_model(model)
        dividend, divisor = random_inputs(info, 3, i)
        zero = info.tensors[info.inputs[1]].quantization.zero_points[0]
        divisor = np.where(divisor == zero, np.int8(zero - 1 if zero > -128 else zero + 1), divisor).astype(np.int8)
        cases.append(Case(f"DIV_{shape1}_{shape2}_{i}", model, (dividend, divisor)))
    assert_batch_bit_exact(cases + int32_cases(rng, ("DIV",), 4), target, tmp_path)


def test_the_output_walk_merges_dimensions_that_advance_alike():
    """Same shapes and a scalar input are one loop; a broadcast dimension breaks the walk into loops, each
    input with stride 0 where it repeats; dimensions of 1 vanish."""
    assert broadcast_loops((2, 3, 4), (2, 3, 4), (2, 3, 4)) == [Loop(24, (1, 1))]
    assert broadcast_loops((2, 3, 4), (2, 3, 4), (1,)) == [Loop(24, (1, 0))]
    assert broadcast_loops((2, 3, 4), (2, 1, 4), (3, 1)) == [Loop(4, (1, 0)), Loop(3, (0, 1)), Loop(2, (4, 0))]
    assert broadcast_loops((5, 1, 6), (5, 1, 1), (6,)) == [Loop(6, (0, 1)), Loop(5, (1, 0))]
    assert broadcast_loops((1, 1), (1,), (1, 1)) == [Loop(1, (0, 0))]


def test_every_op_of_this_family_is_registered():
    assert {"ADD", "SUB", "MUL", "SQUARED_DIFFERENCE", "DIV", "MAXIMUM", "MINIMUM", "SELECT_V2",
            *opmodels_binary.COMPARISONS} <= supported_ops()


@pytest.mark.parametrize("maker, message", [
    (lambda rng: opmodels_binary.binary_model(rng, "MUL", "int8", [2, 3], [4], out_shape=[2, 4]),
     "do not broadcast"),
    (lambda rng: _with_zero_point(opmodels_binary.binary_model(rng, "MUL", "int16", [3], [3])),
     "int16 with a zero point other than 0"),
    (lambda rng: opmodels_binary.binary_model(rng, "ADD", "int8", [2, 1, 1, 1, 1, 1, 1, 1, 3], [3]),
     "at most 8"),
])
def test_what_tflm_refuses_is_refused_with_the_reason(maker, message):
    model = maker(np.random.default_rng(0))
    with pytest.raises(ModelError, match=message):
        generate(model, read_model(model))


def _with_zero_point(model: bytes) -> bytes:
    """The model with its first tensor's zero point set to 3."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    from tests.opmodels import Builder

    tree = schema.ModelT.InitFromPackedBuf(model, 0)
    tree.subgraphs[0].tensors[0].quantization.zeroPoint = [3]
    builder = Builder()
    builder.model = tree
    builder.graph = tree.subgraphs[0]
    return builder.finish(builder.graph.inputs, builder.graph.outputs)


@pytest.fixture(scope="module")
def converted_chain() -> bytes:
    """A Keras model of the elementwise ops, converted to full int8 by TensorFlow's converter through
    edgekit.quantize: SUB, MAXIMUM, MUL, SQUARED_DIFFERENCE, GREATER, SELECT_V2, ADD and DIV with the
    broadcasts and scalar constants the converter makes (the where broadcasts a value: a where of equal
    shapes converts to SELECT, which TFLM does not run)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from edgekit.loading import import_tensorflow
    from edgekit.quantization import quantize

    tf = import_tensorflow()
    import keras
    from keras import layers, ops

    rng = np.random.default_rng(5)
    side = rng.normal(size=(1, 4)).astype(np.float32)
    x = keras.Input((6, 4))
    shifted = layers.Lambda(lambda t: ops.maximum(t - side, side * 0.5))(x)
    spread = layers.Lambda(lambda t: ops.square(t[0] - t[1]))([shifted, x])
    chosen = layers.Lambda(lambda t: tf.where(t[0] > t[1], t[0], side * 0.5))([spread, shifted])
    out = layers.Lambda(lambda t: t[0] / (t[1] * t[1] + 1.0))([chosen, x])
    model = keras.Model(x, out)
    return quantize(model, rng.normal(size=(100, 6, 4)).astype(np.float32), layer_errors=False).tflite


@pytest.mark.parametrize("target", TARGETS)
def test_a_converted_model_of_elementwise_ops_is_bit_exact_and_writes_in_place(converted_chain, target, tmp_path):
    info = read_model(converted_chain)
    ops = {op.op for op in info.operators}
    assert {"SUB", "MAXIMUM", "GREATER", "SELECT_V2", "DIV"} <= ops, ops
    aliased = {info.operators[[o.outputs[0] for o in info.operators].index(t)].op for t in inplace_aliases(info)}
    assert aliased & {"SUB", "MAXIMUM", "SELECT_V2", "DIV"}, aliased
    assert_batch_bit_exact([case("converted_chain", converted_chain, samples=6)], target, tmp_path)
