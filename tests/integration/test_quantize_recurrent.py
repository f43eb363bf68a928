"""Keras LSTM and GRU classifiers become full-integer models that the TFLM interpreter runs.

LSTM goes through its tf-keras copy with a fixed batch, so the converter emits one fused
UNIDIRECTIONAL_SEQUENCE_LSTM (Keras 3's own LSTM lowers to a loop that crashes the calibrator). Its state
lives in variable tensors that TFLite keeps from one inference to the next, so the model is marked to
have them reset before each (the Keras layer is stateless), and TFLM and edgekit's runtime both do.
GRU has no fused kernel and is always unrolled. Conversion runs single-threaded so that the bytes repeat exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from edgekit import host
from edgekit.compat import check_full_integer
from edgekit.convert_worker import ConversionRequest, convert_in_child
from edgekit.model_metadata import RESET_STATE
from edgekit.reader import read_model
from tests.integration.quantize_models import recurrent_classifier
from tests.runtime_batch import Case, assert_batch_bit_exact

pytestmark = [pytest.mark.tf, pytest.mark.slow]


def test_an_lstm_converts_ten_times_to_identical_bytes_that_tflm_runs(tmp_path):
    model = recurrent_classifier(tmp_path, "LSTM")
    with np.load(tmp_path / "calib.npz") as calib, np.load(tmp_path / "test.npz") as test:
        rep_x, test_x, test_y = calib["x"], test["x"], test["y"]
    request = ConversionRequest(model=str(model), rep_x=rep_x, single_thread=True)
    results = [convert_in_child(request, str(model)) for _ in range(10)]
    runs = [result.tflite for result in results]

    assert len(set(runs)) == 1, [len(r) for r in runs]
    info = read_model(runs[0])
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in info.ops and "WHILE" not in info.ops, info.ops
    assert not results[0].warnings, results[0].warnings  # no fallback to the unrolled form
    assert info.resets_state_each_inference
    check_full_integer(info, "int8")
    in_tensor, out_tensor = info.input_tensors[0], info.output_tensors[0]
    test_q = host.quantize_values(test_x, in_tensor)
    tflm = host.run_tflm(runs[0], test_q)
    accuracy = float(np.mean(host.dequantize_values(tflm, out_tensor).argmax(-1) == test_y))
    assert accuracy >= 0.9, accuracy  # the float model scores about 0.99; chance is 1/3

    # Run without the reset, as a model converted elsewhere would: each sequence starts from the last one's
    # final state, and the answers drift away from those of the stateless Keras layer.
    unmarked = _without_metadata(runs[0], RESET_STATE)
    carried = host.run_tflm(unmarked, test_q)
    assert not np.array_equal(carried, tflm)

    # edgekit's runtime resets the state before each inference too: bit-exact with TFLM sample after sample.
    assert_batch_bit_exact([Case("lstm", runs[0], (test_q[:8],))], "host", tmp_path / "runtime")


def _without_metadata(model: bytes, name: str) -> bytes:
    """``model`` with the metadata entry ``name`` renamed, so that no stage knows it."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    from edgekit.model_metadata import _AlignedBuilder

    tree = schema.ModelT.InitFromObj(schema.Model.GetRootAs(model, 0))
    for entry in tree.metadata:
        if entry.name.decode() == name:
            entry.name = b"renamed"
    builder = _AlignedBuilder(len(model) + 1024)
    builder.Finish(tree.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def test_a_gru_quantizes_unrolled_and_scores_like_float_on_tflm(tmp_path):
    from edgekit.quantization import quantize

    model = recurrent_classifier(tmp_path, "GRU")
    result = quantize(str(model), str(tmp_path / "calib.npz"), test_data=str(tmp_path / "test.npz"),
                      layer_errors=False)
    assert "WHILE" not in result.info.ops and "FULLY_CONNECTED" in result.info.ops
    metric = result.report.metric
    assert metric.int8_tflm is not None and metric.int8_tflm >= metric.float_model - 0.05, metric
    assert result.report.extra["conversion_route"] == "tf-keras (recurrent)"

