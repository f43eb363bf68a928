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


#: Builds tried before giving up on catching one mid-compile (see _interrupted_build).
ATTEMPTS = 3


def _interrupted_build(out: Path, whole_group: bool) -> tuple[subprocess.Popen, str, str]:
    """A build of kws_ref_model for qemu_m4 into ``out``, sent SIGINT once a compiler runs in its project;
    the process, its state and signal masks when it was sent (from /proc), and its stderr."""
    process = subprocess.Popen([sys.executable, "-m", "edgekit", "build", str(shared_model("kws_ref_model.tflite")),
                                "-b", "qemu_m4", "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not any("arm-none-eabi-g" in line for line in _processes_in(out / "project")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "PlatformIO never started a compiler"
        time.sleep(0.02)
    # (what the process does with signals when it is sent one, for a failure's message)
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
        signals = " ".join(line.split()[0] + line.split()[1] for line in status.splitlines()
                           if line.startswith(("State", "SigIgn", "SigCgt")))
    except OSError:
        signals = "already gone"
    if whole_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    return process, signals, stderr


@pytest.mark.parametrize("whole_group", [False, True], ids=["edgekit-alone", "process-group"])
def test_sigint_stops_the_whole_build_and_says_interrupted(whole_group, tmp_path):
    # The build takes 2-3 s; on a loaded machine the scan of /proc that looks for the compiler can see one
    # so late that edgekit has finished and exited (0, every stage done) before the signal is sent: then
    # there was nothing to interrupt, and the build is tried again in a fresh folder. An edgekit that
    # ignored SIGINT would finish every attempt and fail below.
    for attempt in range(ATTEMPTS):
        out = tmp_path / f"out{attempt}"
        process, signals, stderr = _interrupted_build(out, whole_group)
        if not (process.returncode == 0 and "[6/6] size" in stderr):
            break
    assert process.returncode == 130, f"{stderr}\n(when sent SIGINT: {signals})"
    assert "interrupted: PlatformIO and every process it started were stopped" in stderr
    assert "PlatformIO failed" not in stderr and "Traceback" not in stderr
    assert _processes_in(out / "project") == []
    time.sleep(5)  # a scons left running would link the firmware within this time
    assert not list((out / "project").rglob("firmware.elf"))
    assert _processes_in(out / "project") == []
