#!/usr/bin/env bash
# The main job on the offline default: install, train the digits example, quantize it to full int8, build
# its firmware (edgekit's runtime) for the emulated Cortex-M4 board (QEMU mps2-an386) with PlatformIO, and
# run it in QEMU: the device checks 20 test images against the host TFLM's outputs and exits 0 only when
# all are identical. Then `edgekit validate` sends 100 test images over the serial protocol (QEMU's UART on
# a pty) and compares outputs, accuracy and latency with the host; report.html shows it all. All of it
# works without internet. It also renders the ESP32 TFLM project (building that one needs PlatformIO's
# registry).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=examples/digits/build
.venv/bin/python examples/digits/prepare.py --out "$out"
.venv/bin/edgekit quantize "$out/cnn.keras" --rep-data "$out/calib.npz" --test-data "$out/test.npz" \
  -o "$out/cnn_int8.tflite" --force
.venv/bin/edgekit build "$out/cnn_int8.tflite" --board qemu_m4 --selftest-data "$out/test.npz" \
  --selftest-samples 20 -o "$out/qemu_m4" --force
.venv/bin/edgekit flash --board qemu_m4 --build-dir "$out/qemu_m4"
.venv/bin/edgekit validate --board qemu_m4 --build-dir "$out/qemu_m4" --test-data "$out/test.npz" --n 100
.venv/bin/edgekit render "$out/cnn_int8.tflite" --board esp32 --selftest-data "$out/test.npz" \
  -o "$out/firmware_esp32" --force
