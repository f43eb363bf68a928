"""A model file edgekit may not read: mode 000, read by a process without root's CAP_DAC_OVERRIDE (root
reads any file otherwise)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.faults.conftest import MODEL, edgekit, expect_one_failure, records

pytestmark = pytest.mark.slow
DROP_DAC = ["--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]


@pytest.fixture
def unprivileged():
    """Runs edgekit so that a mode-000 file is unreadable to it: as root, without the capabilities that let
    root read any file (util-linux setpriv); as another user, as it is."""
    if os.geteuid() != 0:
        return edgekit
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is missing: root reads a mode-000 file without it")

    def run(*args):
        return subprocess.run(["setpriv", *DROP_DAC, sys.executable, "-m", "edgekit", *map(str, args)],
                              capture_output=True, text=True, timeout=600)
    return run


def test_unreadable_model(good_build, tmp_path, unprivileged):
    model = tmp_path / "model.tflite"
    shutil.copy(MODEL, model)
    model.chmod(0)
    before = records(good_build)
    for command in (["check", model, "-b", "qemu_m4"], ["inspect", model],
                    ["render", model, "-b", "qemu_m4", "-o", tmp_path / "project"],
                    ["build", model, "-b", "qemu_m4", "-o", good_build]):
        run = unprivileged(*command)
        expect_one_failure(run, f"Model '{model}': cannot be read (Permission denied)", f"ls -l {model}")
    assert records(good_build) == before
    assert not (tmp_path / "project").exists()


def test_unreadable_keras_model(tmp_path, unprivileged):
    model = tmp_path / "model.keras"
    model.write_bytes(b"PK\x03\x04 not really a zip")
    model.chmod(0)
    run = unprivileged("quantize", model, "--rep-data", tmp_path / "x.npy", "-o", tmp_path / "q.tflite")
    expect_one_failure(run, f"Model '{model}': cannot be read (Permission denied)")
    assert not (tmp_path / "q.tflite").exists()
