"""Keras LSTM and GRU classifiers become full-integer models that the TFLM interpreter runs.

LSTM goes through its tf-keras copy with a fixed batch, so the converter emits one fused
UNIDIRECTIONAL_SEQUENCE_LSTM (Keras 3's own LSTM lowers to a loop that crashes the calibrator), unless
that fused op does not reproduce the float model, as on this trained classifier: then it is unrolled.
GRU has no fused kernel and is always unrolled. Conversion runs single-threaded so that the bytes repeat exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from edgekit import host
from edgekit.compat import check_full_integer
from edgekit.convert_worker import ConversionRequest, convert_in_child
from edgekit.reader import read_model
from tests.integration.quantize_models import recurrent_classifier

pytestmark = [pytest.mark.tf, pytest.mark.slow]


@pytest.mark.xfail(strict=False, reason=(
    "open: this trained LSTM falls back to the unrolled form (TensorFlow's fused LSTM does not reproduce it), "
    "and TensorFlow's quantizer leaves one SPLIT in float on some runs of the unrolled form, even "
    "single-threaded with PYTHONHASHSEED=0; the fused form converted to identical bytes ten times"))
def test_an_lstm_converts_ten_times_to_identical_bytes_that_tflm_runs(tmp_path):
    model = recurrent_classifier(tmp_path, "LSTM")
    with np.load(tmp_path / "calib.npz") as calib, np.load(tmp_path / "test.npz") as test:
        rep_x, test_x, test_y = calib["x"], test["x"], test["y"]
    request = ConversionRequest(model=str(model), rep_x=rep_x, single_thread=True)
    results = [convert_in_child(request, str(model)) for _ in range(10)]
    runs = [result.tflite for result in results]

    assert len(set(runs)) == 1, [len(r) for r in runs]
    info = read_model(runs[0])
    assert "WHILE" not in info.ops
    # The fused kernel when TensorFlow's fused LSTM reproduces the float model; else the LSTM is unrolled
    # and the result says so (this trained model is one where the fused conversion is wrong).
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in info.ops or any("unrolled instead" in w for w in results[0].warnings)
    check_full_integer(info, "int8")
    in_tensor, out_tensor = host.io_tensors(info)
    tflm = host.run_tflm(runs[0], host.quantize_values(test_x, in_tensor))
    accuracy = float(np.mean(host.dequantize_values(tflm, out_tensor).argmax(-1) == test_y))
    assert accuracy >= 0.9, accuracy  # the float model scores about 0.99; chance is 1/3


def test_a_gru_quantizes_unrolled_and_scores_like_float_on_tflm(tmp_path):
    from edgekit.quantization import quantize

    model = recurrent_classifier(tmp_path, "GRU")
    result = quantize(str(model), str(tmp_path / "calib.npz"), test_data=str(tmp_path / "test.npz"),
                      layer_errors=False)
    assert "WHILE" not in result.info.ops and "FULLY_CONNECTED" in result.info.ops
    metric = result.report.metric
    assert metric.int8_tflm is not None and metric.int8_tflm >= metric.float_model - 0.05, metric
    assert result.report.extra["conversion_route"] == "tf-keras (recurrent)"

