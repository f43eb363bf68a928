"""A crash inside TensorFlow's converter is one clear message, exit 1, and leaves nothing behind.

The crash is real: the conversion child honours EDGEKIT_TEST_CONVERTER_CRASH=1 (a test-only hook) by
killing itself with SIGSEGV just before calibrating, as TensorFlow's calibrator does on some graphs.
"""

from __future__ import annotations

import tempfile

import pytest

from tests.integration.quantize_models import conv_batchnorm

pytestmark = [pytest.mark.tf, pytest.mark.slow]


def test_a_converter_crash_exits_1_with_the_fix_and_leaves_no_file(tmp_path, monkeypatch, run_cli):
    data = tmp_path / "data"
    data.mkdir()
    model = conv_batchnorm(data, epochs=1)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # tempfile caches the folder it found first
    monkeypatch.setenv("EDGEKIT_TEST_CONVERTER_CRASH", "1")

    code, out, err = run_cli("quantize", model, "--rep-data", data / "calib.npz", "-o", tmp_path / "m.tflite")

    assert code == 1
    assert "crashed (SIGSEGV) while calibrating and converting the integer model" in err
    assert "Things to try:" in err and "Traceback" not in err
    assert not (tmp_path / "m.tflite").exists() and not (tmp_path / "m.quant.json").exists()
    assert list(scratch.iterdir()) == []  # the child's crash logs and autograph files went with its folder
