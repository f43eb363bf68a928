"""Many generated models in one program: the edgekit runtime's outputs against the tflite-micro
interpreter's, for a whole batch of cases at once on the host, on QEMU's Cortex-M4 (DSP path), its
Cortex-M3 (plain C path) and its RISC-V virt machine (RV32IMC, the ESP32-C3's instruction set).

Each case's ``ek_model.c`` is compiled in its own translation unit with its public functions renamed
(``ek_m<k>_invoke``, ...), the kernel library once, and a ``main`` that feeds every case its inputs and
counts the output bytes that differ from what TFLM computed on the host. One compiler run and one program
run cover the batch, where one per case would take minutes.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgekit import host
from edgekit.catalog import load_board
from edgekit.codegen import all_kernel_families, kernel_sources, render_runtime_sources
from edgekit.emulator import firmware_command
from edgekit.reader import ModelInfo, numpy_dtype, read_model
from tests.helpers_c import CORTEX_M4F, WARNINGS, compiler

PLATFORMS = Path(__file__).resolve().parents[1] / "edgekit" / "platforms"
TARGETS = ("host", "qemu_m4", "qemu_m3", "qemu_rv32")
_ARM = PLATFORMS / "edgekit-qemu"
_RISCV = PLATFORMS / "edgekit-qemu-riscv"
#: Compiler, flags and start-up sources of each emulated target, as its PlatformIO platform builds them.
_CROSS = {
    "qemu_m4": ("arm-none-eabi-gcc", [*CORTEX_M4F, "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs",
                                      f"-T{_ARM / 'ldscripts' / 'mps2.ld'}"], [_ARM / "startup" / "startup.c"]),
    "qemu_m3": ("arm-none-eabi-gcc", ["-mcpu=cortex-m3", "-mthumb", "-nostartfiles", "--specs=nano.specs",
                                      "--specs=nosys.specs", f"-T{_ARM / 'ldscripts' / 'mps2.ld'}"],
                [_ARM / "startup" / "startup.c"]),
    "qemu_rv32": ("riscv64-unknown-elf-gcc", ["-march=rv32imc", "-mabi=ilp32", "--specs=picolibc.specs",
                                              "-nostartfiles", f"-T{_RISCV / 'ldscripts' / 'virt.ld'}"],
                  [_RISCV / "startup" / "start.S", _RISCV / "startup" / "startup.c"]),
}


def varied(strategy, size: int):
    """A Hypothesis strategy for a batch of ``size`` examples of ``strategy``, all different.

    A property test draws one batch per compile and run (``max_examples=1``); Hypothesis's first example of
    a plain list is its all-minimal one, so without this filter every case of the batch would be the same
    trivial model."""
    from hypothesis import strategies as st

    return st.lists(strategy, min_size=size, max_size=size).filter(lambda batch: len({repr(x) for x in batch}) == size)


@dataclass(frozen=True)
class Case:
    """One model and its inputs (one array per input tensor, ``[samples, *shape[1:]]``)."""

    name: str
    model: bytes
    inputs: tuple[np.ndarray, ...]
    in_place: str = "auto"  # codegen.generate's in_place: which convolutions run over their input
    optimize: str = "balanced"  # codegen.generate's goal


def random_inputs(info: ModelInfo, samples: int, seed: int) -> tuple[np.ndarray, ...]:
    """Inputs over each input tensor's whole integer range (bools half true, floats a normal spread)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for tensor in info.input_tensors:
        sample = tensor.shape[1:] if tensor.shape and tensor.shape[0] == 1 else tensor.shape
        shape = (samples, *sample)
        dtype = numpy_dtype(tensor.dtype)
        if dtype == np.bool_:
            arrays.append(rng.integers(0, 2, size=shape).astype(np.bool_))
        elif np.issubdtype(dtype, np.integer):
            bounds = np.iinfo(dtype)
            arrays.append(rng.integers(bounds.min, int(bounds.max) + 1, size=shape, dtype=dtype))
        else:
            arrays.append(rng.normal(0, 2, size=shape).astype(dtype))
    return tuple(arrays)


def case(name: str, model: bytes, samples: int = 3, seed: int = 0, in_place: str = "auto",
         optimize: str = "balanced") -> Case:
    """A case with random inputs for ``model`` (``in_place`` and ``optimize`` as for
    :func:`edgekit.codegen.generate`)."""
    return Case(name, model, random_inputs(read_model(model), samples, seed), in_place, optimize)


def _bytes_initializer(data: bytes) -> str:
    return ", ".join(str(b) for b in data) or "0"


def _write_program(cases: list[Case], expected: list[list[np.ndarray]], folder: Path, dsp: bool) -> list[Path]:
    sources = []
    kernels = folder / "kernels"
    kernels.mkdir(parents=True, exist_ok=True)
    for name, text in kernel_sources(all_kernel_families()).items():
        (kernels / name).write_text(text)
        if name.endswith(".c"):
            sources.append(kernels / name)
    main = ['#include <stdio.h>', '#include <string.h>']
    table = []
    for k, (item, outputs) in enumerate(zip(cases, expected)):
        info = read_model(item.model)
        model_dir = folder / f"m{k}"
        model_dir.mkdir(exist_ok=True)
        for name, text in render_runtime_sources(item.model, info, f"/* case {k}: {item.name} */",
                                                 item.in_place, item.optimize, dsp).items():
            if name in ("ek_model.c", "ek_model.h", "ek_kernels.h"):
                (model_dir / name).write_text(text)
        wrapper = folder / f"m{k}.c"
        renames = "".join(f"#define ek_model_{name} ek_m{k}_{name}\n"
                          for name in ("init", "input", "output", "invoke", "reset"))
        wrapper.write_text(f"{renames}#include \"m{k}/ek_model.c\"\n")
        sources.append(wrapper)
        samples = len(item.inputs[0])
        in_sizes = [t.nbytes for t in info.input_tensors]
        out_sizes = [t.nbytes for t in info.output_tensors]
        ins = b"".join(b"".join(np.ascontiguousarray(a[s]).tobytes() for a in item.inputs) for s in range(samples))
        outs = b"".join(b"".join(np.ascontiguousarray(o[s]).astype(numpy_dtype(t.dtype)).tobytes()
                                 for o, t in zip(outputs, info.output_tensors)) for s in range(samples))
        main.append(f"void* ek_m{k}_input(int); void* ek_m{k}_output(int); int ek_m{k}_invoke(void);")
        main.append(f"static const unsigned char m{k}_in[] = {{{_bytes_initializer(ins)}}};")
        main.append(f"static const unsigned char m{k}_out[] = {{{_bytes_initializer(outs)}}};")
        main.append(f"static const int m{k}_in_sizes[] = {{{', '.join(map(str, in_sizes))}}};")
        main.append(f"static const int m{k}_out_sizes[] = {{{', '.join(map(str, out_sizes))}}};")
        table.append(f"  {{ek_m{k}_input, ek_m{k}_output, ek_m{k}_invoke, m{k}_in, m{k}_out, {len(in_sizes)}, "
                     f"{len(out_sizes)}, m{k}_in_sizes, m{k}_out_sizes, {samples}}},")
    main.append("""
typedef struct {
  void* (*input)(int);
  void* (*output)(int);
  int (*invoke)(void);
  const unsigned char* in;
  const unsigned char* out;
  int inputs, outputs;
  const int* in_sizes;
  const int* out_sizes;
  int samples;
} ek_case;
static const ek_case cases[] = {""")
    main.extend(table)
    main.append("""};
#if defined(__arm__) || defined(__riscv)
void ek_uart_init(void); /* the QEMU platforms' start-up code: the UART that printf writes to */
#endif
int main(void) {
  int failed = 0;
#if defined(__arm__) || defined(__riscv)
  ek_uart_init();
#endif
  for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    const ek_case* c = &cases[k];
    const unsigned char* in = c->in;
    const unsigned char* out = c->out;
    long differ = 0;
    for (int s = 0; s < c->samples; ++s) {
      for (int i = 0; i < c->inputs; ++i) {
        memcpy(c->input(i), in, (size_t)c->in_sizes[i]);
        in += c->in_sizes[i];
      }
      c->invoke();
      for (int o = 0; o < c->outputs; ++o) {
        const unsigned char* got = (const unsigned char*)c->output(o);
        for (int b = 0; b < c->out_sizes[o]; ++b) differ += got[b] != out[b];
        out += c->out_sizes[o];
      }
    }
    printf("EK_CASE %u %ld\\n", k, differ);
    failed += differ != 0;
  }
  printf("EK_DONE\\n");
  return failed > 100 ? 100 : failed;
}""")
    (folder / "main.c").write_text("\n".join(main) + "\n")
    sources.append(folder / "main.c")
    return sources


def fresh_tflm_outputs(cases: list[Case]) -> list[list[np.ndarray]]:
    """TFLM's outputs with every case in an interpreter process of its own, for kernels whose result
    depends on memory TFLM never initialises (its SPACE_TO_BATCH_ND pad value): a fresh arena holds
    zeros, as a device's does after reset, while one reused within a process holds an earlier model's
    bytes."""
    return [host.run_tflm_batch([(c.model, list(c.inputs))])[0] for c in cases]


def run_batch(cases: list[Case], target: str, folder: Path,
              expected: list[list[np.ndarray]] | None = None, optimization: str = "-O2") -> dict[str, int]:
    """Runs every case on ``target`` (one of ``TARGETS``); returns the differing output bytes per case name
    (all 0 when the runtime is bit-exact with TFLM). Compiler errors and warnings fail the test.
    ``expected``: TFLM's outputs per case when the caller has them (:func:`fresh_tflm_outputs`, or wrong
    ones to prove the harness can fail); by default all cases run through one TFLM process.
    ``optimization``: the cross compiler's level (PlatformIO's platforms build with -O2 or -Os)."""
    if expected is None:
        expected = host.run_tflm_batch([(c.model, list(c.inputs)) for c in cases])
    folder.mkdir(parents=True, exist_ok=True)
    # generated for the target's core, as a build for its board is (balanced packs weights where SMLAD is)
    sources = _write_program(cases, expected, folder, target != "host" and load_board(target).dsp)
    program = folder / ("run" if target == "host" else "firmware.elf")
    includes = [f"-I{folder / 'kernels'}"]
    if target == "host":
        command = [compiler("gcc"), "-std=c99", "-O1", *WARNINGS, *includes, *map(str, sources), "-o", str(program)]
    else:
        cross, flags, startup = _CROSS[target]
        command = [compiler(cross), "-std=c99", optimization, *WARNINGS, *flags, *includes, "-Wl,--gc-sections",
                   *map(str, startup), *map(str, sources), "-o", str(program)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(command[:8])} ...\n{done.stderr[-4000:]}"
    run_command = [str(program)] if target == "host" else firmware_command(program, load_board(target))
    ran = subprocess.run(run_command, capture_output=True, text=True, timeout=600)
    assert "EK_DONE" in ran.stdout, f"the batch program did not finish (exit {ran.returncode}):\n{ran.stdout[-2000:]}"
    found = {int(k): int(n) for k, n in re.findall(r"EK_CASE (\d+) (-?\d+)", ran.stdout)}
    return {c.name: found[k] for k, c in enumerate(cases)}


def assert_batch_bit_exact(cases: list[Case], target: str, folder: Path,
                           expected: list[list[np.ndarray]] | None = None, optimization: str = "-O2") -> None:
    """Every case's outputs on ``target`` are identical to the tflite-micro interpreter's (``expected``
    and ``optimization`` as for :func:`run_batch`)."""
    differing = {name: n for name, n in run_batch(cases, target, folder, expected, optimization).items() if n}
    assert not differing, f"output bytes differing from tflite-micro on {target}: {differing}"
