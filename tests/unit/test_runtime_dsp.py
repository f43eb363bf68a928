"""The kernels' Cortex-M DSP path (SXTB16, SMLAD, SMLABB/SMLATT), bit-exact with the tflite-micro
interpreter on random single-op models: compiled with arm-none-eabi-gcc for the Cortex-M4F and run on
QEMU's mps2-an386 with edgekit's start-up code. The host tests (test_runtime_ops.py) cover the plain C
path; these cover what only an Arm core with the DSP extension runs: the 1x1 product two pixels by two
channels, im2col columns, depthwise four channels per word, and the remainders of each.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgekit import host
from edgekit.codegen import render_runtime_sources
from edgekit.emulator import firmware_command
from edgekit.catalog import load_board
from edgekit.reader import read_model
from tests import opmodels
from tests.helpers_c import CORTEX_M4F, WARNINGS, compiler

PLATFORM = Path(__file__).resolve().parents[2] / "edgekit" / "platforms" / "edgekit-qemu"
SAMPLES = 3


def run_on_cortex_m4(model: bytes, workdir: Path) -> None:
    """Builds the model with its inputs and TFLM's outputs embedded; the firmware exits with the number
    of differing output bytes, which must be 0."""
    info = read_model(model)
    sources = render_runtime_sources(model, info, "//")
    workdir.mkdir(parents=True, exist_ok=True)
    for name, text in sources.items():
        (workdir / name).write_text(text)
    shape = info.input_tensors[0].shape
    inputs = np.random.default_rng(5).integers(-128, 128, size=(SAMPLES, *shape[1:]), dtype=np.int8)
    expected = host.run_tflm_tensors(model, [inputs])[0].astype(np.int8)
    n_in, n_out = inputs[0].size, expected[0].size
    (workdir / "main.c").write_text(f"""
#include <string.h>
#include "ek_model.h"
static const signed char inputs[{SAMPLES * n_in}] = {{{", ".join(map(str, inputs.ravel()))}}};
static const signed char expected[{SAMPLES * n_out}] = {{{", ".join(map(str, expected.ravel()))}}};
int main(void) {{
  int differ = 0;
  for (int s = 0; s < {SAMPLES}; ++s) {{
    memcpy(ek_model_input(0), inputs + s * {n_in}, {n_in});
    ek_model_invoke();
    const signed char* got = (const signed char*)ek_model_output(0);
    for (int i = 0; i < {n_out}; ++i) differ += got[i] != expected[s * {n_out} + i];
  }}
  return differ > 100 ? 100 : differ;
}}
""")
    firmware = workdir / "firmware.elf"
    command = [compiler("arm-none-eabi-gcc"), "-std=c99", "-O2", *WARNINGS, *CORTEX_M4F, f"-I{workdir}",
               "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs", "-Wl,--gc-sections",
               f"-T{PLATFORM / 'ldscripts' / 'mps2.ld'}", str(PLATFORM / "startup" / "startup.c"),
               str(workdir / "main.c"), *sorted(str(f) for f in workdir.glob("ek_*.c")),
               "-o", str(firmware)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    run = subprocess.run(firmware_command(firmware, load_board("qemu_m4")), capture_output=True, timeout=60)
    assert run.returncode == 0, f"{run.returncode} output bytes differ from the tflite-micro interpreter"


DSP = settings(max_examples=10, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@DSP
@given(seed=st.integers(0, 2**16), h=st.integers(1, 7), w=st.integers(1, 7), c=st.integers(1, 13),
       out_c=st.integers(1, 7), activation=st.sampled_from(opmodels.ACTIVATIONS))
def test_pointwise_convolution_on_cortex_m4(tmp_path, seed, h, w, c, out_c, activation):
    """1x1 stride 1: odd pixel counts, odd channel counts and depths that are not a multiple of 4."""
    model = opmodels.conv_model(np.random.default_rng(seed), False, h, w, c, 1, 1, 1, 1, opmodels.SAME, activation,
                                out_c, 1)
    run_on_cortex_m4(model, tmp_path / f"pw{seed}")


@DSP
@given(seed=st.integers(0, 2**16), h=st.integers(3, 9), w=st.integers(3, 9), c=st.integers(1, 10),
       k=st.sampled_from([2, 3, 5]), stride=st.integers(1, 2), dilation=st.integers(1, 2),
       padding=st.sampled_from([opmodels.SAME, opmodels.VALID]), out_c=st.integers(1, 5))
def test_convolution_through_im2col_on_cortex_m4(tmp_path, seed, h, w, c, k, stride, dilation, padding, out_c):
    """k x k windows (with padding filled with the zero point), up to the im2col column size and beyond."""
    if padding == opmodels.VALID and (k - 1) * dilation + 1 > min(h, w):
        return
    model = opmodels.conv_model(np.random.default_rng(seed), False, h, w, c, k, k, stride, dilation, padding,
                                opmodels.ACTIVATIONS[0], out_c, 1)
    run_on_cortex_m4(model, tmp_path / f"conv{seed}")


@DSP
@given(seed=st.integers(0, 2**16), h=st.integers(2, 8), w=st.integers(2, 8), c=st.integers(1, 14),
       k=st.sampled_from([2, 3]), stride=st.integers(1, 2), dilation=st.integers(1, 2),
       padding=st.sampled_from([opmodels.SAME, opmodels.VALID]), depth_multiplier=st.integers(1, 2),
       activation=st.sampled_from(opmodels.ACTIVATIONS))
def test_depthwise_convolution_on_cortex_m4(tmp_path, seed, h, w, c, k, stride, dilation, padding, depth_multiplier,
                                            activation):
    """Four channels per word with the rest one by one; full 3x3 windows and windows cut by the padding."""
    if padding == opmodels.VALID and (k - 1) * dilation + 1 > min(h, w):
        return
    model = opmodels.conv_model(np.random.default_rng(seed), True, h, w, c, k, k, stride, dilation, padding,
                                activation, c * depth_multiplier, depth_multiplier)
    run_on_cortex_m4(model, tmp_path / f"dw{seed}")


def test_a_large_window_runs_tap_by_tap_on_cortex_m4(tmp_path):
    """k_h * k_w * in_c above EK_IM2COL_BYTES (256): the tap-by-tap path."""
    model = opmodels.conv_model(np.random.default_rng(3), False, 6, 6, 32, 3, 3, 1, 1, opmodels.SAME,
                                opmodels.ACTIVATIONS[1], 3, 1)
    run_on_cortex_m4(model, tmp_path / "large")
