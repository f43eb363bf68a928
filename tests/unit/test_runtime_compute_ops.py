"""The edgekit runtime's reductions (MEAN, SUM, REDUCE_MAX, REDUCE_MIN), ARG_MAX and ARG_MIN, the two
resizes, TRANSPOSE_CONV and BATCH_MATMUL are bit-exact with the tflite-micro interpreter: random single-op
models (ranks, negative and repeated axes, keep_dims, align_corners and half_pixel_centers, strides,
padding, activations, per-channel and per-tensor weights, broadcast batches, constant or computed
operands), one batch per family and target, on the host, QEMU's Cortex-M4 (DSP path) and Cortex-M3
(plain C)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from edgekit import host
from edgekit.errors import InterpreterCrash, ModelError
from edgekit.reader import read_model
from tests import opmodels_compute as models
from tests.opmodels import ACTIVATIONS, SAME, VALID
from tests.runtime_batch import TARGETS, Case, assert_batch_bit_exact, case, varied

# One batch per target. Hypothesis's first example is the all-minimal one (every case shape [1]), so
# ``varied`` rejects batches with repeated cases and the one example drawn is a random, varied batch; no
# shrinking (a failure names its cases, and shrinking would rerun the batch for minutes).
PROPERTY = settings(max_examples=1, derandomize=True, deadline=None, phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.filter_too_much])


#: int8 values that make ties and hit the ends of the range.
EDGE_VALUES = np.array([-128, -127, -1, 0, 1, 126, 127], dtype=np.int8)


def edge_case(name: str, model: bytes, seed: int, samples: int = 3) -> Case:
    """A case whose int8 inputs come from a few values only: many ties, and -128 and 127 everywhere."""
    rng = np.random.default_rng(seed)
    inputs = tuple(rng.choice(EDGE_VALUES, size=(samples, *t.shape[1:]) if t.shape[0] == 1 else (samples, *t.shape))
                   for t in read_model(model).input_tensors)
    return Case(name, model, inputs)


@st.composite
def reductions(draw):
    """(op, shape, axes, keep_dims, seed): ranks 1 to 6, axes negative or repeated, at most ~700 values."""
    rank = draw(st.integers(1, 6))
    limit = {1: 40, 2: 20, 3: 8, 4: 5, 5: 4, 6: 3}[rank]
    shape = draw(st.lists(st.integers(1, limit), min_size=rank, max_size=rank))
    axes = draw(st.lists(st.integers(-rank, rank - 1), min_size=0 if rank > 1 else 1, max_size=rank + 1))
    op = draw(st.sampled_from(sorted(models.REDUCERS)))
    return op, shape, axes, draw(st.booleans()), draw(st.integers(0, 2**16))


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(params=varied(reductions(), 24))
def test_reductions_are_bit_exact_with_tflm(target, params, tmp_path):
    cases = [case(f"{op}{i}", models.reduce_model(np.random.default_rng(seed), op, shape, axes, keep), seed=seed)
             for i, (op, shape, axes, keep, seed) in enumerate(params)]
    # the MEAN shapes TFLM once ran through special int8 paths (4-D over H and W), and max/min with ties
    cases.append(case("mean_hw", models.reduce_model(np.random.default_rng(1), "MEAN", [1, 7, 5, 3], [1, 2], True)))
    cases.append(case("mean_hw_flat", models.reduce_model(np.random.default_rng(2), "MEAN", [2, 4, 4, 8], [2, 1],
                                                          False)))
    cases.append(case("sum_all", models.reduce_model(np.random.default_rng(3), "SUM", [3, 5, 7], [0, 1, 2], False)))
    cases.append(edge_case("max_ties", models.reduce_model(np.random.default_rng(4), "REDUCE_MAX", [2, 3, 4], [-1],
                                                           False), seed=4))
    cases.append(edge_case("min_ties", models.reduce_model(np.random.default_rng(5), "REDUCE_MIN", [2, 3, 4], [0, 2],
                                                           True), seed=5))
    assert_batch_bit_exact(cases, target, tmp_path)


@st.composite
def arg_ops(draw):
    """(op, shape, axis): ranks 1 to 5, negative axes."""
    rank = draw(st.integers(1, 5))
    shape = draw(st.lists(st.integers(1, {1: 30, 2: 12, 3: 6, 4: 4, 5: 3}[rank]), min_size=rank, max_size=rank))
    return draw(st.sampled_from(["ARG_MAX", "ARG_MIN"])), shape, draw(st.integers(-rank, rank - 1))


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(params=varied(arg_ops(), 16))
def test_arg_min_and_max_are_bit_exact_with_tflm(target, params, tmp_path):
    # half the cases draw from a few values, so that ties (the first index wins) are common
    cases = [(edge_case if i % 2 else case)(f"{op}{i}", models.arg_model(None, op, shape, axis), seed=i)
             for i, (op, shape, axis) in enumerate(params)]
    assert_batch_bit_exact(cases, target, tmp_path)


@st.composite
def resizes(draw):
    """(op, shape, out_hw, align_corners, half_pixel, dtype, seed): up- and downscaling, 1-pixel sides."""
    op = draw(st.sampled_from(["RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"]))
    shape = [draw(st.integers(1, 2)), draw(st.integers(1, 6)), draw(st.integers(1, 6)), draw(st.integers(1, 5))]
    out_hw = (draw(st.integers(1, 13)), draw(st.integers(1, 13)))
    mode = draw(st.sampled_from(["plain", "align_corners", "half_pixel"]))
    dtype = draw(st.sampled_from(["int8", "int16"])) if op == "RESIZE_NEAREST_NEIGHBOR" else "int8"
    return op, shape, out_hw, mode == "align_corners", mode == "half_pixel", dtype, draw(st.integers(0, 2**16))


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(params=varied(resizes(), 24))
def test_resizes_are_bit_exact_with_tflm(target, params, tmp_path):
    cases = [case(f"{op}{i}", models.resize_model(np.random.default_rng(seed), op, shape, out_hw, align, half, dtype),
                  seed=seed)
             for i, (op, shape, out_hw, align, half, dtype, seed) in enumerate(params)]
    cases.append(edge_case("bilinear_edges", models.resize_model(np.random.default_rng(1), "RESIZE_BILINEAR",
                                                                 [1, 3, 3, 2], (8, 7), False, True), seed=1))
    assert_batch_bit_exact(cases, target, tmp_path)


@st.composite
def transpose_convs(draw):
    """The arguments of :func:`models.transpose_conv_model` after its ``rng``."""
    return (draw(st.integers(1, 2)), draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(1, 9)),
            draw(st.integers(1, 5)), draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3)),
            draw(st.integers(1, 3)), draw(st.sampled_from([SAME, VALID])), draw(st.sampled_from(ACTIVATIONS)),
            draw(st.booleans()), draw(st.booleans()))


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(params=varied(st.tuples(st.integers(0, 2**16), transpose_convs()), 16))
def test_transpose_conv_is_bit_exact_with_tflm(target, params, tmp_path):
    cases = [case(f"transpose_conv{i}", models.transpose_conv_model(np.random.default_rng(seed), *args), seed=seed)
             for i, (seed, args) in enumerate(params)]
    assert_batch_bit_exact(cases, target, tmp_path)


@st.composite
def batch_matmuls(draw):
    """(batch_lhs, batch_rhs, rows, depth, cols, adj_x, adj_y, constant operand, seed): batch dimensions
    that broadcast (either side 1 or missing), total rank 2 to 5."""
    out_batch = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    batch_lhs = [n if draw(st.booleans()) else 1 for n in out_batch]
    batch_rhs = [n if draw(st.booleans()) else 1 for n in out_batch]
    batch_lhs = batch_lhs[draw(st.integers(0, len(batch_lhs))):]  # drop leading dims: lower rank
    batch_rhs = batch_rhs[draw(st.integers(0, len(batch_rhs))):]
    return (batch_lhs, batch_rhs, draw(st.integers(1, 5)), draw(st.integers(1, 19)), draw(st.integers(1, 5)),
            draw(st.booleans()), draw(st.booleans()), draw(st.sampled_from(["", "lhs", "rhs"])),
            draw(st.integers(0, 2**16)))


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(params=varied(batch_matmuls(), 16))
def test_batch_matmul_is_bit_exact_with_tflm(target, params, tmp_path):
    cases = [case(f"batch_matmul{i}", models.batch_matmul_model(np.random.default_rng(p[-1]), *p[:-1]), seed=p[-1])
             for i, p in enumerate(params)]
    assert_batch_bit_exact(cases, target, tmp_path)


def test_what_tflm_refuses_is_refused_with_the_reason():
    """ARG_MAX with int64 indices and a REDUCE_MAX that would requantize do not run in TFLM either: the
    generator names the problem instead of emitting C."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    from edgekit.codegen import generate
    from tests.opmodels import Builder

    int64 = models.arg_model(None, "ARG_MAX", [1, 4, 5], 1, "int64")
    with pytest.raises(InterpreterCrash):
        host.run_tflm_tensors(int64, [np.zeros((1, 4, 5), dtype=np.int8)])
    with pytest.raises(ModelError, match="op 0: ARG_MAX takes INT8 to INT64 indices"):
        generate(int64, read_model(int64))
    b = Builder()
    x = b.tensor([1, 4, 5], "int8", 0.05, 0)
    axis = b.tensor([1], "int32", data=np.asarray([1], dtype=np.int32))
    y = b.tensor([1, 5], "int8", 0.1, 0)
    b.operator(schema.BuiltinOperator.REDUCE_MAX, [x, axis], [y], schema.BuiltinOptions.ReducerOptions,
               schema.ReducerOptionsT(), 2)
    requantizing = b.finish([x], [y])
    with pytest.raises(ModelError, match="op 0: REDUCE_MAX has different input and output quantization"):
        generate(requantizing, read_model(requantizing))


@pytest.fixture(scope="module")
def converted_model() -> bytes:
    """A Keras model the real TFLite converter turns into TRANSPOSE_CONV, both resizes, REDUCE_MAX, MEAN,
    SUM, ARG_MAX and an attention-style BATCH_MATMUL (both operands computed), full int8."""
    from edgekit.loading import import_tensorflow

    tf = import_tensorflow()
    import keras

    keras.utils.set_random_seed(0)
    x = keras.Input((8, 8, 3), batch_size=1)
    up = keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same")(x)
    bilinear = keras.layers.UpSampling2D(2, interpolation="bilinear")(x)
    nearest = keras.layers.Lambda(lambda t: tf.image.resize(t, (16, 16), method="nearest"))(x)
    indices = keras.layers.Lambda(lambda t: tf.math.argmax(t, axis=-1, output_type=tf.int32))(
        keras.layers.Conv2D(5, 3)(x))
    sequence = keras.layers.Reshape((64, 3))(x)
    query, key = keras.layers.Dense(4)(sequence), keras.layers.Dense(4)(sequence)
    scores = keras.ops.matmul(query, keras.ops.transpose(key, (0, 2, 1)))
    outputs = [up, keras.ops.max(up, axis=(1, 2)), keras.ops.sum(bilinear, axis=-1),
               keras.ops.mean(nearest, axis=(1, -1)), indices, scores]
    converter = tf.lite.TFLiteConverter.from_keras_model(keras.Model(x, outputs))
    samples = np.random.default_rng(0).uniform(-1, 1, (64, 1, 8, 8, 3)).astype(np.float32)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([sample] for sample in samples)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = converter.inference_output_type = tf.int8
    return converter.convert()


@pytest.mark.parametrize("target", TARGETS)
def test_a_converted_model_with_these_ops_is_bit_exact_with_tflm(converted_model, target, tmp_path):
    ops = set(read_model(converted_model).ops)
    assert {"TRANSPOSE_CONV", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR", "REDUCE_MAX", "MEAN", "SUM", "ARG_MAX",
            "BATCH_MATMUL"} <= ops
    assert_batch_bit_exact([case("converted", converted_model, samples=4)], target, tmp_path)
