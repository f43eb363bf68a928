"""Ctrl-C during a real PlatformIO build: edgekit stops PlatformIO, scons and every compiler, says it was
interrupted (exit 130), and nothing writes a firmware afterwards. SIGINT to edgekit alone, and to its whole
process group as a terminal sends it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import shared_model

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _shared_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("EDGEKIT_CACHE", str(tmp_path_factory.getbasetemp() / "edgekit-cache"))


def _processes_in(folder: Path) -> list[str]:
    """Command lines of the processes that run in ``folder`` or name it (PlatformIO, scons, the compilers)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if str(folder) in cmdline or cwd.startswith(str(folder)):
            found.append(cmdline)
    return found


@pytest.mark.parametrize("whole_group", [False, True], ids=["edgekit-alone", "process-group"])
def test_sigint_stops_the_whole_build_and_says_interrupted(whole_group, tmp_path):
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "edgekit", "build", str(shared_model("kws_ref_model.tflite")),
                                "-b", "qemu_m4", "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not any("arm-none-eabi-g" in line for line in _processes_in(out / "project")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "PlatformIO never started a compiler"
        time.sleep(0.02)
    if whole_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        os.kill(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted: PlatformIO and every process it started were stopped" in stderr
    assert "PlatformIO failed" not in stderr and "Traceback" not in stderr
    assert _processes_in(out / "project") == []
    time.sleep(5)  # a scons left running would link the firmware within this time
    assert not list((out / "project").rglob("firmware.elf"))
    assert _processes_in(out / "project") == []
