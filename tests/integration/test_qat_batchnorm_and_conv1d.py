"""QAT trains models that it used to refuse: Conv2D + BatchNormalization (folded as tfmot folds it) and
Conv1D (trained through its Conv2D form, weights carried over, outputs checked equal first); the result
is at least as accurate as post-training quantization on the same test data."""

from __future__ import annotations

import pytest

from tests.integration.quantize_models import conv1d_classifier, conv_batchnorm

pytestmark = [pytest.mark.tf, pytest.mark.slow]


def _ptq_and_qat(model, folder, epochs):
    from edgekit.quantization import quantize

    common = dict(test_data=str(folder / "test.npz"), layer_errors=False)
    ptq = quantize(str(model), str(folder / "calib.npz"), **common)
    qat = quantize(str(model), str(folder / "calib.npz"), qat=True, train_data=str(folder / "train.npz"),
                   epochs=epochs, learning_rate=1e-3, **common)
    return ptq, qat


def test_qat_on_conv2d_batchnorm_is_at_least_as_accurate_as_ptq(tmp_path):
    ptq, qat = _ptq_and_qat(conv_batchnorm(tmp_path), tmp_path, epochs=2)
    assert qat.report.mode == "qat"
    assert "CONV_2D" in qat.info.ops  # the BatchNormalization folded into the convolution
    assert qat.report.metric.int8_tflite >= ptq.report.metric.int8_tflite, (qat.report.metric, ptq.report.metric)


def test_qat_on_conv1d_is_at_least_as_accurate_as_ptq(tmp_path):
    ptq, qat = _ptq_and_qat(conv1d_classifier(tmp_path), tmp_path, epochs=3)
    assert qat.report.mode == "qat" and "CONV_2D" in qat.info.ops
    assert qat.report.metric.int8_tflite >= ptq.report.metric.int8_tflite, (qat.report.metric, ptq.report.metric)
    assert qat.report.metric.int8_tflm == pytest.approx(qat.report.metric.int8_tflite, abs=0.01)
