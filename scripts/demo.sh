#!/usr/bin/env bash
# The main job on the offline default: install, train the digits example, quantize it to full int8.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=examples/digits/build
.venv/bin/python examples/digits/prepare.py --out "$out"
.venv/bin/edgekit quantize "$out/cnn.keras" --rep-data "$out/calib.npz" --test-data "$out/test.npz" \
  -o "$out/cnn_int8.tflite" --force
