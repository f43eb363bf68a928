"""``--activations int16`` (TFLite's 16x8 mode): int16 I/O, a TFLM-runnable model, and a report that
compares it with plain int8 and says that only TFLM runs it."""

from __future__ import annotations

import json

import pytest

from tests.integration.quantize_models import conv1d_classifier

pytestmark = [pytest.mark.tf, pytest.mark.slow]


def test_16x8_model_reports_int8_comparison_and_its_engine(tmp_path, run_cli):
    model = conv1d_classifier(tmp_path)
    out = tmp_path / "m16.tflite"
    code, stdout, err = run_cli("quantize", model, "--rep-data", tmp_path / "calib.npz", "--test-data",
                                tmp_path / "test.npz", "--activations", "int16", "--no-layer-report", "-o", out)
    assert code == 0, err
    assert "runs on: TFLM (edgekit's runtime has no 16x8 kernels)" in stdout
    assert "int8 (8x8) for comparison" in stdout
    from edgekit.reader import read_model_file

    _, info = read_model_file(out)
    assert [t.dtype for t in info.input_tensors + info.output_tensors] == ["INT16", "INT16"]
    report = json.loads(out.with_suffix(".quant.json").read_text())
    extra, metric = report["extra"], report["metric"]
    assert extra["activations"] == "int16" and extra["int8_metric"]["int8_tflm"] is not None
    # 16x8 is at least as faithful to the float model as int8 (two points of slack: 16x8 rounds differently, not always better on 120 samples)
    assert abs(metric["int8_tflm"] - metric["float_model"]) <= abs(extra["int8_metric"]["int8_tflm"] - metric["float_model"]) + 0.02
    assert report["tflite_tflm_agreement"] is not None and report["io_type"] == "int16"
