"""QEMU killed (SIGKILL, by pid) while `edgekit validate` is sending it samples."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faults.conftest import expect_one_failure, records

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command name) of the processes whose parent is ``pid``."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append((int(proc.name), name))
    return found


def test_qemu_killed_during_validate(good_build, samples, tmp_path):
    before = records(good_build)
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "edgekit", "validate", "-b", "qemu_m4", "--build-dir",
                                    str(good_build), "--test-data", str(samples), "--n", "20000"],
                                   stdout=subprocess.DEVNULL, stderr=stderr, text=True)
        deadline = time.monotonic() + 120
        while "sending 20000 samples" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        time.sleep(0.5)  # well into the samples
        qemu = [pid for pid, name in _children(process.pid) if name.startswith("qemu-system")]
        assert len(qemu) == 1, _children(process.pid)
        os.kill(qemu[0], signal.SIGKILL)
        process.wait(timeout=120)
    run = subprocess.CompletedProcess(process.args, process.returncode, "", log.read_text())
    expect_one_failure(run, "the emulator running qemu_m4 stopped during validation (killed by SIGKILL)",
                       "run the command again")
    assert records(good_build) == before
