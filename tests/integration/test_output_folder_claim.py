"""Who may write into a build folder: a second build running at the same time is refused and told which
build holds the folder; a folder that cannot be written gives one clear message (real processes, a real
immutable folder made with chattr +i)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import shared_model

pytestmark = pytest.mark.slow
EDGEKIT = [sys.executable, "-m", "edgekit"]


@pytest.fixture(autouse=True)
def _shared_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("EDGEKIT_CACHE", str(tmp_path_factory.getbasetemp() / "edgekit-cache"))


def _wait_for(path: Path, process: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        assert process.poll() is None, f"the build ended before {path.name} appeared: {process.communicate()}"
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def test_second_build_into_the_same_folder_is_refused_and_names_the_first(tmp_path):
    out = tmp_path / "out"
    command = [*EDGEKIT, "build", str(shared_model("kws_ref_model.tflite")), "-b", "qemu_m4", "-o", str(out)]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(out / "build.log", first)  # the first holds the folder and PlatformIO is running
    second = subprocess.run(command, capture_output=True, text=True, timeout=120)
    first_out, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 1
    assert f"is in use by edgekit build (pid {first.pid}," in second.stderr
    assert "wait for that build to finish" in second.stderr and "Traceback" not in second.stderr
    summary = json.loads((out / "build.json").read_text())
    assert Path(summary["firmware"]).is_file()
    assert "built" not in second.stdout  # the loser does not report the winner's ELF as its own
    # the lock went with the first build: a third build into the folder works
    third = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert third.returncode == 0, third.stderr


def test_immutable_empty_output_folder_gives_one_message(tmp_path):
    folder = tmp_path / "frozen"
    folder.mkdir()
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)]).returncode != 0:
        pytest.skip("chattr +i is refused here (needs root and a filesystem with attributes, e.g. ext4)")
    try:
        run = subprocess.run([*EDGEKIT, "build", str(shared_model("hello_world_int8.tflite")), "-b", "host",
                              "-o", str(folder)], capture_output=True, text=True, timeout=300)
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    assert run.returncode == 1, run.stderr
    assert f"cannot write in the output folder '{folder}': Operation not permitted" in run.stderr
    assert "chattr -i" in run.stderr and "Traceback" not in run.stderr
    assert list(folder.iterdir()) == []
