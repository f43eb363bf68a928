"""Build figures: wall time of each stage of `edgekit build` for the emulated and host boards, offline,
and the firmware's flash and RAM read from the ELF.

Builds the digits CNN (examples/digits, trained here) and two ../shared models. The first build in a
fresh cache also seeds PlatformIO's core directory; its time is reported separately.
Run: .venv/bin/python benchmarks/build.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MODELS = Path(os.environ.get("EDGEKIT_SHARED", REPO.parent / "shared")) / "models"

from edgekit import platformio  # noqa: E402
from edgekit.catalog import load_board  # noqa: E402
from edgekit.emulator import run_firmware  # noqa: E402
from edgekit.pipeline import build  # noqa: E402

BOARDS = ["qemu_m4", "qemu_m3", "qemu_m7", "host"]


def digits_model(folder: Path) -> Path:
    """The digits CNN of examples/digits as a Keras file, with its calibration data, trained here."""
    import subprocess

    subprocess.run([sys.executable, str(REPO / "examples" / "digits" / "prepare.py"), "--out", str(folder)],
                   check=True, capture_output=True)
    return folder / "cnn.keras"


def main() -> int:
    """Print one row per (model, board): stage times, total, ELF flash and RAM, and the boot result."""
    with tempfile.TemporaryDirectory(prefix="edgekit-bench-") as tmp:
        tmp_path = Path(tmp)
        os.environ[platformio.CACHE_VARIABLE] = str(tmp_path / "cache")
        start = time.perf_counter()
        platformio.private_core_dir()
        print(f"seeding PlatformIO's private core (tool-scons from PyPI's scons): {time.perf_counter() - start:.2f} s")
        keras_model = digits_model(tmp_path / "digits")
        cases = [(keras_model, str(tmp_path / "digits" / "calib.npz"))] + [
            (MODELS / f"{name}.tflite", None) for name in ("kws_ref_model", "vww_96_int8")]
        header = ["model", "board", "quantize", "read", "budget", "render", "build", "size", "total", "flash B",
                  "RAM B", "boot"]
        print(("{:<16}{:<9}" + "{:>9}" * 7 + "{:>10}{:>7}{:>8}").format(*header))
        for model, rep_data in cases:
            for board in BOARDS:
                from edgekit.pipeline import BuildOptions

                started = time.perf_counter()
                result = build(model, board, tmp_path / "out" / f"{model.stem}-{board}", BuildOptions(rep_data=rep_data))
                total = time.perf_counter() - started
                run = run_firmware(result.firmware, load_board(board), timeout_s=60)
                times = {s.name: s.seconds for s in result.stages}
                print(("{:<16}{:<9}" + "{:>9.2f}" * 7 + "{:>10,}{:>7,}{:>8}").format(
                    model.stem[:15], board, *(times[n] for n in ("quantize", "read", "budget", "render", "build",
                                                                 "size")), total, result.after.flash.used,
                    result.after.ram.used, f"{'ok' if run.status == 0 else run.status} {run.seconds:.1f}s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
