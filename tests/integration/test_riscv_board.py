"""The RISC-V emulated board (qemu_rv32: QEMU virt, RV32IMC, the ESP32-C3's instruction set) end to end,
offline: `edgekit build` with edgekit's own PlatformIO platform, Debian's riscv64-unknown-elf-gcc and
picolibc; `edgekit flash` runs the boot self-test in qemu-system-riscv32; `edgekit validate` drives the
serial protocol over the 16550 UART, with latency from the core's retired-instruction counter."""

from __future__ import annotations

import json

import pytest

from edgekit import platformio
from tests.conftest import shared_model

pytestmark = [pytest.mark.slow]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(platformio.CACHE_VARIABLE, str(tmp_path_factory.getbasetemp() / "edgekit-cache"))


@pytest.mark.parametrize("name", ["kws_ref_model", "ad01_int8"])
def test_shared_model_builds_for_qemu_rv32_within_its_budget_and_passes_the_self_test(name, run_cli, tmp_path):
    out = tmp_path / name
    code, stdout, err = run_cli("build", shared_model(f"{name}.tflite"), "-b", "qemu_rv32", "--selftest-samples",
                                "10", "-o", out, "--json")
    assert code == 0, err
    summary = json.loads(stdout)
    estimate, measured = summary["estimate"], summary["measured"]
    # the budget before the build is the ELF's: RAM to the byte, flash within 1%
    assert estimate["ram"]["used"] == measured["ram"]["used"]
    assert abs(estimate["flash"]["used"] - measured["flash"]["used"]) <= 0.01 * measured["flash"]["used"]
    code, stdout, err = run_cli("flash", "-b", "qemu_rv32", "--build-dir", out)
    assert code == 0, stdout + err
    assert "self-test: 10 of 10 samples identical to the host TFLM" in stdout


@pytest.mark.tf
def test_validate_digits_on_qemu_rv32_100_of_100_identical(cnn_model, digits, run_cli, tmp_path):
    model = tmp_path / "cnn_int8.tflite"
    assert run_cli("quantize", cnn_model, "--rep-data", digits / "calib.npz", "-o", model, "--no-layer-report")[0] == 0
    code, _, err = run_cli("build", model, "--board", "qemu_rv32", "-o", tmp_path / "rv32")
    assert code == 0, err
    code, stdout, err = run_cli("validate", "--board", "qemu_rv32", "--build-dir", tmp_path / "rv32", "--test-data",
                                digits / "test.npz", "--n", "100", "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert result["samples"] == 100 and result["identical"] == 100 and result["max_abs_diff"] == 0
    # latency from RDINSTRET: the digits CNN is a few million instructions (1 µs = 1,000 instructions)
    assert 100 < result["latency_us_min"] <= result["latency_us_mean"] <= result["latency_us_max"] < 100_000
    assert "RDINSTRET" in result["latency_note"]
