"""``edgekit inspect`` on real models: figures, verdicts and exit codes, without TensorFlow."""

from __future__ import annotations

import json

from tests.conftest import shared_model


def test_inspect_int8_model_as_json(run_cli):
    code, out, err = run_cli("inspect", shared_model("kws_ref_model.tflite"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["compatible"] is True and data["problems"] == []
    assert set(data["ops"]) == {"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "RESHAPE",
                                "FULLY_CONNECTED", "SOFTMAX"}
    assert data["total_macs"] > 2_000_000
    assert data["size_bytes"] == shared_model("kws_ref_model.tflite").stat().st_size


def test_inspect_table_lists_versions_and_quantization(run_cli):
    code, out, _ = run_cli("inspect", shared_model("hello_world_int8.tflite"), "--tensors")
    assert code == 0
    assert "FULLY_CONNECTED v" in out and "zero point" in out and "Tensors" in out


def test_custom_op_and_int16_models_exit_one_naming_the_problem(run_cli):
    code, _, err = run_cli("inspect", shared_model("audio_preprocessor_int8.tflite"))
    assert code == 1 and "custom op 'SignalFftAutoScale'" in err and "INT16" in err
    code, _, err = run_cli("inspect", shared_model("keyword_scrambled_8bit.tflite"))
    assert code == 1 and "INT16" in err
    code, _, err = run_cli("inspect", shared_model("vww_96_float.tflite"))
    assert code == 1 and "not a full-integer model" in err


def test_inspect_garbage_is_a_clear_error(run_cli, tmp_path):
    (tmp_path / "x.tflite").write_bytes(b"\x00" * 64)
    code, _, err = run_cli("inspect", "x.tflite")
    assert code == 1 and "error: Model 'x.tflite'" in err and "Traceback" not in err
