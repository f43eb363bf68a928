"""Per-op property tests: single-op int8 models with random shapes, strides, padding, dilation, depth
multipliers, fused activations and broadcasting; the edgekit runtime's outputs must equal the tflite-micro
interpreter's bit for bit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgekit import host
from edgekit.codegen import all_kernel_families, generate, kernel_sources, render_runtime_sources
from edgekit.errors import ModelError
from edgekit.reader import read_model
from tests import opmodels
from tests.conftest import shared_model
from tests.helpers_c import compiler, write_runtime_main
from tests.runtime_batch import assert_batch_bit_exact, case

PROPERTY = settings(max_examples=8, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def kernels(tmp_path_factory) -> Path:
    """The whole kernel library compiled once (to objects) for all examples."""
    folder = tmp_path_factory.mktemp("kernels")
    sources = []
    for name, text in kernel_sources(all_kernel_families()).items():
        (folder / name).write_text(text)
        if name.endswith(".c"):
            sources.append(name)
    subprocess.run([compiler("gcc"), "-O1", "-std=c99", "-Wall", "-Wextra", "-Werror", "-c", *sources],
                   cwd=folder, check=True)
    return folder


def assert_bit_exact(model: bytes, kernels: Path, workdir: Path, samples: int = 4) -> None:
    """Runs ``samples`` random inputs through the generated C and through tflite-micro; they must agree."""
    info = read_model(model)
    sources = render_runtime_sources(model, info, "//")
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("ek_model.h", "ek_model.c", "ek_kernels.h"):
        (workdir / name).write_text(sources[name])
    n_in, n_out = info.input_tensors[0].num_elements, info.output_tensors[0].num_elements
    write_runtime_main(workdir, n_in, n_out)
    program = workdir / "run"
    done = subprocess.run([compiler("gcc"), "-O1", "-std=c99", "-Wall", "-Wextra", "-Werror", f"-I{kernels}",
                           "-o", str(program), str(workdir / "main.c"), str(workdir / "ek_model.c"),
                           *map(str, sorted(kernels.glob("*.o")))], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    shape = info.input_tensors[0].shape
    inputs = np.random.default_rng(11).integers(-128, 128, size=(samples, *shape[1:]), dtype=np.int8)
    expected = host.run_tflm_tensors(model, [inputs])[0]
    got = subprocess.run([str(program)], input=inputs.tobytes(), capture_output=True, check=True).stdout
    np.testing.assert_array_equal(np.frombuffer(got, dtype=np.int8), expected.reshape(-1))


@PROPERTY
@given(seed=st.integers(0, 2**16), depthwise=st.booleans(), h=st.integers(3, 12), w=st.integers(3, 12),
       c=st.integers(1, 6), k=st.sampled_from([1, 2, 3, 5]), stride=st.integers(1, 3), dilation=st.integers(1, 2),
       padding=st.sampled_from([opmodels.SAME, opmodels.VALID]), activation=st.sampled_from(opmodels.ACTIVATIONS),
       out_c=st.integers(1, 6), depth_multiplier=st.integers(1, 3))
def test_convolutions(kernels, tmp_path, seed, depthwise, h, w, c, k, stride, dilation, padding, activation, out_c,
                      depth_multiplier):
    if padding == opmodels.VALID and (k - 1) * dilation + 1 > min(h, w):
        return  # no output: not a valid model
    model = opmodels.conv_model(np.random.default_rng(seed), depthwise, h, w, c, k, k, stride, dilation, padding,
                                activation, out_c, depth_multiplier)
    assert_bit_exact(model, kernels, tmp_path / f"conv{seed}")


@PROPERTY
@given(seed=st.integers(0, 2**16), depth=st.integers(1, 64), units=st.integers(1, 24),
       activation=st.sampled_from(opmodels.ACTIVATIONS))
def test_fully_connected(kernels, tmp_path, seed, depth, units, activation):
    model = opmodels.fc_model(np.random.default_rng(seed), 1, depth, units, activation)
    assert_bit_exact(model, kernels, tmp_path / f"fc{seed}")


@PROPERTY
@given(seed=st.integers(0, 2**16), average=st.booleans(), h=st.integers(2, 12), w=st.integers(2, 12),
       c=st.integers(1, 5), k=st.integers(1, 4), stride=st.integers(1, 3),
       padding=st.sampled_from([opmodels.SAME, opmodels.VALID]), activation=st.sampled_from(opmodels.ACTIVATIONS))
def test_pooling(kernels, tmp_path, seed, average, h, w, c, k, stride, padding, activation):
    if padding == opmodels.VALID and k > min(h, w):
        return
    model = opmodels.pool_model(np.random.default_rng(seed), average, h, w, c, k, k, stride, padding, activation)
    assert_bit_exact(model, kernels, tmp_path / f"pool{seed}")


def test_pools_of_several_images_pool_each_one(tmp_path):
    # (the kernels pool one image: a call that pooled only the first left the others' bytes as they were)
    cases = [case(f"pool_batch{int(average)}", opmodels.pool_model(np.random.default_rng(3), average, 6, 5, 3, 2, 2,
                                                                   2, opmodels.SAME, 1, batch=3))
             for average in (False, True)]
    assert_batch_bit_exact(cases, "host", tmp_path)


def test_convolutions_of_several_images_convolve_each_one(tmp_path):
    # (the kernels run one image: a call that ran only the first left the others' bytes as they were; a 1x1
    # layer run as a dense layer takes every image's pixels as its batches, packed or not)
    rng = np.random.default_rng(5)
    models = {"conv3x3": opmodels.conv_model(rng, False, 6, 5, 3, 3, 3, 1, 1, opmodels.SAME, 1, out_c=8, batch=2),
              "depthwise": opmodels.conv_model(rng, True, 6, 5, 4, 3, 3, 2, 1, opmodels.SAME, 0, batch=3),
              "pointwise": opmodels.conv_model(rng, False, 3, 3, 48, 1, 1, 1, 1, opmodels.VALID, 0, out_c=6,
                                               spread=3, batch=2)}
    cases = [case(f"{name}_{goal}", model, samples=2, in_place="none", optimize=goal)
             for name, model in models.items() for goal in ("balanced", "flash")]
    assert_batch_bit_exact(cases, "host", tmp_path)


def test_a_pool_whose_output_is_quantized_otherwise_is_refused_as_tflm_refuses_it():
    model = opmodels.pool_model(np.random.default_rng(0), False, 6, 6, 2, 2, 2, 2, opmodels.VALID, 0,
                                output_zero_point=7)
    with pytest.raises(ModelError, match="require them equal"):
        generate(model, read_model(model))


@PROPERTY
@given(seed=st.integers(0, 2**16), depth=st.integers(1, 40), beta=st.sampled_from([1.0, 0.5, 2.0]))
def test_softmax(kernels, tmp_path, seed, depth, beta):
    model = opmodels.softmax_model(np.random.default_rng(seed), 1, depth, beta)
    assert_bit_exact(model, kernels, tmp_path / f"softmax{seed}")


@PROPERTY
@given(seed=st.integers(0, 2**16), shape=st.sampled_from([[1, 5], [1, 3, 4, 2], [1, 16]]), scalar=st.booleans(),
       activation=st.sampled_from(opmodels.ACTIVATIONS))
def test_add_with_and_without_broadcasting(kernels, tmp_path, seed, shape, scalar, activation):
    model = opmodels.add_model(np.random.default_rng(seed), shape, scalar, activation)
    assert_bit_exact(model, kernels, tmp_path / f"add{seed}")


@PROPERTY
@given(seed=st.integers(0, 2**16), shape=st.sampled_from([[1, 7], [1, 2, 3, 4], [1, 12]]), scalar=st.booleans(),
       activation=st.sampled_from(opmodels.ACTIVATIONS))
def test_mul_with_and_without_broadcasting(kernels, tmp_path, seed, shape, scalar, activation):
    model = opmodels.mul_model(np.random.default_rng(seed), shape, scalar, activation)
    assert_bit_exact(model, kernels, tmp_path / f"mul{seed}")


@PROPERTY
@given(seed=st.integers(0, 2**16), h=st.integers(1, 6), w=st.integers(1, 6), c=st.integers(1, 4),
       pads=st.lists(st.integers(0, 2), min_size=6, max_size=6))
def test_pad(kernels, tmp_path, seed, h, w, c, pads):
    paddings = [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [pads[4], pads[5]]]
    model = opmodels.pad_model(np.random.default_rng(seed), [1, h, w, c], paddings)
    assert_bit_exact(model, kernels, tmp_path / f"pad{seed}")


@PROPERTY
@given(seed=st.integers(0, 2**16), axis=st.integers(1, 3), others=st.integers(1, 3))
def test_concatenation(kernels, tmp_path, seed, axis, others):
    model = opmodels.concat_model(np.random.default_rng(seed), [1, 3, 4, 2], axis, others)
    assert_bit_exact(model, kernels, tmp_path / f"concat{seed}")


@PROPERTY
@given(seed=st.integers(0, 2**16), kind=st.sampled_from(["LOGISTIC", "TANH"]), size=st.integers(1, 300))
def test_logistic_and_tanh(kernels, tmp_path, seed, kind, size):
    model = opmodels.activation_model(np.random.default_rng(seed), kind, size)
    assert_bit_exact(model, kernels, tmp_path / f"{kind}{seed}", samples=6)


@PROPERTY
@given(seed=st.integers(0, 2**16), h=st.integers(1, 7), w=st.integers(1, 7), c=st.integers(1, 5),
       axes=st.sampled_from([[1, 2], [2, 1], [1], [2], [3], [1, 2, 3]]), keep_dims=st.booleans())
def test_mean(kernels, tmp_path, seed, h, w, c, axes, keep_dims):
    model = opmodels.mean_model(np.random.default_rng(seed), [1, h, w, c], axes, keep_dims)
    assert_bit_exact(model, kernels, tmp_path / f"mean{seed}")


def test_in_place_outputs_bring_the_arena_below_the_live_set_bound(kernels, tmp_path):
    """ADD writes over its input and LOGISTIC over ADD's output: one activation less at the peak than any
    plan without in-place reuse can have, and the outputs are still TFLM's."""
    from edgekit.arena import activation_buffers, live_set_bound
    from edgekit.codegen import generate, inplace_aliases

    model = opmodels.residual_model(np.random.default_rng(2), 6, 6, 8)
    info = read_model(model)
    add, logistic = info.operators[2], info.operators[3]
    assert inplace_aliases(info) == {add.outputs[0]: add.inputs[0], logistic.outputs[0]: add.inputs[0]}
    no_in_place = live_set_bound(activation_buffers(info))
    assert no_in_place == 3 * 6 * 6 * 8
    assert generate(model, info).arena_bytes == 2 * 6 * 6 * 8 < no_in_place
    assert_bit_exact(model, kernels, tmp_path / "residual")


def test_a_reshape_shares_its_input_bytes():
    from edgekit.codegen import generate

    info = read_model(shared_model("kws_ref_model.tflite").read_bytes())
    generated = generate(shared_model("kws_ref_model.tflite").read_bytes(), info)
    reshape = next(c for c in generated.calls if "RESHAPE" in c.comment)
    assert "memmove" not in reshape.call and "shares the input's bytes" in reshape.call
