"""Validation figures: `edgekit validate` on the digits CNN (examples/digits, trained and quantized here)
for the emulated Cortex-M4 and the host board, 100 test images each, through the serial protocol.

Prints per board: outputs identical to the host TFLM, the largest difference, accuracy on the device, the
host int8 model and the float model, the latency the device measured (on qemu_m4 1 µs is 1,000
instructions), the link's retries, and the wall time of the whole validation and per sample.
Run: .venv/bin/python benchmarks/validate.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from edgekit import platformio  # noqa: E402
from edgekit.pipeline import BuildOptions, build  # noqa: E402
from edgekit.quantization import quant_report_bytes, quantize, report_path_for  # noqa: E402
from edgekit.validate import validate  # noqa: E402

SAMPLES = 100


def main() -> int:
    """Train, quantize and build the digits CNN, then validate it on each emulated board; one row each."""
    with tempfile.TemporaryDirectory(prefix="edgekit-validate-") as tmp:
        folder = Path(tmp)
        os.environ[platformio.CACHE_VARIABLE] = str(folder / "cache")
        subprocess.run([sys.executable, str(REPO / "examples" / "digits" / "prepare.py"), "--out", str(folder)],
                       check=True, capture_output=True)
        result = quantize(str(folder / "cnn.keras"), str(folder / "calib.npz"), test_data=str(folder / "test.npz"),
                          layer_errors=False)
        model = folder / "cnn_int8.tflite"
        model.write_bytes(result.tflite)
        report_path_for(model).write_bytes(quant_report_bytes(result.report, result.tflite))
        print(f"{'board':<9}{'identical':>11}{'max diff':>9}{'device':>9}{'host int8':>10}{'float':>8}"
              f"{'latency us':>12}{'retries':>8}{'wall s':>8}{'ms/sample':>10}")
        for board in ("qemu_m4", "host"):
            out = build(model, board, folder / board, BuildOptions(selftest_count=5)).output_dir
            started = time.monotonic()
            report = validate(out, board, str(folder / "test.npz"), SAMPLES)
            wall = time.monotonic() - started
            accuracy = report.accuracy
            print(f"{board:<9}{f'{report.identical}/{report.samples}':>11}{report.max_abs_diff:>9}"
                  f"{accuracy.device:>9.2%}{accuracy.host_int8:>10.2%}{accuracy.float_model or 0:>8.2%}"
                  f"{report.latency_us_mean:>12,.0f}{report.retries:>8}{wall:>8.1f}{1000 * wall / SAMPLES:>10.1f}")
    print("\nwall s: the whole validate call (host TFLM reference, float model, emulator start, 100 exchanges).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
