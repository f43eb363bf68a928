"""TFLM's interpreter on the emulated Cortex-M4: `edgekit build --board qemu_m4 --runtime tflm --tflm-dir TREE`
compiles the user's create_tflm_tree.py output with edgekit's QEMU platform, the firmware's boot self-test
matches the host tflite-micro interpreter, and `edgekit validate` gets identical outputs over the serial
protocol, as with edgekit's own runtime.

EDGEKIT_TFLM_DIR names the tree; without it these tests skip and say so. Compiling a whole TFLM tree takes
minutes on two cores.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from edgekit import platformio
from tests.conftest import shared_model

TREE = os.environ.get("EDGEKIT_TFLM_DIR")  # read at import: the isolation fixture clears EDGEKIT_* per test
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not TREE or not (Path(TREE) / "tensorflow" / "lite" / "micro" / "micro_interpreter.h").is_file(),
    reason="EDGEKIT_TFLM_DIR does not name a TFLM tree from create_tflm_tree.py: skipped")]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(platformio.CACHE_VARIABLE, str(tmp_path_factory.getbasetemp() / "edgekit-cache"))


def test_tflm_from_the_users_tree_builds_selftests_and_validates_on_qemu_m4(tmp_path, run_cli):
    out = tmp_path / "qemu_m4"
    code, stdout, err = run_cli("build", shared_model("hello_world_int8.tflite"), "--board", "qemu_m4", "--runtime",
                                "tflm", "--tflm-dir", TREE, "-o", out, "--selftest-samples", "3", "--json")
    assert code == 0, err
    assert json.loads(stdout)["template"] == "tflm_emulated"
    code, stdout, err = run_cli("flash", "--board", "qemu_m4", "--build-dir", out)
    text = stdout + err
    assert code == 0, text
    assert "with tensorflow/tflite-micro" in text and "arena:" in text
    assert "self-test: 3 of 3 samples identical to the host TFLM" in text
    x = np.linspace(0.0, 6.28, 25, dtype=np.float32)[:, np.newaxis]
    np.savez(tmp_path / "sine.npz", x=x, y=np.sin(x))
    code, stdout, err = run_cli("validate", "--board", "qemu_m4", "--build-dir", out, "--test-data",
                                tmp_path / "sine.npz", "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert result["samples"] == 25 and result["identical"] == 25 and result["outputs"][0]["accuracy"]["name"] == "mse"


def test_the_emulated_tflm_project_sources_compile_against_the_tree(tmp_path):
    """The quick half of the test above: the rendered application, engine and QEMU port compiled with the
    rendered build_flags against the tree's headers (no library build), with -Wall -Wextra clean."""
    import re
    import shutil
    import subprocess

    from edgekit.catalog import load_board
    from edgekit.reader import read_model_file
    from edgekit.render import RenderOptions, render_project

    data, info = read_model_file(shared_model("hello_world_int8.tflite"))
    result = render_project(data, info, load_board("qemu_m4"), tmp_path / "project",
                            RenderOptions(template="tflm_emulated", arena_bytes=4096, tflm_dir=Path(TREE),
                                          model_name="hello_world"))
    ini = (result.project_dir / "platformio.ini").read_text()
    flags = [line.strip() for line in re.search(r"^build_flags =\n((?:    .*\n)+)", ini, re.MULTILINE)[1].splitlines()]
    assert "-DPROJECT_GENERATION" in flags and "lib_deps = tflm" in ini
    gxx = shutil.which("arm-none-eabi-g++")
    assert gxx, "arm-none-eabi-g++ is part of scripts/setup.sh"
    for source in sorted((result.project_dir / "src").glob("*.c*")):
        compiler = gxx if source.suffix == ".cc" else shutil.which("arm-none-eabi-gcc")
        language = [f for f in flags if not f.startswith("-std=")] if source.suffix == ".c" else flags
        run = subprocess.run([compiler, "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16", "-O2",
                              "-Wall", "-Wextra", "-fno-rtti" if source.suffix == ".cc" else "-std=c99",
                              *(["-fno-exceptions"] if source.suffix == ".cc" else []), *language,
                              f"-I{result.project_dir / 'src'}", "-c", str(source), "-o",
                              str(tmp_path / (source.name + ".o"))], capture_output=True, text=True)
        assert run.returncode == 0, f"{source.name}:\n{run.stderr[-3000:]}"
        own_warnings = [line for line in run.stderr.splitlines() if "warning:" in line and str(result.project_dir) in line]
        assert not own_warnings, "\n".join(own_warnings)
