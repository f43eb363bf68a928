"""A model with two inputs and two outputs through the whole path: made and trained with real Keras,
quantized by `edgekit quantize` from an npz with x_0, x_1, y_0, y_1, built for the emulated Cortex-M4 with
the edgekit runtime, its boot self-test over every input and output, `edgekit validate` over the serial
protocol in QEMU, and report.html with a result per output.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from edgekit import platformio

pytestmark = [pytest.mark.slow, pytest.mark.tf]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(platformio.CACHE_VARIABLE, str(tmp_path_factory.getbasetemp() / "edgekit-cache"))


def _two_by_two(folder: Path) -> tuple[Path, Path]:
    """A Keras model with a vector input and an image input, a 3-class and a regression output, trained
    on data whose labels depend on both inputs; the model file and its npz (x_0, x_1, y_0, y_1)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from edgekit.loading import import_tensorflow

    import_tensorflow()
    import keras

    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    n = 400
    x0 = rng.normal(size=(n, 6)).astype(np.float32)
    x1 = rng.uniform(0.0, 1.0, size=(n, 4, 4, 1)).astype(np.float32)
    mean = x1.reshape(n, -1).mean(axis=1)
    y0 = (x0[:, 0] + 4 * (mean - 0.5) > 0).astype(np.int64) + (x0[:, 1] > 0.7)
    y1 = (0.5 * x0[:, 2] + x1[:, 0, 0, 0])[:, np.newaxis].astype(np.float32)
    vector, image = keras.Input((6,)), keras.Input((4, 4, 1))
    features = keras.layers.Concatenate()([
        keras.layers.Dense(16, activation="relu")(vector),
        keras.layers.Flatten()(keras.layers.Conv2D(4, 3, padding="same", activation="relu")(image))])
    model = keras.Model([vector, image], [keras.layers.Dense(3, activation="softmax")(features),
                                          keras.layers.Dense(1)(features)])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=["sparse_categorical_crossentropy", "mse"])
    model.fit([x0, x1], [y0, y1], epochs=40, batch_size=32, verbose=0)
    model.save(folder / "two.keras")
    np.savez(folder / "data.npz", x_0=x0, x_1=x1, y_0=y0, y_1=y1)
    return folder / "two.keras", folder / "data.npz"


@pytest.fixture(scope="module")
def two_by_two_build(tmp_path_factory):
    """The model through `edgekit quantize` (report per output) and `edgekit build` for qemu_m4, with a
    boot self-test of 5 real samples (x_0 and x_1 of each)."""
    from edgekit.cli import main

    folder = tmp_path_factory.mktemp("multi_io")
    keras_model, data = _two_by_two(folder)
    int8 = folder / "two_int8.tflite"
    assert main(["quantize", str(keras_model), "--rep-data", str(data), "--test-data", str(data), "-o", str(int8),
                 "--json"]) == 0
    out = folder / "qemu_m4"
    assert main(["build", str(int8), "--board", "qemu_m4", "--runtime", "edgekit", "-o", str(out),
                 "--selftest-data", str(data), "--selftest-samples", "5"]) == 0
    return folder, out, data


def test_quantize_keeps_both_inputs_and_outputs_and_scores_each(two_by_two_build):
    from edgekit.reader import read_model_file

    folder, _, _ = two_by_two_build
    _, info = read_model_file(folder / "two_int8.tflite")
    assert [t.shape for t in info.input_tensors] == [(1, 6), (1, 4, 4, 1)]
    assert [t.shape for t in info.output_tensors] == [(1, 3), (1, 1)]
    assert {t.dtype for t in info.input_tensors + info.output_tensors} == {"INT8"}
    report = json.loads((folder / "two_int8.quant.json").read_text())
    classify, regress = report["output_metrics"]
    assert classify["name"] == "accuracy" and classify["float_model"] > 0.8
    assert abs(classify["int8_tflm"] - classify["float_model"]) <= 0.03
    assert regress["name"] == "mse" and regress["int8_tflm"] < 0.1
    assert report["metric"] == classify  # the first scored output's, as for one-output models


def test_boot_selftest_checks_every_input_and_output(two_by_two_build, run_cli):
    _, out, _ = two_by_two_build
    code, stdout, err = run_cli("flash", "--board", "qemu_m4", "--build-dir", out)
    text = stdout + err
    assert code == 0, text
    assert "input 1: int8 [1, 4, 4, 1], 16 bytes" in text
    assert "self-test output 0 (first values):" in text and "self-test output 1 (first values):" in text
    assert "self-test: 5 of 5 samples identical to the host TFLM" in text


def test_validate_reports_each_output_100_percent_identical(two_by_two_build, run_cli):
    folder, out, data = two_by_two_build
    code, stdout, err = run_cli("validate", "--board", "qemu_m4", "--build-dir", out, "--test-data", data,
                                "--n", "60", "--float-model", folder / "two.keras", "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert result["samples"] == 60 and result["identical"] == 60 and result["exact_match_rate"] == 1.0
    first, second = result["outputs"]
    assert (first["index"], first["identical"], first["max_abs_diff"]) == (0, 60, 0)
    assert (second["index"], second["identical"], second["max_abs_diff"]) == (1, 60, 0)
    assert first["accuracy"]["name"] == "accuracy" and second["accuracy"]["name"] == "mse"
    for output in (first, second):
        accuracy = output["accuracy"]
        assert accuracy["device"] == accuracy["host_int8"] and accuracy["float_model"] is not None
    assert first["accuracy"]["device"] > 0.75
    page = (out / "report.html").read_text()
    assert "Per output" in page and page.count("60 of 60") >= 3
    assert 'data-chart="validation-accuracy-0"' in page and 'data-chart="validation-accuracy-1"' in page
    assert 'data-chart="quant-accuracy-1"' in page  # the quantization report, per output too


def test_validate_refuses_data_with_one_input_array_for_two_inputs(two_by_two_build, tmp_path, run_cli):
    _, out, data = two_by_two_build
    with np.load(data) as arrays:
        np.savez(tmp_path / "one.npz", x=arrays["x_0"], y=arrays["y_0"])
    code, stdout, err = run_cli("validate", "--board", "qemu_m4", "--build-dir", out, "--test-data",
                                tmp_path / "one.npz")
    assert code == 1
    assert "holds one input array, but the model has 2 inputs" in err and "x_0, x_1" in err
    assert "Traceback" not in err


def test_swapped_inputs_of_one_shape_are_caught_by_name():
    """Two inputs of the same shape: a shape check alone would not notice them swapped."""
    import dataclasses

    from edgekit.convert_worker import convert_function
    from edgekit.errors import QuantizationError
    from edgekit.loading import import_tensorflow
    from edgekit.quantization import _check_io_order, _frozen_function_many
    from edgekit.reader import read_model

    tf = import_tensorflow()
    import keras

    a, b = keras.Input((4,)), keras.Input((4,))
    model = keras.Model([a, b], [keras.layers.Dense(3)(b), keras.layers.Dense(3)(keras.layers.Add()([a, b]))])
    shapes = ((1, 4), (1, 4))
    rng = np.random.default_rng(0)
    rep = (rng.random((20, 4), dtype=np.float32), rng.random((20, 4), dtype=np.float32))
    info = read_model(convert_function(tf, _frozen_function_many(tf, model, shapes), None, rep, "int8"))
    _check_io_order(info, shapes, 2)
    with pytest.raises(QuantizationError, match="in order"):
        _check_io_order(dataclasses.replace(info, inputs=info.inputs[::-1]), shapes, 2)
    with pytest.raises(QuantizationError, match="in order"):
        _check_io_order(dataclasses.replace(info, outputs=info.outputs[::-1]), shapes, 2)
