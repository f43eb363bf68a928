#!/usr/bin/env bash
# The main job on the offline default: install, train the digits example, quantize it to full int8, and
# render its TFLM firmware project for the ESP32 (ESP-IDF + esp-tflite-micro). Building that project
# needs PlatformIO's registry; the offline build for the emulated boards comes with the build stage.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=examples/digits/build
.venv/bin/python examples/digits/prepare.py --out "$out"
.venv/bin/edgekit quantize "$out/cnn.keras" --rep-data "$out/calib.npz" --test-data "$out/test.npz" \
  -o "$out/cnn_int8.tflite" --force
.venv/bin/edgekit render "$out/cnn_int8.tflite" --board esp32 --selftest-data "$out/test.npz" \
  -o "$out/firmware_esp32" --force
