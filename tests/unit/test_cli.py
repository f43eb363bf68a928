"""The command line without TensorFlow: version, help, error mapping, refusals that come before any work."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from edgekit import __version__
from tests.conftest import shared_model


def test_version_and_help(run_cli):
    code, out, _ = run_cli("--version")
    assert code == 0 and __version__ in out
    code, out, _ = run_cli("--help")
    assert code == 0 and "quantize" in out


def test_unknown_command_is_a_usage_error(run_cli):
    code, _, err = run_cli("frobnicate")
    assert code == 2 and "No such command" in err


def test_missing_model_is_one_clear_line(run_cli):
    code, out, err = run_cli("quantize", "missing.keras", "--rep-data", "x.npy", "-o", "out.tflite")
    assert code == 1
    assert "error: Model 'missing.keras': not found." in err
    assert "Traceback" not in err and out == ""


def test_existing_output_is_refused_without_force(run_cli, tmp_path):
    (tmp_path / "out.tflite").write_bytes(b"user's file")
    code, _, err = run_cli("quantize", shared_model("hello_world_int8.tflite"), "-o", "out.tflite")
    assert code == 1 and "already exists" in err and "--force" in err
    assert (tmp_path / "out.tflite").read_bytes() == b"user's file"


def test_corrupt_tflite_is_refused(run_cli, tmp_path):
    data = shared_model("hello_world_int8.tflite").read_bytes()
    (tmp_path / "cut.tflite").write_bytes(data[:100])
    code, _, err = run_cli("quantize", "cut.tflite", "-o", "out.tflite")
    assert code == 1 and "Model 'cut.tflite'" in err and "Traceback" not in err
    assert not (tmp_path / "out.tflite").exists()


def test_float_tflite_given_as_int8_is_refused(run_cli, tmp_path):
    code, _, err = run_cli("quantize", shared_model("vww_96_float.tflite"), "-o", "out.tflite")
    assert code == 1 and "not a full-integer model" in err and "edgekit quantize MODEL --rep-data" in err
    assert not (tmp_path / "out.tflite").exists()


def test_cli_help_does_not_import_tensorflow():
    code = ("import sys; from edgekit.cli import main; main(['quantize', '--help']); "
            "sys.exit(1 if 'tensorflow' in sys.modules else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_quantize_values_rounds_half_away_from_zero():
    from edgekit.host import dequantize_values, quantize_values
    from edgekit.reader import Quantization, TensorInfo

    tensor = TensorInfo(0, "in", "INT8", (1, 4), Quantization((0.5,), (-1,), 0), 0)
    q = quantize_values(np.array([0.25, -0.25, 100.0, -100.0]), tensor)
    assert q.tolist() == [0, -2, 127, -128]  # 0.5 -> 1, -0.5 -> -1, then the zero point, then clamping
    assert dequantize_values(q, tensor).tolist() == [0.5, -0.5, 64.0, -63.5]
