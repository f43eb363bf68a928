"""The edgekit runtime's unary ops against the tflite-micro interpreter, bit for bit, on the host, on
QEMU's Cortex-M4 and on its Cortex-M3: the RELU family, LEAKY_RELU, PRELU, HARD_SWISH and ELU in one
batch per target; ABS, NEG, RSQRT, LOG_SOFTMAX, L2_NORMALIZATION, QUANTIZE and DEQUANTIZE in another.
Each batch mixes drawn cases with the edge cases TFLM's own kernel tests pin down (zero points at the
ends of the range, scale ratios above and below one, alpha negative, zero and above one, broadcast
alpha), and int8 inputs run through all 256 values."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgekit import host
from edgekit.codegen import generate, inplace_aliases, render_runtime_sources
from edgekit.errors import ModelError
from edgekit.reader import read_model
from tests.helpers_c import WARNINGS, compiler, write_runtime_main
from tests.opmodels_unary import chain_model, prelu_model, unary_model
from tests.runtime_batch import TARGETS, Case, assert_batch_bit_exact, random_inputs

PROPERTY = settings(max_examples=1, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

RATIOS = (0.05, 0.3, 0.9, 1.0, 1.7, 4.0, 13.0)  # output scale / input scale: multipliers below and above one
ALPHAS = (-2.0, -0.3, 0.0, 0.01, 0.2, 1.0, 5.5)


def draw_cases(seed: int, count: int, ops, choices: int) -> list[tuple]:
    """``count`` parameter tuples ``(op, choice, s_in, zp_in, ratio, zp_out, alpha, depth, seed)`` drawn from
    ``seed``, cycling through ``ops`` so that each op gets its share. Hypothesis draws the seed: its first
    example is the simplest one, so tuples drawn by hypothesis itself would all be alike in a one-example
    run, where a seeded generator spreads them over the whole space."""
    rng = np.random.default_rng(seed)

    def zero_point() -> int:  # the ends of the range a third of the time
        return int(rng.choice([-128, 127, 0])) if rng.random() < 0.35 else int(rng.integers(-128, 128))

    def scale() -> float:  # log-uniform over [0.002, 1], a float32 as the model stores it
        return float(np.float32(np.exp(rng.uniform(np.log(0.002), 0))))

    return [(ops[k % len(ops)], int(rng.integers(0, choices)), scale(), zero_point(), float(rng.choice(RATIOS)),
             zero_point(), float(rng.choice(ALPHAS)), int(rng.integers(1, 41)), int(rng.integers(0, 2**16)))
            for k in range(count)]


def int8_case(name: str, model: bytes, seed: int, low: int = -128) -> Case:
    """A case whose first sample runs every int8 value from ``low`` up (shuffled, repeated to fill the
    input), the second one random values in the same range."""
    rng = np.random.default_rng(seed)
    tensor = read_model(model).input_tensors[0]
    size = tensor.num_elements
    every = np.resize(rng.permutation(np.arange(low, 128)), size)
    drawn = rng.integers(low, 128, size)
    return Case(name, model, (np.stack([every, drawn]).astype(np.int8).reshape(2, *sample_shape(tensor)),))


def sample_shape(tensor) -> tuple[int, ...]:
    """One sample's shape, as tests.runtime_batch lays inputs out: without a leading batch of 1."""
    return tuple(tensor.shape[1:] if tensor.shape and tensor.shape[0] == 1 else tensor.shape)


def drawn_case(name: str, model: bytes, seed: int) -> Case:
    """A case with three random samples over the input type's whole range."""
    return Case(name, model, random_inputs(read_model(model), 3, seed))


def nonnegative_case(name: str, model: bytes, seed: int, zero_point: int) -> Case:
    """RSQRT's inputs: TFLM fails on values below the zero point, so only those at or above it."""
    tensor = read_model(model).input_tensors[0]
    if tensor.dtype == "INT8":
        return int8_case(name, model, seed, low=zero_point)
    values = np.random.default_rng(seed).integers(0, 32768, (3, *sample_shape(tensor)))
    return Case(name, model, (values.astype(np.int16),))


# --- the activations batch ------------------------------------------------------------------------

PRELU_SHAPES = [  # input, alpha, output
    ([1, 4, 5, 6], [6], [1, 4, 5, 6]),
    ([1, 4, 5, 6], [1, 1, 6], [1, 4, 5, 6]),
    ([1, 4, 5, 6], [4, 1, 6], [1, 4, 5, 6]),
    ([1, 4, 5, 6], [1, 4, 5, 6], [1, 4, 5, 6]),
    ([1, 1, 5, 6], [4, 1, 1], [1, 4, 5, 6]),  # the input broadcasts too
    ([2, 3, 4], [3, 1], [2, 3, 4]),
    ([1, 9], [1], [1, 9]),
]


def activation_case(index: int, op: str, dtype: str, s_in: float, zp_in: int, ratio: float, zp_out: int,
                    alpha: float, seed: int) -> Case:
    """One activation model with the constraints TFLM puts on it, and inputs for it."""
    if op in ("HARD_SWISH", "ELU"):
        dtype = "int8"  # TFLM runs them on int8 only
    name = f"{op.lower()}_{dtype}_{index}"
    if dtype == "int16":
        zp_in = zp_out = 0  # TFLM's int16 RELU wants zero points 0; the others are fine with it
    s_out = s_in * ratio
    if op == "HARD_SWISH":
        s_out = s_in * min(ratio, 2.0) / 4  # TFLM rejects output scales at or below 1/128 of the input scale
    rng = np.random.default_rng(seed)
    if op == "PRELU":
        shape, alpha_shape, out_shape = PRELU_SHAPES[index % len(PRELU_SHAPES)]
        alpha_q = (float(rng.uniform(0.002, 0.05)), int(rng.integers(-128, 128)))
        model = prelu_model(rng, shape, alpha_shape, out_shape, dtype, (s_in, zp_in), alpha_q, (s_out, zp_out))
        return drawn_case(name, model, seed)
    model = unary_model(op, [1, 5, 52], dtype, (s_in, zp_in), dtype, (s_out, zp_out),
                        alpha=alpha if op == "LEAKY_RELU" else None)
    return int8_case(name, model, seed) if dtype == "int8" else drawn_case(name, model, seed)


#: Unary ops in a row: each intermediate output is written over its input.
IN_PLACE_CHAIN = (("LEAKY_RELU", -0.3), ("HARD_SWISH", None), ("ELU", None), ("RELU", None), ("ABS", None),
                  ("QUANTIZE", None), ("RELU6", None), ("L2_NORMALIZATION", None))
ACTIVATION_OPS = ("RELU", "RELU6", "LEAKY_RELU", "PRELU", "HARD_SWISH", "ELU")
#: What TFLM's activation tests pin down, whatever hypothesis draws.
ACTIVATION_EDGES = [
    ("RELU", "int8", 0.05, -128, 1.0, -128, 0.0), ("RELU", "int8", 0.05, 127, 0.3, 127, 0.0),
    ("RELU", "int8", 0.02, 5, 1.0, 5, 0.0), ("RELU", "int16", 0.001, 0, 4.0, 0, 0.0),
    ("RELU6", "int8", 0.1, -128, 1.0, -128, 0.0), ("RELU6", "int8", 0.01, 100, 1.0, 100, 0.0),
    ("RELU6", "int16", 0.0005, 0, 1.0, 0, 0.0),
    ("LEAKY_RELU", "int8", 0.05, 0, 1.0, 0, 0.2), ("LEAKY_RELU", "int8", 0.05, 127, 0.3, -128, -0.5),
    ("LEAKY_RELU", "int8", 0.05, -128, 4.0, 127, 3.0), ("LEAKY_RELU", "int8", 0.05, 10, 1.0, -3, 0.0),
    ("LEAKY_RELU", "int16", 0.001, 0, 0.5, 0, -1.5),
    ("PRELU", "int8", 0.05, -128, 0.3, 127, 0.0), ("PRELU", "int16", 0.001, 0, 1.7, 0, 0.0),
    ("HARD_SWISH", "int8", 0.05, -128, 1.0, 127, 0.0), ("HARD_SWISH", "int8", 0.2, 60, 0.1, -100, 0.0),
    ("ELU", "int8", 0.1, 127, 0.3, -128, 0.0), ("ELU", "int8", 0.05, -128, 1.0, 0, 0.0),
]


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(seed=st.integers(0, 2**32 - 1))
def test_activations_are_bit_exact_with_tflm(target, seed, tmp_path):
    drawn = [activation_case(i, op, ("int8", "int16")[choice], s_in, zp_in, ratio, zp_out, alpha, case_seed)
             for i, (op, choice, s_in, zp_in, ratio, zp_out, alpha, _, case_seed) in
             enumerate(draw_cases(seed, 24, ACTIVATION_OPS, 2))]
    edges = [activation_case(100 + i, *p, seed=i) for i, p in enumerate(ACTIVATION_EDGES)]
    chain = int8_case("in_place_chain", chain_model(np.random.default_rng(seed), IN_PLACE_CHAIN, [1, 4, 64]), seed)
    assert_batch_bit_exact(drawn + edges + [chain], target, tmp_path)


# --- the elementwise, normalisation and quantization batch ------------------------------------------

REQUANTIZE_PAIRS = [("int8", "int8"), ("int8", "uint8"), ("uint8", "int8"), ("int8", "int16"), ("int8", "int32"),
                    ("int16", "int8"), ("int16", "int16"), ("int16", "int32"), ("int32", "int8"),
                    ("int32", "int16"), ("float32", "int8"), ("float32", "int16")]
ZERO_POINT_RANGE = {"int8": (-128, 127), "uint8": (0, 255), "int16": (0, 0), "int32": (0, 0), "float32": (0, 0)}


def other_case(index: int, op: str, pair: int, s_in: float, zp_in: int, ratio: float, zp_out: int, depth: int,
               seed: int) -> Case:
    """One ABS / NEG / RSQRT / LOG_SOFTMAX / L2_NORMALIZATION / QUANTIZE / DEQUANTIZE model and inputs."""
    rng = np.random.default_rng(seed)
    name = f"{op.lower()}_{index}"
    shape = [2, 3, depth]
    if op in ("ABS", "RSQRT"):
        dtype = "int16" if pair % 3 == 0 else "int8"
        if dtype == "int16":
            zp_in = zp_out = 0
        s_out = s_in * ratio if op == "ABS" else float(1.0 / np.sqrt(s_in) / 100 * ratio)
        if op == "ABS" and pair % 4 == 1:
            s_out = s_in  # the same scale: TFLM's path without rescaling
        model = unary_model(op, shape, dtype, (s_in, zp_in), dtype, (s_out, zp_out))
        if op == "RSQRT":
            return nonnegative_case(name, model, seed, zp_in)
        return int8_case(name, model, seed) if dtype == "int8" else drawn_case(name, model, seed)
    if op in ("NEG", "ABS_FLOAT"):
        model = unary_model(op.split("_")[0], shape, "float32", (None, 0), "float32", (None, 0))
        return drawn_case(name, model, seed)
    if op == "LOG_SOFTMAX":
        model = unary_model(op, shape, "int8", (s_in, zp_in), "int8", (16.0 / 256, 127))
        return int8_case(name, model, seed)
    if op == "L2_NORMALIZATION":
        model = unary_model(op, shape, "int8", (s_in, zp_in), "int8", (1.0 / 128, 0))
        return int8_case(name, model, seed)
    if op == "DEQUANTIZE":
        dtype = ("int8", "int16", "uint8")[pair % 3]
        zp = int(np.clip(zp_in + (128 if dtype == "uint8" else 0), *ZERO_POINT_RANGE[dtype]))
        model = unary_model(op, shape, dtype, (s_in, zp), "float32", (None, 0))
        return drawn_case(name, model, seed)
    in_type, out_type = REQUANTIZE_PAIRS[pair % len(REQUANTIZE_PAIRS)]
    zps = [int(np.clip(z + (128 if t == "uint8" else 0), *ZERO_POINT_RANGE[t]))
           for z, t in ((zp_in, in_type), (zp_out, out_type))]
    model = unary_model("QUANTIZE", shape, in_type, (s_in, zps[0]), out_type, (s_in * ratio, zps[1]))
    return int8_case(name, model, seed) if in_type == "int8" else drawn_case(name, model, seed)


OTHER_OPS = ["ABS", "ABS_FLOAT", "NEG", "RSQRT", "LOG_SOFTMAX", "L2_NORMALIZATION", "QUANTIZE", "DEQUANTIZE"]
#: Every requantized type pair, both zero-point ends, and the ops at the ends of their ranges.
OTHER_EDGES = [("QUANTIZE", k, 0.05, -128 if k % 2 else 127, (0.3, 3.0)[k % 2], 127 if k % 2 else -128, 4)
               for k in range(len(REQUANTIZE_PAIRS))] + [
    ("ABS", 1, 0.05, -128, 1.0, 127, 7), ("ABS", 2, 0.05, 127, 0.3, -128, 7), ("ABS", 0, 0.001, 0, 3.0, 0, 7),
    ("RSQRT", 1, 0.05, -128, 1.0, -128, 7), ("RSQRT", 2, 0.3, 0, 0.5, 127, 7), ("RSQRT", 0, 0.002, 0, 1.0, 0, 7),
    ("LOG_SOFTMAX", 0, 0.5, 127, 1.0, 0, 1), ("LOG_SOFTMAX", 0, 0.01, -128, 1.0, 0, 40),
    ("L2_NORMALIZATION", 0, 0.05, -128, 1.0, 0, 1), ("L2_NORMALIZATION", 0, 0.05, 127, 1.0, 0, 64),
    ("DEQUANTIZE", 0, 0.05, -128, 1.0, 0, 4), ("DEQUANTIZE", 1, 0.0001, 0, 1.0, 0, 4),
    ("DEQUANTIZE", 2, 0.05, 127, 1.0, 0, 4), ("NEG", 0, 1.0, 0, 1.0, 0, 5),
]


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(seed=st.integers(0, 2**32 - 1))
def test_elementwise_normalisation_and_quantize_ops_are_bit_exact_with_tflm(target, seed, tmp_path):
    drawn = [other_case(i, op, choice, s_in, zp_in, ratio, zp_out, depth, case_seed)
             for i, (op, choice, s_in, zp_in, ratio, zp_out, _, depth, case_seed) in
             enumerate(draw_cases(seed, 24, OTHER_OPS, 36))]
    edges = [other_case(100 + i, *p, seed=i) for i, p in enumerate(OTHER_EDGES)]
    assert_batch_bit_exact(drawn + edges, target, tmp_path)


def test_unary_ops_write_their_outputs_over_their_inputs():
    info = read_model(chain_model(np.random.default_rng(0), IN_PLACE_CHAIN, [1, 4, 64]))
    aliases = inplace_aliases(info)
    # the first op reads the graph input, which is never written over; every later output takes the
    # bytes of the first intermediate tensor, so the arena holds two tensors, not nine
    first = info.operators[0].outputs[0]
    assert aliases == {op.outputs[0]: first for op in info.operators[1:]}
    assert generate(chain_model(np.random.default_rng(0), IN_PLACE_CHAIN, [1, 4, 64]), info).arena_bytes == 2 * 256


# --- what TFLM does not run -----------------------------------------------------------------------

def run_on_host(model: bytes, inputs: np.ndarray, folder) -> np.ndarray:
    """The generated C of a one-input int8 model, compiled for the host, run on each sample of ``inputs``."""
    info = read_model(model)
    folder.mkdir(parents=True, exist_ok=True)
    sources = []
    for name, text in render_runtime_sources(model, info, "/* test */").items():
        (folder / name).write_text(text)
        sources += [str(folder / name)] if name.endswith(".c") else []
    write_runtime_main(folder, info.input_tensors[0].nbytes, info.output_tensors[0].nbytes)
    program = folder / "run"
    subprocess.run([compiler("gcc"), "-std=c99", "-O1", *WARNINGS, f"-I{folder}", str(folder / "main.c"), *sources,
                    "-o", str(program)], check=True, capture_output=True)
    done = subprocess.run([str(program)], input=inputs.tobytes(), capture_output=True, check=True)
    return np.frombuffer(done.stdout, dtype=np.int8).reshape(inputs.shape)


@pytest.mark.parametrize("op, s_in, zp_in, s_out, zp_out", [
    ("RELU_N1_TO_1", 0.02, 0, 0.01, 0), ("RELU_N1_TO_1", 0.05, -128, 0.008, 127), ("RELU_N1_TO_1", 0.01, 30, 0.05, -7),
    ("RELU_0_TO_1", 0.01, 127, 0.004, -128), ("RELU_0_TO_1", 0.03, -20, 0.02, 3),
])
def test_relu_n1_to_1_and_0_to_1_match_tensorflow_lite(op, s_in, zp_in, s_out, zp_out, tmp_path):
    # TFLM registers neither op, so TensorFlow Lite's reference kernels are the reference here
    model = unary_model(op, [1, 256], "int8", (s_in, zp_in), "int8", (s_out, zp_out))
    inputs = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    np.testing.assert_array_equal(run_on_host(model, inputs, tmp_path), host.run_tflite(model, inputs))


@pytest.mark.parametrize("op, in_type, out_type, in_q, out_q, problem", [
    ("HARD_SWISH", "int16", "int16", (0.01, 0), (0.01, 0), "HARD_SWISH on int8"),
    ("HARD_SWISH", "int8", "int8", (0.5, 0), (0.001, 0), "1/128 of its input scale"),
    ("ELU", "int16", "int16", (0.01, 0), (0.01, 0), "ELU on int8"),
    ("NEG", "int8", "int8", (0.01, 0), (0.01, 0), "NEG on float32 only"),
    ("RELU", "int16", "int16", (0.01, 3), (0.01, 0), "nonzero zero point"),
    ("RSQRT", "int16", "int16", (0.01, 0), (0.01, 5), "nonzero zero point"),
    ("LOG_SOFTMAX", "int8", "int8", (0.1, 0), (1.0 / 256, -128), "scale 16/256 and zero point 127"),
    ("QUANTIZE", "int16", "uint8", (0.1, 0), (0.1, 0), "INT16 to UINT8"),
    ("DEQUANTIZE", "int32", "float32", (0.1, 0), (None, 0), "dequantizes INT32"),
])
def test_variants_tflm_rejects_are_refused_with_the_fix(op, in_type, out_type, in_q, out_q, problem):
    model = unary_model(op, [1, 8], in_type, in_q, out_type, out_q)
    with pytest.raises(ModelError) as error:
        generate(model, read_model(model))
    assert problem in str(error.value) and "use --runtime tflm" in str(error.value)



# --- a model from the TensorFlow converter ----------------------------------------------------------

@pytest.fixture(scope="module")
def converted_activations_model() -> bytes:
    """A Keras model whose activations the converter keeps as their own int8 ops (LEAKY_RELU, PRELU,
    HARD_SWISH, ABS, L2_NORMALIZATION, LOG_SOFTMAX), quantized by edgekit with real TF conversion."""
    from edgekit.loading import import_tensorflow
    from edgekit.quantization import quantize

    tf = import_tensorflow()
    layers = tf.keras.layers
    inputs = tf.keras.Input((16,))
    x = layers.LeakyReLU(0.1)(layers.Dense(24)(inputs))
    x = layers.PReLU()(layers.Dense(24)(x))
    x = layers.Activation("hard_swish")(layers.Dense(24)(x))
    x = layers.Lambda(lambda t: tf.abs(t))(layers.Dense(24)(x))
    x = layers.Lambda(lambda t: tf.math.l2_normalize(t, axis=-1))(layers.Dense(24)(x))
    outputs = layers.Lambda(lambda t: tf.nn.log_softmax(t))(layers.Dense(10)(x))
    calibration = np.random.default_rng(0).normal(0, 1, (200, 16)).astype(np.float32)
    return quantize(tf.keras.Model(inputs, outputs), calibration, layer_errors=False).tflite


@pytest.mark.parametrize("target", TARGETS)
def test_a_converted_model_with_these_activations_is_bit_exact_with_tflm(converted_activations_model, target,
                                                                         tmp_path):
    ops = {op.op for op in read_model(converted_activations_model).operators}
    assert {"LEAKY_RELU", "PRELU", "HARD_SWISH", "ABS", "L2_NORMALIZATION", "LOG_SOFTMAX"} <= ops
    assert_batch_bit_exact([drawn_case("converted", converted_activations_model, 0)], target, tmp_path)
