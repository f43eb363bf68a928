"""TFLM's interpreter on the emulated Cortex-M4: `edgekit build --board qemu_m4 --runtime tflm --tflm-dir TREE`
compiles the user's create_tflm_tree.py output with edgekit's QEMU platform, the firmware's boot self-test
matches the host tflite-micro interpreter, and `edgekit validate` gets identical outputs over the serial
protocol, as with edgekit's own runtime.

EDGEKIT_TFLM_DIR names the tree; without it these tests skip and say so. Compiling a whole TFLM tree takes
minutes on two cores.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from edgekit import platformio
from tests.conftest import shared_model

TREE = os.environ.get("EDGEKIT_TFLM_DIR")  # read at import: the isolation fixture clears EDGEKIT_* per test
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not TREE or not (Path(TREE) / "tensorflow" / "lite" / "micro" / "micro_interpreter.h").is_file(),
    reason="EDGEKIT_TFLM_DIR does not name a TFLM tree from create_tflm_tree.py: skipped")]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(platformio.CACHE_VARIABLE, str(tmp_path_factory.getbasetemp() / "edgekit-cache"))


def test_tflm_from_the_users_tree_builds_selftests_and_validates_on_qemu_m4(tmp_path, run_cli):
    out = tmp_path / "qemu_m4"
    code, stdout, err = run_cli("build", shared_model("hello_world_int8.tflite"), "--board", "qemu_m4", "--runtime",
                                "tflm", "--tflm-dir", TREE, "-o", out, "--selftest-samples", "3", "--json")
    assert code == 0, err
    assert json.loads(stdout)["template"] == "tflm_emulated"
    code, stdout, err = run_cli("flash", "--board", "qemu_m4", "--build-dir", out)
    text = stdout + err
    assert code == 0, text
    assert "with tensorflow/tflite-micro" in text and "arena:" in text
    assert "self-test: 3 of 3 samples identical to the host TFLM" in text
    x = np.linspace(0.0, 6.28, 25, dtype=np.float32)[:, np.newaxis]
    np.savez(tmp_path / "sine.npz", x=x, y=np.sin(x))
    code, stdout, err = run_cli("validate", "--board", "qemu_m4", "--build-dir", out, "--test-data",
                                tmp_path / "sine.npz", "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert result["samples"] == 25 and result["identical"] == 25 and result["outputs"][0]["accuracy"]["name"] == "mse"
