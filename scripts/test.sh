#!/usr/bin/env bash
# Install everything, then run the whole test suite (unit and integration, real TensorFlow and TFLM).
# The suite runs on up to four cores (pytest-xdist; CI has two): each test file goes whole to one worker,
# so that a file's module-scoped models and builds are made once. EDGEKIT_TEST_WORKERS overrides the count.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cores=$(nproc 2>/dev/null || echo 1)
workers=${EDGEKIT_TEST_WORKERS:-$(( cores < 4 ? cores : 4 ))}
exec .venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
