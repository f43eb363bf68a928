#!/usr/bin/env bash
# Install edgekit and everything it needs into .venv at the top of the repository. Safe to re-run.
#
# Python packages come from PyPI through pip (pyproject.toml lists them). Later stages add the Debian
# packages they need (cross compilers, QEMU) here, so a fresh machine needs nothing installed by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

# tflite-micro ships wheels for CPython 3.10-3.13 only: pick the first interpreter in that range.
pick_python() {
  for candidate in ${PYTHON:-} python3.11 python3.12 python3.13 python3.10 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  python=$(pick_python) || { echo "error: edgekit needs Python 3.10 to 3.13 (tflite-micro has no wheels for others)" >&2; exit 1; }
  echo "creating .venv with $($python --version)" >&2
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
echo "edgekit $(.venv/bin/python -c 'import edgekit; print(edgekit.__version__)') installed in .venv" >&2
