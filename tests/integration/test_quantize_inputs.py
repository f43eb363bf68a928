"""Every model format and data source through real conversion, and every bad input the issue lists."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from edgekit.errors import ModelError, QuantizationError, ToolNotFound
from edgekit.quantization import quantize

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def keras_model(dense_model):
    import keras

    return keras.models.load_model(dense_model)


def test_in_memory_model_with_float32_io(keras_model, digits):
    result = quantize(keras_model, str(digits / "calib.npz"), io_type="float32", layer_errors=False)
    info = result.info
    assert [t.dtype for t in info.input_tensors + info.output_tensors] == ["FLOAT32", "FLOAT32"]
    assert "QUANTIZE" in info.ops and "DEQUANTIZE" in info.ops  # float I/O through boundary ops only
    # an in-memory Keras model converts in the crash-safe child too, through a temporary .keras file
    assert result.report.extra["conversion_route"] == "keras"


def test_uint8_io(keras_model, digits):
    result = quantize(keras_model, str(digits / "calib.npz"), io_type="uint8", layer_errors=False)
    assert result.info.input_tensors[0].dtype == "UINT8"


def test_saved_model_and_h5(keras_model, digits, tmp_path):
    from edgekit.loading import quiet_native_stderr

    with quiet_native_stderr():
        keras_model.export(str(tmp_path / "saved"), verbose=False)
    keras_model.save(tmp_path / "model.h5")
    for path in (tmp_path / "saved", tmp_path / "model.h5"):
        result = quantize(str(path), str(digits / "calib.npz"), test_data=str(digits / "test.npz"),
                          layer_errors=False)
        assert set(result.info.ops) == {"FULLY_CONNECTED", "RESHAPE", "SOFTMAX"}, path
        assert result.report.metric.int8_tflite > 0.85


def test_callable_and_image_folder_sources(cnn_model, digits, tmp_path, monkeypatch):
    from PIL import Image

    with np.load(digits / "calib.npz") as data:
        x = data["x"][:120]
    (tmp_path / "calibsource.py").write_text(
        "import numpy as np\n"
        f"def samples():\n    return np.load({str(digits / 'calib.npz')!r})['x'][:120]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert quantize(str(cnn_model), "calibsource:samples", layer_errors=False).info.ops
    (tmp_path / "imgs").mkdir()
    for i, img in enumerate(x):
        Image.fromarray((img[..., 0] * 255).astype(np.uint8)).save(tmp_path / "imgs" / f"{i}.png")
    result = quantize(str(cnn_model), str(tmp_path / "imgs"), test_data=str(digits / "test.npz"), layer_errors=False)
    assert result.report.metric.int8_tflite > 0.9


def test_hybrid_tflite_is_refused(keras_model, tmp_path):
    from edgekit.loading import import_tensorflow, quiet_native_stderr
    from edgekit.quantization import _frozen_function_many

    tf = import_tensorflow()
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [_frozen_function_many(tf, lambda xs: [keras_model(xs[0], training=False)], ((1, 28, 28, 1),))])
    converter.optimizations = [tf.lite.Optimize.DEFAULT]  # no representative data: dynamic range
    with quiet_native_stderr():
        (tmp_path / "hybrid.tflite").write_bytes(converter.convert())
    with pytest.raises(ModelError, match="dynamic-range \\(hybrid\\)"):
        quantize(str(tmp_path / "hybrid.tflite"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda x: x[:, :20, :20], "samples have shape [20, 20, 1]"),
        (lambda x: np.where(np.arange(x.size).reshape(x.shape) == 5, np.nan, x), "NaN"),
        (lambda x: x[:0], "empty"),
        (lambda x: x.astype(str), "must be numbers"),
    ],
)
def test_bad_representative_data_exits_one_and_writes_nothing(run_cli, dense_model, digits, tmp_path, make, message):
    with np.load(digits / "calib.npz") as data:
        np.save(tmp_path / "bad.npy", make(data["x"]))
    code, out, err = run_cli("quantize", dense_model, "--rep-data", "bad.npy", "-o", "out.tflite")
    assert code == 1, err
    assert message in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "out.tflite").exists()


def test_no_representative_data_is_refused(dense_model):
    with pytest.raises(QuantizationError, match="never calibrates on random data"):
        quantize(str(dense_model), None)


def test_qat_with_layers_tfmot_cannot_wrap_lists_them(digits, tmp_path):
    import keras

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Rescaling(2.0), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.save(tmp_path / "rescale.keras")
    with pytest.raises(QuantizationError, match=r"QAT cannot wrap 1 layer\(s\)") as caught:
        quantize(str(tmp_path / "rescale.keras"), str(digits / "calib.npz"), qat=True,
                 train_data=str(digits / "train.npz"), epochs=1)
    assert "Rescaling" in str(caught.value) and "preprocessing" in str(caught.value)


def test_qat_without_training_labels(dense_model, digits):
    with pytest.raises(QuantizationError, match="labelled training data"):
        quantize(str(dense_model), str(digits / "calib.npz"), qat=True, train_data=str(digits / "calib.npz"))


def test_qat_without_tf_keras_says_how_to_install_it(dense_model, digits, monkeypatch):
    # tf-keras cannot be uninstalled inside the test run; a None entry in sys.modules makes its import fail
    # exactly as it does when the package is absent.
    monkeypatch.setitem(sys.modules, "tf_keras", None)
    with pytest.raises(ToolNotFound, match="tf-keras") as caught:
        quantize(str(dense_model), str(digits / "calib.npz"), qat=True, train_data=str(digits / "train.npz"))
    assert "pip install tf-keras" in str(caught.value)


def test_unreadable_model_file(run_cli, digits, tmp_path):
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    code, _, err = run_cli("quantize", "junk.keras", "--rep-data", digits / "calib.npz", "-o", "o.tflite")
    assert code == 1 and "is not a .keras file" in err and "Traceback" not in err


def test_cli_json_report_and_force(run_cli, cnn_model, digits, tmp_path):
    args = ["quantize", cnn_model, "--rep-data", digits / "calib.npz", "--test-data", digits / "test.npz",
            "-o", "cnn.tflite", "--json"]
    code, out, err = run_cli(*args)
    assert code == 0, err
    report = json.loads(out)
    assert report["int8_bytes"] == (tmp_path / "cnn.tflite").stat().st_size
    assert report["metric"]["name"] == "accuracy" and report["worst_layers"]
    code, _, err = run_cli(*args)
    assert code == 1 and "already exists" in err
    code, _, err = run_cli(*args, "--force")
    assert code == 0, err


def test_int8_tflite_passes_through_with_test_data(run_cli, tmp_path):
    from tests.conftest import shared_model

    x = np.linspace(0, 6.28, 50, dtype=np.float32)[:, None]
    np.savez(tmp_path / "sine.npz", x=x, y=np.sin(x))
    code, out, err = run_cli("quantize", shared_model("hello_world_int8.tflite"), "--test-data", "sine.npz",
                             "-o", "hello.tflite", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["mode"] == "tflite" and report["metric"]["name"] == "mse"
    assert report["metric"]["int8_tflm"] < 0.05  # the published model does fit a sine
    assert report["tflite_tflm_agreement"] is not None
