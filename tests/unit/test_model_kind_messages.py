"""A float .tflite and an empty or non-zip .keras file: one message saying what the file is and how to fix
it, exit 1, no traceback."""

from __future__ import annotations

import pytest

from tests.conftest import shared_model


@pytest.mark.parametrize("command", [["check", "-b", "nucleo_f446re"], ["check", "--all-boards"],
                                     ["build", "-b", "qemu_m4"]])
def test_float_tflite_is_called_a_float_model_with_how_to_quantize(command, run_cli, tmp_path):
    extra = ["-o", tmp_path / "out"] if command[0] == "build" else []
    code, out, err = run_cli(command[0], shared_model("vww_96_float.tflite"), *command[1:], *extra)
    assert code == 1
    assert "vww_96_float.tflite': is a float model, not a full-integer model: all 31 ops compute in float" in err
    assert "edgekit quantize MODEL --rep-data DATA -o model_int8.tflite" in err
    assert "DOES NOT FIT" not in out + err and "arena 0 B" not in out + err and "has no quantization" not in err
    assert not (tmp_path / "out").exists()


def test_empty_keras_file_is_called_empty(run_cli, tmp_path):
    empty = tmp_path / "model.keras"
    empty.write_bytes(b"")
    code, out, err = run_cli("quantize", empty, "--rep-data", tmp_path / "x.npy", "-o", tmp_path / "q.tflite")
    assert code == 1
    assert f"error: Model '{empty}': is empty (0 bytes)" in err
    assert "File not found" not in err and "Traceback" not in err


def test_keras_file_that_is_not_a_zip_says_so(run_cli, tmp_path):
    junk = tmp_path / "model.keras"
    junk.write_text("not a model")
    code, out, err = run_cli("quantize", junk, "--rep-data", tmp_path / "x.npy", "-o", tmp_path / "q.tflite")
    assert code == 1
    assert "is not a .keras file (11 bytes that are not the zip archive Keras 3 writes)" in err
