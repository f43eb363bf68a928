"""Compiling generated C in tests: the host gcc and Debian's arm-none-eabi-gcc, with -Wall -Wextra -Werror."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

WARNINGS = ["-Wall", "-Wextra", "-Werror"]
#: The Cortex-M4F flags a board like the Nano 33 BLE or the Nucleo-F446RE builds with.
CORTEX_M4F = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]
#: The ESP32-C3's instruction set (RV32IMC), with Debian's riscv64-unknown-elf-gcc and picolibc's headers.
RV32IMC = ["-march=rv32imc", "-mabi=ilp32", "--specs=picolibc.specs"]


def compiler(name: str) -> str:
    """Path of a compiler that scripts/setup.sh installs; a missing one fails the test (CI has them)."""
    path = shutil.which(name)
    assert path, f"{name} is missing: scripts/setup.sh installs it (Debian packages gcc, gcc-arm-none-eabi)"
    return path


def compile_object(source: Path, include: Path, cross: bool | str, output: Path, extra_includes: list[Path] = (),
                   standard: str | None = None) -> None:
    """Compile one C or C++ file to an object, failing with the compiler's message on any warning.
    ``cross``: False for the host compiler, True (or "arm") for the Cortex-M4F, "riscv" for RV32IMC."""
    is_cpp = source.suffix in (".cc", ".cpp")
    prefix, flags = {False: ("", []), True: ("arm-none-eabi-", CORTEX_M4F), "arm": ("arm-none-eabi-", CORTEX_M4F),
                     "riscv": ("riscv64-unknown-elf-", RV32IMC)}[cross]
    name = prefix + ("g++" if is_cpp else "gcc")
    standard = standard or ("-std=c++11" if is_cpp else "-std=c99")
    includes = [f"-I{path}" for path in (include, *extra_includes)]
    command = [compiler(name), standard, *WARNINGS, *flags, *includes, "-c", str(source), "-o", str(output)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stderr}"


def build_host_program(sources: list[Path], include: Path, output: Path) -> Path:
    """Compile and link C sources into a host program."""
    command = [compiler("gcc"), "-std=c99", *WARNINGS, f"-I{include}", *map(str, sources), "-o", str(output)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stderr}"
    return output


def write_runtime_main(folder: Path, input_bytes: int, output_bytes: int) -> Path:
    """A host program for a generated edgekit model: reads inputs from stdin one sample at a time, runs
    ``ek_model_invoke`` and writes each sample's first output to stdout."""
    main = folder / "main.c"
    main.write_text(f"""
#include <stdio.h>
#include <string.h>
#include "ek_model.h"
int main(void) {{
  static unsigned char sample[{input_bytes}];
  while (fread(sample, 1, sizeof sample, stdin) == sizeof sample) {{
    memcpy(ek_model_input(0), sample, sizeof sample);
    ek_model_invoke();
    fwrite(ek_model_output(0), 1, {output_bytes}, stdout);
  }}
  return 0;
}}
""")
    return main
