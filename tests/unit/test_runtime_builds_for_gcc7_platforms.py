"""The edgekit runtime's C must build with the oldest GCC a shipped platform pins: GCC 7 (the nano33ble and
portenta_h7_m7 PlatformIO platforms pin toolchain-gccarmnoneeabi <1.80000.0).

Debian ships no arm-none-eabi GCC 7, so the test puts Debian's GCC where GCC 7 would fail:

* ``<arm_acle.h>``: GCC before 10 has no ``__smlad``/``__sxtb16``/``__sadd16``/``__smlabb``/``__smlatt``. A stub
  ``arm_acle.h`` first on the include path ``#error``s, and ``-Werror=implicit-function-declaration`` makes a
  call to one of those names without its declaration an error, so only ek_common.h's inline assembly passes.
  The Cortex-M4 objects are then disassembled: the DSP instructions must be there (the fast path was
  compiled, not skipped).
* ``#pragma GCC unroll``: GCC 8 introduced it; GCC 7 warns about an unknown pragma (-Wall), an error with
  -Werror. Debian's GCC knows the pragma, so compiling cannot show the guard works; preprocessing can: with
  ``__GNUC__`` set to 7 the preprocessed text (exactly what GCC 7 would compile) must hold no GCC unroll
  pragma, and with the real ``__GNUC__`` it must (so the check is not vacuous).
* C99 with ``-Wall -Wextra -Werror`` for Cortex-M4 (DSP path), Cortex-M3 and Cortex-M0+ (plain C paths).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from edgekit.codegen import all_kernel_families, render_runtime_sources
from edgekit.reader import read_model_file
from edgekit.render import TEMPLATES_ROOT
from tests.conftest import shared_model
from tests.helpers_c import CORTEX_M4F, compiler

KERNELS = TEMPLATES_ROOT / "runtime" / "kernels"
CPUS = {"cortex-m4": CORTEX_M4F, "cortex-m3": ["-mcpu=cortex-m3", "-mthumb"],
        "cortex-m0plus": ["-mcpu=cortex-m0plus", "-mthumb"]}
GCC7_LIKE = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-Werror=implicit-function-declaration", "-O2",
             "-ffunction-sections"]
MODELS = ["kws_ref_model", "vww_96_int8", "ad01_int8", "pretrainedResnet_quant"]


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    """Every kernel family, and each model's generated ek_model.c in a folder of its own."""
    root = tmp_path_factory.mktemp("gcc7")
    stub = root / "stub"
    stub.mkdir()
    (stub / "arm_acle.h").write_text('#error "<arm_acle.h> intrinsics do not exist before GCC 10: use ek_common.h"\n')
    folders = {"stub": stub, "kernels": KERNELS}
    for name in MODELS:
        data, info = read_model_file(shared_model(f"{name}.tflite"))
        folder = root / name
        folder.mkdir()
        # (generated as for a core with SMLAD, which packs dense weights: every array kind a model can hold)
        for file, text in render_runtime_sources(data, info, "/* test */", dsp=True).items():
            (folder / file).write_text(text)
        folders[name] = folder
    return folders


def _compile(files: list[Path], includes: list[Path], cpu: str, objects: Path) -> None:
    objects.mkdir(parents=True, exist_ok=True)
    command = [compiler("arm-none-eabi-gcc"), *GCC7_LIKE, *CPUS[cpu], *(f"-I{p}" for p in includes), "-c",
               *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=objects)
    assert done.returncode == 0, f"{cpu}: {' '.join(command)}\n{done.stderr[-4000:]}"


@pytest.mark.parametrize("cpu", list(CPUS))
def test_every_kernel_family_and_generated_models_build_without_acle(cpu, sources, tmp_path):
    families = [KERNELS / f"{family}.c" for family in all_kernel_families()]
    _compile(families, [sources["stub"], KERNELS], cpu, tmp_path / "kernels")
    for name in MODELS:
        _compile([sources[name] / "ek_model.c"], [sources["stub"], sources[name]], cpu, tmp_path / name)
    if cpu == "cortex-m4":  # the DSP path was compiled: its instructions are in the objects
        listing = subprocess.run([compiler("arm-none-eabi-objdump"), "-d",
                                  *map(str, sorted((tmp_path / "kernels").glob("*.o")))],
                                 capture_output=True, text=True, check=True).stdout
        for instruction in ("smlad", "sxtb16"):
            assert f"\t{instruction}" in listing, f"no {instruction} in the Cortex-M4 kernels"


def _preprocessed(source: Path, extra: list[str]) -> str:
    done = subprocess.run([compiler("arm-none-eabi-gcc"), "-std=c99", *CORTEX_M4F, f"-I{KERNELS}", *extra, "-E",
                           str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gcc_unroll_pragma_is_hidden_from_gcc_before_8():
    users = [p for p in sorted(KERNELS.glob("*.c")) if "EK_NO_UNROLL" in p.read_text()]
    assert users, "no kernel uses EK_NO_UNROLL: this check has nothing to check"
    for source in users:
        assert "#pragma GCC unroll" in _preprocessed(source, [])  # what GCC 12 compiles
        gcc7 = _preprocessed(source, ["-U__GNUC__", "-D__GNUC__=7", "-U__GNUC_MINOR__", "-D__GNUC_MINOR__=3"])
        assert "GCC unroll" not in gcc7, f"{source.name}: GCC 7 would see an unknown pragma"


def test_every_kernel_family_builds_unoptimised_for_a_debugger(tmp_path):
    """A debug build (-O0, the frame pointer kept) leaves fewer registers to inline assembly: the kernels
    whose assembly needs many (the depthwise row of three taps) take their C form there, and every family
    still builds for the Cortex-M4 with -Wall -Wextra -Werror."""
    families = [KERNELS / f"{family}.c" for family in all_kernel_families()]
    command = [compiler("arm-none-eabi-gcc"), *[f for f in GCC7_LIKE if f != "-O2"], "-O0", "-fno-omit-frame-pointer",
               *CPUS["cortex-m4"], f"-I{KERNELS}", "-c", *map(str, families)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-4000:]
