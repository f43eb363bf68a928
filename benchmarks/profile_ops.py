"""Instructions per operator of a model on edgekit's runtime, on an emulated Cortex-M (QEMU with -icount
shift=0, so that the SysTick timer counts instructions): the generated ek_model.c with a SysTick read around
each kernel call, built with arm-none-eabi-gcc -O2 and run once on one input of zeros.

Run: .venv/bin/python benchmarks/profile_ops.py MODEL.tflite [qemu_m4|qemu_m3] [--in-place=auto|none|above|below]
(``--in-place``: which convolutions run over their own input, as codegen.generate's ``in_place``; default auto)

Prints the total, then the operators by instructions, with each one's MACs and instructions per MAC.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from edgekit.catalog import load_board  # noqa: E402
from edgekit.codegen import IN_PLACE_MODES, render_runtime_sources  # noqa: E402
from edgekit.emulator import firmware_command  # noqa: E402
from edgekit.errors import EdgekitError  # noqa: E402
from edgekit.reader import read_model_file  # noqa: E402

PLATFORM = REPO / "edgekit" / "platforms" / "edgekit-qemu"
CPU_FLAGS = {"qemu_m4": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
             "qemu_m3": ["-mcpu=cortex-m3", "-mthumb"]}
#: SysTick runs at 25 MHz on QEMU's mps2 boards; under -icount shift=0 one tick is 40 instructions.
INSTRUCTIONS_PER_TICK = 40
#: The SysTick counter is 24 bits wide: an operator longer than this many instructions wraps it.
LONGEST_OPERATOR = INSTRUCTIONS_PER_TICK * (1 << 24)

MAIN = r'''
#include <stdio.h>
#include <stdint.h>
#include "ek_model.h"
extern uint32_t ek_prof[];
void ek_uart_init(void);
int main(void) {
  ek_uart_init();
  /* SysTick: reload 2^24 - 1, current 0, enabled on the core clock, no interrupt */
  *(volatile uint32_t*)0xE000E014u = 0xFFFFFFu;
  *(volatile uint32_t*)0xE000E018u = 0u;
  *(volatile uint32_t*)0xE000E010u = 5u;
  ek_model_invoke();
  for (int i = 0; i < %d; ++i) printf("EK_PROF %%d %%lu\n", i, (unsigned long)ek_prof[i]);
  return 0;
}
'''


def instrument(model_c: str) -> tuple[str, list[int]]:
    """``ek_model.c`` with a SysTick read before and after each kernel call of ek_model_invoke; returns the
    source and the operator index of each timed call."""
    lines, timed = [], []
    inside = False
    block_op = -1
    for line in model_c.split("\n"):
        if line.startswith("int ek_model_invoke(void) {"):
            inside = True
        elif inside and line.strip().startswith("{  /*") and re.search(r"/\* op (\d+):", line):
            block_op = int(re.search(r"/\* op (\d+):", line)[1])  # a call with local tables: named here
        elif inside and line.strip().startswith(("ek_", "memmove", "{ ek_")):
            op = re.search(r"/\* op (\d+):", line)
            timed.append(int(op[1]) if op else block_op)
            block_op = -1
            # SysTick counts down: the elapsed ticks are start - end, modulo 2^24
            line = (f"  {{ uint32_t t0 = EK_SYST; {line.strip()} ek_prof[{len(timed) - 1}] += "
                    f"(t0 - EK_SYST) & 0xFFFFFFu; }}")
        lines.append(line)
    header = ('#include "ek_model.h"\n#define EK_SYST (*(volatile uint32_t*)0xE000E018u)\n'
              f"uint32_t ek_prof[{max(1, len(timed))}];")
    return "\n".join(lines).replace('#include "ek_model.h"', header, 1), timed


def main(argv: list[str]) -> int:
    """Profile one model on one emulated core and print its operators by instructions."""
    flags = [a for a in argv if a.startswith("--in-place=")]
    goals = [a for a in argv if a.startswith("--optimize=")]
    argv = [a for a in argv if not a.startswith(("--in-place=", "--optimize="))]
    in_place = flags[-1].split("=", 1)[1] if flags else "auto"
    optimize = goals[-1].split("=", 1)[1] if goals else "balanced"
    if len(argv) not in (1, 2) or (len(argv) == 2 and argv[1] not in CPU_FLAGS) or in_place not in IN_PLACE_MODES:
        print(f"usage: profile_ops.py MODEL.tflite [{'|'.join(CPU_FLAGS)}] [--in-place={'|'.join(IN_PLACE_MODES)}]",
              file=sys.stderr)
        return 2
    board_id = argv[1] if len(argv) == 2 else "qemu_m4"
    try:
        model, info = read_model_file(Path(argv[0]))
        sources = render_runtime_sources(model, info, "//", in_place, optimize, load_board(board_id).dsp)
    except EdgekitError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="edgekit-profile-") as tmp:
        folder = Path(tmp)
        for name, text in sources.items():
            (folder / name).write_text(text)
        model_c, timed = instrument(sources["ek_model.c"])
        (folder / "ek_model.c").write_text(model_c)
        (folder / "main.c").write_text(MAIN % len(timed))
        firmware = folder / "firmware.elf"
        subprocess.run(["arm-none-eabi-gcc", "-std=c99", "-O2", *CPU_FLAGS[board_id], f"-I{folder}", "-nostartfiles",
                        "--specs=nano.specs", "--specs=nosys.specs", "-Wl,--gc-sections",
                        f"-T{PLATFORM / 'ldscripts' / 'mps2.ld'}", str(PLATFORM / "startup" / "startup.c"),
                        *sorted(str(f) for f in folder.glob("*.c")), "-o", str(firmware)], check=True)
        run = subprocess.run(firmware_command(firmware, load_board(board_id), count_instructions=True),
                             capture_output=True, text=True, timeout=600)
    counts = {int(k): int(v) * INSTRUCTIONS_PER_TICK for k, v in re.findall(r"EK_PROF (\d+) (\d+)", run.stdout)}
    if len(counts) != len(timed):
        print(f"error: the firmware reported {len(counts)} of {len(timed)} operators:\n{run.stdout}{run.stderr}",
              file=sys.stderr)
        return 1
    rows = sorted(((counts[k], op) for k, op in enumerate(timed)), reverse=True)
    total = sum(counts.values())
    print(f"{Path(argv[0]).stem} on {board_id}: {total / 1e6:.2f} M instructions, "
          f"{total / max(1, info.total_macs):.2f} per MAC")
    for instructions, op in rows:
        operator = info.operators[op] if op >= 0 else None
        macs = operator.macs if operator else 0
        name = f"op {op}: {operator.op}" if operator else "copy"
        per_mac = f"{instructions / macs:8.2f}" if macs else " " * 8
        flag = "  (may have wrapped the 24-bit SysTick)" if instructions >= LONGEST_OPERATOR else ""
        print(f"{instructions / 1e6:9.3f} M  {per_mac}/MAC  {name}{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
