"""edgekit's own runtime against TFLM, per model: arena, code and constant bytes, and instructions per
inference on the emulated Cortex-M4 (QEMU with -icount shift=0, timed by the firmware's SysTick clock), beside the TFLM
figures in ../shared/models/README.md; then instructions per MAC on the emulated Cortex-M3 (no DSP: the plain C
path) and on the RISC-V virt board (RV32IMC, counted by the core's RDINSTRET).

Run: .venv/bin/python benchmarks/runtime.py [--optimize=GOAL] [MODEL ...]   (default: every model with TFLM
figures, built for the balanced goal; --optimize=flash packs fully-connected weights)
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MODELS = Path(os.environ.get("EDGEKIT_SHARED", REPO.parent / "shared")) / "models"

from edgekit import platformio  # noqa: E402
from edgekit.budget import elf_sections  # noqa: E402
from edgekit.catalog import OPTIMIZE_GOALS, load_board  # noqa: E402
from edgekit.emulator import run_firmware  # noqa: E402
from edgekit.pipeline import BuildOptions, build  # noqa: E402
from edgekit.reader import read_model_file  # noqa: E402

#: -icount shift=0 makes every instruction 1 ns of virtual time; the firmware reports microseconds.
INSTRUCTIONS_PER_MICROSECOND = 1000
#: TFLM on a Cortex-M4 (../shared/models/README.md): instructions per inference, reference kernels and
#: CMSIS-NN, and whole TFLM code size (KB, model excluded) with reference kernels.
TFLM_INSTRUCTIONS = {"vww_96_int8": (99.2e6, 23.8e6), "kws_ref_model": (42.2e6, 7.6e6),
                     "pretrainedResnet_quant": (105.5e6, 29.8e6), "ad01_int8": (1.95e6, 0.58e6),
                     "person_detect": (95.1e6, 22.6e6), "micro_speech_quantized": (9.3e6, 1.5e6)}
TFLM_CODE_KB = {"vww_96_int8": 42.2, "kws_ref_model": 42.2, "pretrainedResnet_quant": 46.5, "ad01_int8": 21.3,
                "person_detect": 38.0, "micro_speech_quantized": 42.2}


def tflm_arenas() -> dict[str, int]:
    """arena_used_bytes on a Cortex-M4 from ../shared/models/README.md."""
    section = (MODELS / "README.md").read_text().split("## Reference figures measured on a 32-bit target", 1)[1]
    return {n: int(v.replace(",", "")) for n, v in re.findall(r"^\| (\w+) \| ([\d,]+) \|", section, re.MULTILINE)}


def _symbols(path: Path) -> list[tuple[str, str, str, int, object, bool]]:
    """(name, type, binding, size, section index, stored in the image) of each symbol of an ELF file."""
    from elftools.elf.elffile import ELFFile

    with open(path, "rb") as stream:
        elf = ELFFile(stream)
        symbols = []
        for symbol in elf.get_section_by_name(".symtab").iter_symbols():
            index = symbol["st_shndx"]
            stored = isinstance(index, int) and elf.get_section(index)["sh_type"] != "SHT_NOBITS"
            symbols.append((symbol.name, symbol["st_info"]["type"], symbol["st_info"]["bind"], symbol["st_size"],
                            index, stored))
        return symbols


def runtime_flash(firmware: Path) -> int:
    """The flash the edgekit runtime takes in a built firmware: the linked functions and constants of the
    generated model and its kernels (the objects ek_*.o beside the ELF in PlatformIO's build folder) and
    the C library functions they call, what TFLM's code and its .tflite stand for; not the application,
    serial protocol, start-up code and self-test around them."""
    defined, called = set(), set()
    for obj in sorted((firmware.parent / "src").glob("ek_*.o")):
        for name, _, binding, _, index, _ in _symbols(obj):
            if binding != "STB_LOCAL":
                (called if index == "SHN_UNDEF" else defined).add(name)
    total, source = 0, ""
    for name, kind, binding, size, _, stored in _symbols(firmware):
        if kind == "STT_FILE":  # the local symbols after it are that source file's
            source = name
        elif kind in ("STT_FUNC", "STT_OBJECT") and stored and (
                source.startswith("ek_") if binding == "STB_LOCAL" else name in defined | called):
            total += size
    return total


def instructions_per_inference(model_path: Path, board_id: str, folder: Path,
                               optimize: str = "balanced") -> tuple[int, str, Path]:
    """Builds ``model_path`` for an emulated board with the edgekit runtime (for the ``optimize`` goal) and
    runs its self-test counting instructions; returns the slowest inference's instructions, the firmware's
    output and the ELF."""
    result = build(model_path, board_id, folder, BuildOptions(runtime="edgekit", optimize=optimize))
    # instruction counting slows QEMU down, and more so on a loaded machine
    run = run_firmware(result.firmware, load_board(board_id), timeout_s=1800, count_instructions=True)
    return int(re.search(r"slowest (\d+) us", run.output)[1]) * INSTRUCTIONS_PER_MICROSECOND, run.output, result.firmware


def main(argv: list[str]) -> int:
    """Build each model for qemu_m4, qemu_m3 and qemu_rv32 with the edgekit runtime, run it counting
    instructions, print a table."""
    goals = [a.split("=", 1)[1] for a in argv if a.startswith("--optimize=")]
    optimize = goals[-1] if goals else "balanced"
    names = [a for a in argv if not a.startswith("--optimize=")]
    if optimize not in OPTIMIZE_GOALS:
        print(f"error: --optimize must be one of {', '.join(OPTIMIZE_GOALS)}", file=sys.stderr)
        return 2
    unknown = sorted(set(names) - set(TFLM_INSTRUCTIONS))
    if unknown:
        print(f"error: no TFLM figures for {', '.join(unknown)}; choose among {', '.join(TFLM_INSTRUCTIONS)}",
              file=sys.stderr)
        return 2
    arenas = tflm_arenas()
    print(f"{'model':<24}{'arena':>8}{'TFLM':>9}{'ratio':>7}{'code+const':>12}{'runtime':>10}{'TFLM+model':>12}"
          f"{'ratio':>7}{'(whole)':>8}"
          f"{'M4 instr':>10}{'per MAC':>8}{'TFLM ref':>9}{'CMSIS-NN':>9}{'vs ref':>7}{'vs CMSIS':>9}"
          f"{'M3 instr':>10}{'M3/MAC':>8}{'M3 vs ref':>10}{'RV32/MAC':>9}")
    with tempfile.TemporaryDirectory(prefix="edgekit-runtime-") as tmp:
        os.environ[platformio.CACHE_VARIABLE] = str(Path(tmp) / "cache")
        for name in names or TFLM_INSTRUCTIONS:
            model_path = MODELS / f"{name}.tflite"
            model, info = read_model_file(model_path)
            instructions, output, firmware = instructions_per_inference(model_path, "qemu_m4", Path(tmp) / name,
                                                                        optimize)
            m3, _, _ = instructions_per_inference(model_path, "qemu_m3", Path(tmp) / f"{name}-m3", optimize)
            rv32, _, _ = instructions_per_inference(model_path, "qemu_rv32", Path(tmp) / f"{name}-rv32", optimize)
            arena = int(re.search(r"arena: (\d+) bytes", output)[1])
            sections = elf_sections(firmware)
            # code and constants without the self-test sample (one input and its outputs)
            selftest = sum(t.num_elements for t in info.input_tensors + info.output_tensors)
            flash = sections.get(".text", 0) + sections.get(".rodata", 0) - selftest
            runtime = runtime_flash(firmware)
            tflm_flash = TFLM_CODE_KB[name] * 1024 + len(model)
            reference, cmsis = TFLM_INSTRUCTIONS[name]
            macs = info.total_macs
            print(f"{name:<24}{arena:>8,}{arenas[name]:>9,}{arena / arenas[name]:>7.2f}{flash:>12,}{runtime:>10,}"
                  f"{int(tflm_flash):>12,}{runtime / tflm_flash:>7.2f}{flash / tflm_flash:>8.2f}"
                  f"{instructions / 1e6:>9.1f}M"
                  f"{instructions / macs:>8.2f}{reference / macs:>9.2f}{cmsis / macs:>9.2f}"
                  f"{instructions / reference:>7.2f}{instructions / cmsis:>9.2f}"
                  f"{m3 / 1e6:>9.1f}M{m3 / macs:>8.2f}{reference / m3:>9.1f}x{rv32 / macs:>9.2f}", flush=True)
    print("\ncode+const: .text + .rodata of the whole firmware (start-up, C library, self-test code) without the "
          "self-test sample; runtime: the generated model's and its kernels' linked code and constants and the C "
          "library functions they call (benchmarks/runtime.py, runtime_flash); TFLM+model: TFLM's reference-kernel "
          "code plus the .tflite it interprets; ratio: runtime over TFLM+model (the issue's goal: at most 0.75), "
          "(whole): code+const over TFLM+model. "
          "vs ref, vs CMSIS: edgekit's instructions on the Cortex-M4 over TFLM's with reference kernels and with "
          "CMSIS-NN (the issue's goal: at most 0.9 vs CMSIS). M3 vs ref: TFLM's reference kernels (plain C, measured "
          "on the Cortex-M4) over edgekit's plain C path on the Cortex-M3 (goal: at least 3x).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
