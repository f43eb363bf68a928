"""Fault injection: real processes (the edgekit CLI, PlatformIO, QEMU) under real faults. Every fault must
end with exit status 1, one `error:` message that names the problem and says what to try, no traceback,
and the earlier good outputs byte for byte as they were."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_model

MODEL = shared_model("hello_world_int8.tflite")
#: A build folder's records, compared byte for byte before and after a fault.
RECORDS = ("model.tflite", "build.json", "validation.json", "report.html", ".edgekit-build")


def edgekit(*args, env: dict | None = None, **popen) -> subprocess.CompletedProcess:
    """Run the edgekit CLI in a process of its own."""
    return subprocess.run([sys.executable, "-m", "edgekit", *map(str, args)], capture_output=True, text=True,
                          timeout=600, env=env, **popen)


def expect_one_failure(run: subprocess.CompletedProcess, *phrases: str) -> None:
    """Exit status 1, exactly one error message containing ``phrases``, a fix, and no traceback."""
    assert run.returncode == 1, f"exit {run.returncode}\n{run.stderr[-3000:]}"
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.stderr[-3000:]
    assert "Things to try:" in run.stderr, run.stderr[-3000:]
    for phrase in phrases:
        assert phrase in run.stderr, f"{phrase!r} not in:\n{run.stderr[-3000:]}"


def records(folder: Path) -> dict[str, bytes]:
    """The build's records and its firmware, as bytes."""
    files = {name: (folder / name).read_bytes() for name in RECORDS if (folder / name).is_file()}
    files.update({str(p.relative_to(folder)): p.read_bytes() for p in (folder / "project").rglob("firmware.elf")})
    return files


@pytest.fixture(scope="session")
def cache(tmp_path_factory) -> Path:
    """One edgekit cache (PlatformIO core with tool-scons) for every fault test."""
    return tmp_path_factory.getbasetemp() / "edgekit-cache"


@pytest.fixture(autouse=True)
def _cache_env(cache, monkeypatch):
    monkeypatch.setenv("EDGEKIT_CACHE", str(cache))


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> Path:
    """Test data for the hello_world model (one float input)."""
    path = tmp_path_factory.mktemp("data") / "hello.npy"
    np.save(path, np.random.default_rng(0).uniform(0, 6.28, (20_000, 1)).astype(np.float32))
    return path


def make_good_build(folder: Path, samples: Path, cache: Path) -> Path:
    """A built and validated hello_world for qemu_m4 in ``folder``: every record there."""
    env = {**os.environ, "EDGEKIT_CACHE": str(cache)}
    run = edgekit("build", MODEL, "-b", "qemu_m4", "-o", folder, env=env)
    assert run.returncode == 0, run.stderr
    run = edgekit("validate", "-b", "qemu_m4", "--build-dir", folder, "--test-data", samples, "--n", "5", env=env)
    assert run.returncode == 0, run.stderr
    assert set(RECORDS) <= {p.name for p in folder.iterdir()}
    return folder


@pytest.fixture
def good_build(tmp_path, samples, cache) -> Path:
    """A fresh good build (tests may damage it)."""
    return make_good_build(tmp_path / "good", samples, cache)
