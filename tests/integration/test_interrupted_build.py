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


#: ``python -m edgekit`` with Ctrl-C's default action, as a terminal starts it. A test worker can hand its
#: children SIGINT and SIGQUIT ignored (seen in CI's full run: SigIgn 0x1006 in the edgekit process, after
#: some earlier test in the same worker; which one is not known), and a program started with SIGINT
#: ignored rightly keeps ignoring it: Python sets its KeyboardInterrupt handler only where SIGINT's action
#: is the default.
AS_FROM_A_TERMINAL = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                      "sys.argv[0] = 'edgekit'; runpy.run_module('edgekit', run_name='__main__', alter_sys=True)")


def _interrupted_build(out: Path, whole_group: bool) -> tuple[subprocess.Popen, str, str]:
    """A build of kws_ref_model for qemu_m4 into ``out``, sent SIGINT once a compiler runs in its project;
    the process, its state and signal masks when it was sent (from /proc), and its stderr."""
    command = ["build", str(shared_model("kws_ref_model.tflite")), "-b", "qemu_m4", "-o", str(out)]
    process = subprocess.Popen([sys.executable, "-c", AS_FROM_A_TERMINAL, *command], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
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
    out = tmp_path / "out"
    process, signals, stderr = _interrupted_build(out, whole_group)
    assert process.returncode == 130, f"{stderr}\n(when sent SIGINT: {signals})"
    assert "interrupted: PlatformIO and every process it started were stopped" in stderr
    assert "PlatformIO failed" not in stderr and "Traceback" not in stderr
    assert _processes_in(out / "project") == []
    time.sleep(5)  # a scons left running would link the firmware within this time
    assert not list((out / "project").rglob("firmware.elf"))
    assert _processes_in(out / "project") == []
