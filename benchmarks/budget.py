"""Budget figures: edgekit's 32-bit TFLM arena estimate against the Cortex-M4 reference, the offline
memory plan's saving on the real TFLM, and the flash estimate against the measured TFLM builds.

Reads the models and the reference figures in ../shared/models (README.md); prints one table per figure.
Run: .venv/bin/python benchmarks/budget.py
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MODELS = Path(os.environ.get("EDGEKIT_SHARED", REPO.parent / "shared")) / "models"

from edgekit import host  # noqa: E402
from edgekit.arena import best_plan, estimate_tflm_arena, with_offline_plan  # noqa: E402
from edgekit.budget import check_budget  # noqa: E402
from edgekit.catalog import load_board  # noqa: E402
from edgekit.reader import read_model_file  # noqa: E402

# Measured whole-program TFLM code (no model) on Cortex-M4, performance.md 3.6, in KB: (reference, CMSIS-NN).
MEASURED_CODE_KB = {"kws_ref_model": (42.2, 85.5), "vww_96_int8": (42.2, 85.5), "pretrainedResnet_quant": (46.5, 80.2),
                    "person_detect": (38.0, 71.7), "hello_world_int8": (21.3, 33.1), "ad01_int8": (21.3, 33.1)}


def reference() -> dict[str, tuple[int, int, int]]:
    """model -> (arena_used_bytes, head, live-set bound) from ../shared/models/README.md."""
    section = (MODELS / "README.md").read_text().split("## Reference figures measured on a 32-bit target", 1)[1]
    rows = re.findall(r"^\| (\w+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \|", section, re.MULTILINE)
    return {n: tuple(int(v.replace(",", "")) for v in values) for n, *values in rows}


def main() -> int:
    """Print the three tables; exit 1 if an arena estimate misses its target."""
    figures = reference()
    print("Arena: estimate for a 32-bit target vs arena_used_bytes measured on a Cortex-M4")
    print(f"{'model':<24}{'device':>9}{'host 64-bit':>13}{'estimate':>10}{'over':>7}{'over %':>8}{'allowed':>9}{'s':>6}")
    ok = True
    for name, (used, _, _) in figures.items():
        start = time.perf_counter()
        estimate = estimate_tflm_arena((MODELS / f"{name}.tflite").read_bytes())
        seconds = time.perf_counter() - start
        over = estimate.bytes - used
        allowed = max(1024, int(0.05 * used))
        ok &= 0 <= over <= allowed
        print(f"{name:<24}{used:>9,}{estimate.host.smallest_bytes:>13,}{estimate.bytes:>10,}{over:>7,}"
              f"{100 * over / used:>7.2f}%{allowed:>9,}{seconds:>6.1f}")

    print("\nOffline memory plan: head (activations) and the host TFLM's smallest arena, without and with the plan")
    print(f"{'model':<24}{'greedy head':>12}{'plan head':>10}{'bound':>8}{'arena before':>13}{'arena after':>12}{'saved':>8}")
    for name in figures:
        model, info = read_model_file(MODELS / f"{name}.tflite")
        plan = best_plan(info)
        before = host.measure_tflm_arena(model).smallest_bytes
        after = host.measure_tflm_arena(with_offline_plan(model, plan)).smallest_bytes if plan.saving else before
        print(f"{name:<24}{plan.greedy_head:>12,}{plan.head:>10,}{plan.lower_bound:>8,}{before:>13,}{after:>12,}"
              f"{before - after:>8,}")

    print("\nFlash: TFLM code estimate (model excluded) vs the measured Cortex-M4 builds")
    print(f"{'model':<24}{'ref est':>9}{'ref meas':>10}{'CMSIS est':>11}{'CMSIS meas':>12}")
    for name, (ref_kb, cmsis_kb) in MEASURED_CODE_KB.items():
        model, info = read_model_file(MODELS / f"{name}.tflite")
        code = {}
        for label, board in (("ref", "qemu_m4"), ("cmsis", "nucleo_f446re")):
            report = check_budget(model, info, load_board(board))
            # TFLM's own code: everything but the model and the board framework's baseline
            code[label] = sum(p.bytes for p in report.flash.parts if p.label != "model flatbuffer"
                              and not any(k in p.label for k in ("minimal program", "not counted", "bare metal")))
        print(f"{name:<24}{code['ref'] / 1024:>8.1f}K{ref_kb:>9.1f}K{code['cmsis'] / 1024:>10.1f}K{cmsis_kb:>11.1f}K")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
