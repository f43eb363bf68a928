"""`edgekit render` from the command line: a project, its JSON summary, and clear errors with exit 1."""

from __future__ import annotations

import json

import numpy as np

from tests.conftest import shared_model


def test_render_writes_a_project_and_reports_it(run_cli, tmp_path):
    code, out, err = run_cli("render", shared_model("kws_ref_model.tflite"), "--board", "esp32", "-o", tmp_path / "fw",
                             "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["board"] == "esp32dev" and summary["template"] == "tflm_espidf"
    assert summary["ops"] == ["AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "RESHAPE", "SOFTMAX"]
    # no --arena-size: above what TFLM uses on a Cortex-M4 (22,772 B for this model), with scratch and margin
    assert 22_772 + 1024 < summary["arena_bytes"] <= 22_772 * 1.1
    assert summary["selftest_checked"] is True
    assert f"kArenaSize = {summary['arena_bytes']}u" in (tmp_path / "fw" / "src" / "edgekit_engine_tflm.cc").read_text()
    assert "esp-tflite-micro" in summary["checked_against"]


def test_selftest_input_can_come_from_data(run_cli, tmp_path):
    sample = np.linspace(-1, 1, 49 * 10, dtype=np.float32).reshape(1, 49, 10, 1)
    np.save(tmp_path / "one.npy", sample)
    code, out, err = run_cli("render", shared_model("kws_ref_model.tflite"), "-b", "esp32dev", "-o", tmp_path / "fw",
                             "--arena-size", "30000", "--selftest-data", tmp_path / "one.npy")
    assert code == 0, err
    assert "the first sample of" in (tmp_path / "fw" / "src" / "model_selftest.h").read_text()


def test_unknown_board_exits_1_with_suggestions(run_cli, tmp_path):
    code, out, err = run_cli("render", shared_model("hello_world_int8.tflite"), "--board", "esp32dv", "-o", tmp_path / "x")
    assert code == 1
    assert "unknown board 'esp32dv'" in err and "esp32dev" in err
    assert not (tmp_path / "x").exists()


def test_float_model_exits_1_and_writes_nothing(run_cli, tmp_path):
    code, out, err = run_cli("render", shared_model("vww_96_float.tflite"), "--board", "nano33ble", "-o", tmp_path / "x",
                             "--arena-size", "100000")
    assert code == 1
    assert "not a full-integer model" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_missing_model_exits_1(run_cli, tmp_path):
    code, out, err = run_cli("render", tmp_path / "nope.tflite", "--board", "esp32", "-o", tmp_path / "x")
    assert code == 1 and "nope.tflite" in err
