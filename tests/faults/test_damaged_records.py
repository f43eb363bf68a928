"""A damaged build.json or validation.json: the commands that read them say which file and what to do."""

from __future__ import annotations

import pytest

from tests.faults.conftest import edgekit, expect_one_failure, records

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("damage", ["truncated", "not an object"])
def test_damaged_build_json(good_build, samples, damage):
    summary = good_build / "build.json"
    text = summary.read_text()
    summary.write_text(text[:len(text) // 2] if damage == "truncated" else "[1, 2, 3]\n")
    before = records(good_build)
    for command in (["flash", "-b", "qemu_m4", "--build-dir", good_build],
                    ["monitor", "-b", "qemu_m4", "--build-dir", good_build],
                    ["validate", "-b", "qemu_m4", "--build-dir", good_build, "--test-data", samples, "--n", "5"],
                    ["report", good_build]):
        run = edgekit(*command)
        expect_one_failure(run, f"{summary} is damaged", "build again with `edgekit build`")
    assert records(good_build) == before


def test_damaged_validation_json(good_build):
    validation = good_build / "validation.json"
    validation.write_text(validation.read_text()[:40])
    before = records(good_build)
    run = edgekit("report", good_build)
    expect_one_failure(run, f"{validation} is damaged", "run `edgekit validate` again",
                       f"or delete {validation}")
    assert records(good_build) == before  # the last good report.html is kept
