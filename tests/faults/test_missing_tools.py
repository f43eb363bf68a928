"""The cross compiler or QEMU missing from PATH (a PATH of links to every program but those)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.faults.conftest import MODEL, edgekit, expect_one_failure, records

pytestmark = pytest.mark.slow


def _path_without(folder: Path, *prefixes: str) -> dict:
    """An environment whose PATH has every program of the current PATH except those starting with ``prefixes``."""
    folder.mkdir()
    for directory in reversed(os.environ["PATH"].split(os.pathsep)):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            if not name.startswith(prefixes):
                link = folder / name
                link.unlink(missing_ok=True)
                link.symlink_to(Path(directory) / name)
    return {**os.environ, "PATH": str(folder)}


def test_cross_compiler_missing(good_build, tmp_path):
    env = _path_without(tmp_path / "bin", "arm-none-eabi-")
    before = records(good_build)
    run = edgekit("build", MODEL, "-b", "qemu_m4", "-o", tmp_path / "new", env=env)
    expect_one_failure(run, "The Arm cross compiler (arm-none-eabi-gcc and g++) is not installed",
                       "sudo apt-get install gcc-arm-none-eabi")
    run = edgekit("build", MODEL, "-b", "qemu_m4", "-o", good_build, env=env)  # a rebuild of the good one
    expect_one_failure(run, "The Arm cross compiler (arm-none-eabi-gcc and g++) is not installed")
    assert records(good_build) == before


def test_qemu_missing(good_build, tmp_path, samples):
    env = _path_without(tmp_path / "bin", "qemu-system-")
    before = records(good_build)
    for command in (["flash", "-b", "qemu_m4", "--build-dir", good_build],
                    ["validate", "-b", "qemu_m4", "--build-dir", good_build, "--test-data", samples, "--n", "5"]):
        run = edgekit(*command, env=env)
        expect_one_failure(run, "qemu-system-arm is not installed", "apt-get install qemu-system-arm")
    assert records(good_build) == before
