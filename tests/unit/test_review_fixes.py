"""Regressions found in review: each of these once crashed with a traceback or gave a wrong figure."""

from __future__ import annotations

import math
import os
import stat
import subprocess
import sys

import numpy as np
import pytest

from edgekit.datasets import Dataset, calibration_warnings, load_dataset
from edgekit.errors import DataError, EdgekitError
from edgekit.quantization import check_output_path, score, write_model
from edgekit.records import LayerError, QuantReport


def test_public_quantize_stays_a_function_after_the_module_loads():
    code = "import edgekit, edgekit.quantization; assert callable(edgekit.quantize); print(edgekit.quantize.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "quantize", done.stderr


def test_output_under_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "some_file").write_text("x")
    with pytest.raises(EdgekitError, match="is a file, not a folder"):
        check_output_path(tmp_path / "some_file" / "out.tflite")


def test_written_model_has_an_ordinary_mode_and_no_temp_file_is_left(tmp_path):
    path = write_model(tmp_path / "m.tflite", b"TFL3")
    mode = stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["m.tflite"]


@pytest.mark.parametrize("labels", [np.array([[1], [2], [3]]), np.array([1.0, 2.0, 3.0])])
def test_keras_style_and_float_class_ids_score_as_accuracy(labels):
    outputs = np.eye(10)[[1, 2, 0]]
    assert score(labels, outputs) == ("accuracy", pytest.approx(2 / 3))


def test_regression_stays_mse():
    name, value = score(np.array([[0.5], [1.0]]), np.array([[0.5], [0.0]]))
    assert name == "mse" and value == pytest.approx(0.5)


def test_npz_with_several_splits_must_be_named(tmp_path):
    x = np.zeros((3, 2), np.float32)
    np.savez(tmp_path / "mnist.npz", x_train=x, y_train=np.zeros(3), x_test=x, y_test=np.zeros(3))
    with pytest.raises(DataError, match="several splits"):
        load_dataset(str(tmp_path / "mnist.npz"))
    assert load_dataset(f"{tmp_path / 'mnist.npz'}:x_train").y is not None


def test_corrupt_or_misnamed_numpy_files(tmp_path):
    (tmp_path / "cut.npz").write_bytes(b"PK\x03\x04garbage")
    np.save(tmp_path / "single.npy", np.zeros(3))
    os.rename(tmp_path / "single.npy", tmp_path / "single.npz")
    np.savez(tmp_path / "zip.npz", x=np.zeros(3))
    os.rename(tmp_path / "zip.npz", tmp_path / "zip.npy")
    np.savez(tmp_path / "scalar.npz", x=np.float32(1), y=0)
    for name in ("cut.npz", "single.npz", "zip.npy", "scalar.npz"):
        with pytest.raises(DataError):
            load_dataset(str(tmp_path / name))


def test_data_module_that_fails_to_import(tmp_path, monkeypatch):
    (tmp_path / "baddata.py").write_text("def f(:\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(DataError, match="failed to import: SyntaxError"):
        load_dataset("baddata:f")


def test_unmeasured_layers_are_listed_first():
    layers = tuple(LayerError("OP", n, s, 0.0, 1.0) for n, s in (("a", 30.0), ("b", math.nan), ("c", 5.0)))
    report = QuantReport("m", "ptq", "int8", 10, 5, (), 100, 0, None, None, None, layers=layers)
    assert [layer.tensor for layer in report.worst_layers(2)] == ["b", "c"]


def test_constant_calibration_data_is_warned_about_without_test_data():
    warnings = calibration_warnings(Dataset(np.zeros((200, 4), np.float32), None, "rep"), None)
    assert any("every representative value is 0" in w for w in warnings)
