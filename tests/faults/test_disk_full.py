"""A full disk (a small tmpfs) and a file size limit (RLIMIT_FSIZE) while edgekit writes its outputs."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess

import pytest

from tests.conftest import shared_model
from tests.faults.conftest import MODEL, edgekit, expect_one_failure, make_good_build, records

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs, unmounted afterwards (needs root, as on the project's machines)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); test_file_size_limit covers a full disk without it")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(disk) -> None:
    with open(disk / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


def test_full_disk_while_validating_and_building(small_disk, samples, cache):
    good = make_good_build(small_disk / "good", samples, cache)
    before = records(good)
    _fill(small_disk)
    run = edgekit("validate", "-b", "qemu_m4", "--build-dir", good, "--test-data", samples, "--n", "5")
    expect_one_failure(run, f"cannot write '{good / 'validation.json'}': No space left on device",
                       "free some space on that disk")
    assert records(good) == before

    run = edgekit("build", MODEL, "-b", "qemu_m4", "-o", small_disk / "new")
    expect_one_failure(run, "No space left on device", "free some space on that disk")
    assert not (small_disk / "new").exists()  # no half-made folder
    assert records(good) == before


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_file_size_limit_while_building(good_build, tmp_path):
    before = records(good_build)
    # model.tflite and the sources fit in 48 KiB; PlatformIO's objects and the firmware do not
    run = edgekit("build", MODEL, "-b", "qemu_m4", "-o", tmp_path / "new", preexec_fn=_limit_file_size(48 * 1024))
    expect_one_failure(run, "the build ran out of disk space", "ulimit -f")
    # another model into the good build's folder: its sources are over the limit, and the folder's records stay
    # those of the last good build
    run = edgekit("build", shared_model("ad01_int8.tflite"), "-b", "qemu_m4", "-o", good_build,
                  preexec_fn=_limit_file_size(48 * 1024))
    expect_one_failure(run, "File too large", "ulimit -f")
    assert records(good_build) == before
