"""The smallest-arena search on a model whose too-small trials crash TFLM (SIGSEGV after "Failed to allocate
tail memory"): a crashed trial means "too small", so a large model still gets a budget."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from edgekit.host import measure_tflm_arena
from tests.opmodels import Builder, schema
from tests.conftest import shared_model


def dense_784_2048_10() -> bytes:
    """784-2048-10 FULLY_CONNECTED with per-channel weights, 1.6 MB: bigger than an ESP32 app partition."""
    rng = np.random.default_rng(0)
    b = Builder()
    x = b.tensor([1, 784], "int8", [0.02], [-3])
    w1 = b.tensor([2048, 784], "int8", [0.01] * 2048, [0] * 2048,
                  data=rng.integers(-127, 128, (2048, 784), dtype=np.int8))
    b1 = b.tensor([2048], "int32", [0.0002] * 2048, [0] * 2048, data=rng.integers(-1000, 1000, 2048).astype(np.int32))
    h = b.tensor([1, 2048], "int8", [0.05], [-128])
    w2 = b.tensor([10, 2048], "int8", [0.01], [0], data=rng.integers(-127, 128, (10, 2048), dtype=np.int8))
    b2 = b.tensor([10], "int32", [0.0005], [0], data=rng.integers(-1000, 1000, 10).astype(np.int32))
    y = b.tensor([1, 10], "int8", [0.1], [0])
    for inputs, output in (([x, w1, b1], h), ([h, w2, b2], y)):
        options = schema.FullyConnectedOptionsT()
        b.operator(schema.BuiltinOperator.FULLY_CONNECTED, inputs, [output], schema.BuiltinOptions.FullyConnectedOptions,
                   options, 1)
    return b.finish([x], [y])


_TRIAL = """
import sys
from tflite_micro.python.tflite_micro import runtime
runtime.Interpreter.from_bytes(open(sys.argv[1], "rb").read(), arena_size=int(sys.argv[2]))
"""


def _allocates_alone(path, size: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _TRIAL, str(path), str(size)], capture_output=True, text=True)


def test_a_model_whose_small_trials_crash_gets_its_smallest_arena(tmp_path):
    model = dense_784_2048_10()
    path = tmp_path / "dense.tflite"
    path.write_bytes(model)
    # the crash is real: a too-small arena kills the interpreter's process with a signal
    crashed = _allocates_alone(path, 16384)
    assert crashed.returncode < 0, crashed.stderr[-300:]
    smallest = measure_tflm_arena(model).smallest_bytes
    assert _allocates_alone(path, smallest).returncode == 0
    assert _allocates_alone(path, smallest - 16).returncode != 0


def test_check_reports_the_budget_of_a_model_too_big_for_the_board(run_cli, tmp_path):
    path = tmp_path / "dense.tflite"
    path.write_bytes(dense_784_2048_10())
    code, out, err = run_cli("check", path, "-b", "esp32dev")
    assert code == 1
    assert "esp32dev: DOES NOT FIT" in out and "problem: flash" in err
    assert "crashed" not in err and "SIGSEGV" not in err


@pytest.mark.parametrize("name", ["kws_ref_model", "ad01_int8", "vww_96_int8"])
def test_computed_bounds_hold_the_smallest_arena(name):
    from edgekit.tflm_worker import arena_bounds

    model = shared_model(f"{name}.tflite").read_bytes()
    low, high = arena_bounds(model)
    assert low <= measure_tflm_arena(model).smallest_bytes <= high
