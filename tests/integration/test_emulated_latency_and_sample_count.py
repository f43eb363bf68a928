"""On an emulated board, the boot self-test and `validate` time inferences on the same clock (QEMU's
instruction count), so their latencies agree; and `validate --n` larger than the data says how many ran."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from edgekit import platformio
from tests.conftest import shared_model

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(platformio.CACHE_VARIABLE, str(tmp_path_factory.getbasetemp() / "edgekit-cache"))


def test_selftest_and_validate_latencies_agree_and_short_data_is_said(run_cli, tmp_path):
    samples = tmp_path / "samples.npy"
    np.save(samples, np.random.default_rng(0).uniform(-2, 2, (3, 49, 10, 1)).astype(np.float32))
    out = tmp_path / "out"
    code, stdout, err = run_cli("build", shared_model("kws_ref_model.tflite"), "-b", "qemu_m4", "-o", out,
                                "--selftest-data", samples, "--selftest-samples", "3")
    assert code == 0, err
    code, stdout, err = run_cli("flash", "-b", "qemu_m4", "--build-dir", out)
    assert code == 0, err
    selftest_us = int(re.search(r"self-test: 3 of 3 samples identical to the host TFLM; slowest (\d+) us", stdout)[1])

    code, stdout, err = run_cli("validate", "-b", "qemu_m4", "--build-dir", out, "--test-data", samples, "--n", "50",
                                "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert result["samples"] == 3 and result["identical"] == 3
    said = f"50 samples were asked for, but {samples} holds 3: 3 validated"
    assert said in err and said in result["notes"]
    # the same instructions on the same clock: within 2 % (the self-test's is the slowest of the three)
    assert abs(selftest_us - result["latency_us_max"]) <= 0.02 * result["latency_us_max"], (selftest_us, result)
