"""Real TensorFlow conversion of the digits models: the issue's acceptance figures, asserted.

Float vs int8 accuracy on the 360-image test split; int8 run on TFLite and on the real TFLM interpreter.
"""

from __future__ import annotations

import pytest

from edgekit.quantization import quantize

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def dense_ptq(dense_model, digits):
    return quantize(str(dense_model), str(digits / "calib.npz"), test_data=str(digits / "test.npz"))


def test_dense_ptq_is_full_int8_with_only_the_expected_ops(dense_ptq):
    info = dense_ptq.info
    assert set(info.ops) == {"FULLY_CONNECTED", "RESHAPE", "SOFTMAX"}
    assert [t.dtype for t in info.input_tensors + info.output_tensors] == ["INT8", "INT8"]
    assert all(t.dtype in ("INT8", "INT32") for t in info.tensors)


def test_dense_ptq_shrinks_at_least_3_5x(dense_ptq):
    report = dense_ptq.report
    assert report.float_bytes > 300_000
    assert report.ratio >= 3.5, report


def test_dense_ptq_loses_at_most_one_point(dense_ptq):
    metric = dense_ptq.report.metric
    assert metric.name == "accuracy"
    assert metric.float_model > 0.9
    assert metric.float_model - metric.int8_tflite <= 0.010
    assert metric.int8_tflm == pytest.approx(metric.int8_tflite, abs=0.003)  # at most one image of 360


def test_report_names_per_layer_error_and_tflm_agreement(dense_ptq):
    report = dense_ptq.report
    assert {layer.op for layer in report.layers} >= {"FULLY_CONNECTED", "SOFTMAX"}
    # int8 carries ~48 dB at best; a healthy layer of a well-calibrated model sits well above 20 dB.
    assert all(layer.sqnr_db > 20 for layer in report.layers), report.layers
    assert report.tflite_tflm_agreement is not None and report.tflite_tflm_agreement >= 0.99
    assert report.test_samples == 360


def test_dense_qat_lands_near_float_or_above_ptq(dense_model, digits, dense_ptq):
    result = quantize(str(dense_model), str(digits / "calib.npz"), test_data=str(digits / "test.npz"),
                      qat=True, train_data=str(digits / "train.npz"), epochs=2)
    assert set(result.info.ops) == {"FULLY_CONNECTED", "RESHAPE", "SOFTMAX"}
    qat, ptq = result.report.metric, dense_ptq.report.metric
    assert result.report.mode == "qat"
    assert qat.int8_tflite >= qat.float_model - 0.003 or qat.int8_tflite >= ptq.int8_tflite


def test_cnn_ptq(cnn_model, digits):
    result = quantize(str(cnn_model), str(digits / "calib.npz"), test_data=str(digits / "test.npz"))
    assert {"CONV_2D", "MAX_POOL_2D", "FULLY_CONNECTED", "SOFTMAX"} <= set(result.info.ops)
    assert not {"SHAPE", "STRIDED_SLICE", "PACK"} & set(result.info.ops)  # batch fixed at 1
    metric = result.report.metric
    assert metric.float_model - metric.int8_tflite <= 0.010


def test_cnn_qat(cnn_model, digits):
    result = quantize(str(cnn_model), str(digits / "calib.npz"), test_data=str(digits / "test.npz"),
                      qat=True, train_data=str(digits / "train.npz"), epochs=1, layer_errors=False)
    assert result.report.metric.int8_tflite >= result.report.metric.float_model - 0.010
