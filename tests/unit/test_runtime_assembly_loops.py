"""The inline-assembly loops of optimised Thumb-2 DSP builds (EK_DSP_ASM: dense blocks of four units,
convolutions' im2col pairs, packed-weight blocks) stay bit-exact with the tflite-micro interpreter at every
optimisation level PlatformIO's platforms use, -Os included: at -Os GCC leaves an int8_t array aligned to
a byte, and the loops' two-word loads (LDRD) fault on weights that are not word-aligned, so the generator
emits the weights they read as words. One QEMU Cortex-M4 batch per level, odd and even counts of
four-value groups, blocks of 8 and of 4 units."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest

from edgekit.codegen import all_kernel_families, generate, kernel_sources, render_runtime_sources
from edgekit.reader import read_model
from tests.helpers_c import CORTEX_M4F, compiler
from tests.opmodels import SAME, VALID, conv_model, fc_model
from tests.runtime_batch import assert_batch_bit_exact, case


def _cases() -> list:
    rng = np.random.default_rng(11)
    models = [
        # convolutions through im2col columns: windows of 8, 20 (5 groups), 27 (padded to 28), 36 values
        conv_model(rng, False, 7, 6, 8, 1, 1, 1, 1, SAME, 1, out_c=12, spread=20),
        conv_model(rng, False, 5, 5, 20, 1, 1, 1, 1, SAME, 0, out_c=8, spread=20),
        conv_model(rng, False, 9, 9, 3, 3, 3, 2, 1, SAME, 1, out_c=16),
        conv_model(rng, False, 6, 7, 4, 3, 3, 1, 1, VALID, 0, out_c=4, spread=30),
        # dense layers: 1, 2, 3 and 33 groups of four inputs; blocks of 8 and a last block of 4
        fc_model(rng, 1, 4, 12, 1),
        fc_model(rng, 2, 8, 20, 0),
        fc_model(rng, 1, 12, 9, 0, spread=20),
        fc_model(rng, 3, 132, 28, 1, spread=25),
    ]
    cases = [case(f"m{i}", model, samples=2, seed=i) for i, model in enumerate(models)]
    # packed weights: 4-bit blocks with escapes (narrow rows) and 5- or 6-bit ones (wide rows), int8 blocks,
    # delta blocks; each layer after a wide one, so that packing saves more than its kernel's code
    packed = [fc_model(rng, 1, 96, 16, 0, spread=3, lead_depth=128), fc_model(rng, 2, 100, 12, 1, spread=12,
                                                                              lead_depth=128),
              fc_model(rng, 1, 64, 8, 0, spread=40, lead_depth=400), fc_model(rng, 1, 128, 24, 0, drift=2,
                                                                              lead_depth=120)]
    for model in packed:
        calls = generate(model, read_model(model), optimize="flash").calls
        assert all("ek_fully_connected_packed_s8(" in c.call for c in calls)
    assert "_pdeltas[" in "\n".join(calls[-1].arrays)  # (the last model's second layer: delta blocks)
    return cases + [case(f"p{i}", model, samples=2, seed=i, optimize="flash") for i, model in enumerate(packed)]


@pytest.mark.parametrize("optimization", ["-Os", "-O2", "-O3"])
def test_assembly_loops_are_bit_exact_at_every_optimisation_level(optimization, tmp_path):
    assert_batch_bit_exact(_cases(), "qemu_m4", tmp_path, optimization=optimization)


def test_weights_the_assembly_loads_are_word_aligned_at_os(tmp_path):
    """Every weight array the loops read with LDRD (the interleaved dense blocks and the convolutions'
    channel blocks, k_op*_w) is aligned to a word in an -Os object: its own section, per -fdata-sections,
    says so (an int8_t array's says 2**0, and the batch above may still place it on a word by chance)."""
    for name, text in kernel_sources(all_kernel_families()).items():
        (tmp_path / name).write_text(text)
    alignments = {}
    for k, item in enumerate(_cases()[:8]):  # the balanced build's blocked convolutions and dense layers
        for name, text in render_runtime_sources(item.model, read_model(item.model), "", "auto", "balanced").items():
            if name in ("ek_model.c", "ek_model.h", "ek_kernels.h"):
                (tmp_path / name).write_text(text)
        obj = tmp_path / f"m{k}.o"
        subprocess.run([compiler("arm-none-eabi-gcc"), "-std=c99", "-Os", "-fdata-sections", *CORTEX_M4F,
                        f"-I{tmp_path}", "-c", str(tmp_path / "ek_model.c"), "-o", str(obj)], check=True)
        headers = subprocess.run([compiler("arm-none-eabi-objdump"), "-h", str(obj)], capture_output=True,
                                 text=True, check=True).stdout
        for section, alignment in re.findall(r"\.rodata\.(k_op\d+_w)\s.*?2\*\*(\d+)", headers):
            alignments[f"m{k}.{section}"] = int(alignment)
    assert len(alignments) == 8, alignments
    assert all(a >= 2 for a in alignments.values()), alignments
