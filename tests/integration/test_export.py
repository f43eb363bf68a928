"""`edgekit export`: the model as a library for the user's own firmware, built the way each ecosystem's
users build it, and its outputs compared with the tflite-micro interpreter.

Real builds: CMake with the host gcc and with arm-none-eabi-gcc for qemu_m4 (run in QEMU, with the arena
given by the caller); plain C through the Makefile fragment; the Arduino .zip through PlatformIO's
`lib_deps = file://...` on edgekit's host platform (offline). No Arduino core, ESP-IDF or Zephyr can be
had here, so those layouts are checked against their specifications' required files and compiled with
stand-ins: an Arduino.h declaring the calls the example sketch makes, the ESP32-C3's RISC-V compiler for
the component's sources, and CMake functions standing in for Zephyr's zephyr_library_* (said in each test).
"""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest

from edgekit import host, platformio
from edgekit.catalog import load_board
from edgekit.emulator import firmware_command
from edgekit.reader import read_model_file
from tests import opmodels
from tests.conftest import shared_model
from tests.helpers_c import CORTEX_M4F, RV32IMC, WARNINGS, compiler
from tests.opmodels import schema

PLATFORMS = Path(__file__).resolve().parents[2] / "edgekit" / "platforms"
SAMPLES = 4


def two_in_two_out_model() -> bytes:
    """ADD and MUL of two int8 inputs: a graph with two inputs and two outputs."""
    b = opmodels.Builder()
    x = b.tensor([1, 12], "int8", 0.05, 3)
    y = b.tensor([1, 12], "int8", 0.04, -7)
    total = b.tensor([1, 12], "int8", 0.09, 2)
    product = b.tensor([1, 12], "int8", 0.003, -1)
    b.operator(schema.BuiltinOperator.ADD, [x, y], [total], schema.BuiltinOptions.AddOptions, schema.AddOptionsT(), 2)
    b.operator(schema.BuiltinOperator.MUL, [x, y], [product], schema.BuiltinOptions.MulOptions, schema.MulOptionsT(), 2)
    return b.finish([x, y], [total, product])


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(platformio.CACHE_VARIABLE, str(tmp_path_factory.getbasetemp() / "edgekit-cache"))


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("models")
    (folder / "two_io.tflite").write_bytes(two_in_two_out_model())
    return {"kws_ref_model": shared_model("kws_ref_model.tflite"), "two_io": folder / "two_io.tflite"}


def _samples(model_path: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    model, info = read_model_file(model_path)
    rng = np.random.default_rng(4)
    inputs = [rng.integers(-128, 128, size=(SAMPLES, *t.shape[1:]), dtype=np.int8) for t in info.input_tensors]
    return inputs, host.run_tflm_tensors(model, inputs)


def user_program(folder: Path, model_path: Path, external_arena: bool = False) -> Path:
    """A user's main.c over the library's API: every sample's inputs in, outputs compared with what the
    tflite-micro interpreter computed; prints and returns the number of differing bytes."""
    inputs, expected = _samples(model_path)
    ins = b"".join(b"".join(a[s].tobytes() for a in inputs) for s in range(SAMPLES))
    outs = b"".join(b"".join(np.ascontiguousarray(o[s]).astype(np.int8).tobytes() for o in expected)
                    for s in range(SAMPLES))
    in_sizes = [a[0].nbytes for a in inputs]
    out_sizes = [o[0].astype(np.int8).nbytes for o in expected]
    arena = ("static unsigned char user_arena[EK_MODEL_ARENA_BYTES] __attribute__((aligned(16)));\n"
             if external_arena else "")
    init = "ek_model_init(user_arena, sizeof user_arena)" if external_arena else "ek_model_init(NULL, 0)"
    main = folder / "main.c"
    main.write_text(f"""#include <stdio.h>
#include <string.h>
#include "edgekit_model.h"
#if defined(__arm__)
void ek_uart_init(void);
#endif
{arena}static const unsigned char inputs[] = {{{", ".join(map(str, ins))}}};
static const unsigned char expected[] = {{{", ".join(map(str, outs))}}};
static const int in_sizes[] = {{{", ".join(map(str, in_sizes))}}};
static const int out_sizes[] = {{{", ".join(map(str, out_sizes))}}};
int main(void) {{
#if defined(__arm__)
  ek_uart_init();
#endif
  if ({init} != 0) return 100;
  const unsigned char* in = inputs;
  const unsigned char* want = expected;
  int differ = 0;
  for (int s = 0; s < {SAMPLES}; ++s) {{
    for (int i = 0; i < MODEL_INPUT_COUNT; ++i) {{ memcpy(ek_model_input(i), in, (size_t)in_sizes[i]); in += in_sizes[i]; }}
    if (ek_model_invoke() != 0) return 101;
    for (int o = 0; o < MODEL_OUTPUT_COUNT; ++o) {{
      const unsigned char* got = (const unsigned char*)ek_model_output(o);
      for (int b = 0; b < out_sizes[o]; ++b) differ += got[b] != want[b];
      want += out_sizes[o];
    }}
  }}
  printf("differing bytes: %d\\n", differ);
  return differ > 99 ? 99 : differ;
}}
""")
    return main


def export(run_cli, model: Path, fmt: str, out: Path, *extra) -> dict:
    code, stdout, err = run_cli("export", model, "--format", fmt, "-o", out, "--json", *extra)
    assert code == 0, err
    return json.loads(stdout)


def _run(command: list[str], cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def assert_host_cmake_program_matches_tflm(project: Path) -> None:
    """Configures and builds the CMake project in ``project`` with the host compiler (warnings are errors),
    runs its ``app`` and checks that no output byte differs from the tflite-micro interpreter's."""
    _run(["cmake", "-S", str(project), "-B", str(project / "build"), "-DCMAKE_C_FLAGS=-Wall -Wextra -Werror"])
    _run(["cmake", "--build", str(project / "build")])
    done = subprocess.run([str(project / "build" / "app")], capture_output=True, text=True)
    assert done.returncode == 0 and "differing bytes: 0" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("name", ["kws_ref_model", "two_io"])
def test_cmake_library_in_a_host_program_matches_tflm(name, models, run_cli, tmp_path):
    export(run_cli, models[name], "cmake", tmp_path / "edgekit_model")
    project = tmp_path / "app"
    project.mkdir()
    user_program(project, models[name])
    (project / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.13)\nproject(app C)\n"
        f"add_subdirectory({(tmp_path / 'edgekit_model').as_posix()} edgekit_model)\n"
        "add_executable(app main.c)\ntarget_compile_options(app PRIVATE -Wall -Wextra -Werror)\n"
        "target_link_libraries(app PRIVATE edgekit_model)\n")
    assert_host_cmake_program_matches_tflm(project)


def test_cmake_library_cross_compiled_for_qemu_m4_with_the_callers_arena(models, run_cli, tmp_path):
    """arm-none-eabi-gcc through a CMake toolchain file, EK_MODEL_EXTERNAL_ARENA=ON, run in QEMU mps2-an386."""
    export(run_cli, models["kws_ref_model"], "cmake", tmp_path / "edgekit_model")
    project = tmp_path / "app"
    project.mkdir()
    user_program(project, models["kws_ref_model"], external_arena=True)
    arm = PLATFORMS / "edgekit-qemu"
    flags = " ".join(CORTEX_M4F)
    (project / "toolchain.cmake").write_text(
        "set(CMAKE_SYSTEM_NAME Generic)\nset(CMAKE_SYSTEM_PROCESSOR arm)\n"
        f"set(CMAKE_C_COMPILER {compiler('arm-none-eabi-gcc')})\n"
        "set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)\n"
        f"set(CMAKE_C_FLAGS_INIT \"{flags} -O2\")\n"
        f"set(CMAKE_EXE_LINKER_FLAGS_INIT \"{flags} -nostartfiles --specs=nano.specs --specs=nosys.specs "
        f"-T{(arm / 'ldscripts' / 'mps2.ld').as_posix()} -Wl,--gc-sections\")\n")
    (project / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.13)\nproject(app C)\n"
        f"add_subdirectory({(tmp_path / 'edgekit_model').as_posix()} edgekit_model)\n"
        f"add_executable(app.elf main.c {(arm / 'startup' / 'startup.c').as_posix()})\n"
        "target_compile_options(app.elf PRIVATE -Wall -Wextra -Werror)\n"
        "target_link_libraries(app.elf PRIVATE edgekit_model)\n")
    _run(["cmake", "-S", str(project), "-B", str(project / "build"), "-DEK_MODEL_EXTERNAL_ARENA=ON",
          f"-DCMAKE_TOOLCHAIN_FILE={project / 'toolchain.cmake'}"])
    _run(["cmake", "--build", str(project / "build")])
    firmware = project / "build" / "app.elf"
    # the arena is the caller's: the library keeps only a pointer to it (4 bytes), the program the bytes
    sizes = {line.split()[-1]: int(line.split()[1], 16)
             for line in _run([compiler("arm-none-eabi-nm"), "-S", str(firmware)]).stdout.splitlines()
             if len(line.split()) == 4}
    arena = int((tmp_path / "edgekit_model" / "include" / "ek_model.h").read_text()
                .split("#define EK_MODEL_ARENA_BYTES ")[1].split("u")[0])
    assert sizes["ek_arena"] == 4 and sizes["user_arena"] == arena
    run = subprocess.run(firmware_command(firmware, load_board("qemu_m4")), capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and "differing bytes: 0" in run.stdout, run.stdout + run.stderr


def test_plain_c_library_through_its_makefile_fragment(models, run_cli, tmp_path):
    export(run_cli, models["two_io"], "c", tmp_path / "lib")
    project = tmp_path / "app"
    project.mkdir()
    user_program(project, models["two_io"])
    (project / "Makefile").write_text(
        f"EDGEKIT_MODEL_DIR := {(tmp_path / 'lib').as_posix()}/\ninclude $(EDGEKIT_MODEL_DIR)edgekit_model.mk\n"
        "CFLAGS += $(EDGEKIT_MODEL_CFLAGS) -Wall -Wextra -Werror -O2\n"
        "app: main.c $(EDGEKIT_MODEL_SRCS)\n\t$(CC) $(CFLAGS) -o $@ $^\n")
    _run(["make", "-C", str(project), "app"])
    done = subprocess.run([str(project / "app")], capture_output=True, text=True)
    assert done.returncode == 0 and "differing bytes: 0" in done.stdout, done.stdout + done.stderr


def test_arduino_library_zip_builds_through_platformio_lib_deps(models, run_cli, tmp_path):
    summary = export(run_cli, models["kws_ref_model"], "arduino", tmp_path / "edgekit_model")
    folder, archive = tmp_path / "edgekit_model", Path(summary["archive"])
    # the Arduino library specification (1.5 format): library.properties with its required fields, the
    # sources under src/ with the library's header on top, each example in a folder named like its .ino
    properties = configparser.ConfigParser()
    properties.read_string("[library]\n" + (folder / "library.properties").read_text().split("\n", 1)[1])
    fields = properties["library"]
    for key in ("name", "version", "author", "maintainer", "sentence", "paragraph", "category", "url",
                "architectures"):
        assert fields.get(key), key
    assert fields["category"] in ("Display", "Communication", "Signal Input/Output", "Sensors", "Device Control",
                                  "Timing", "Data Storage", "Data Processing", "Other")
    assert (folder / "src" / "edgekit_model.h").is_file() and not (folder / "include").exists()
    examples = list((folder / "examples").glob("*/*.ino"))
    assert examples and all(p.parent.name == p.stem for p in examples)
    # the .zip holds the same files under one top folder, as "Add .ZIP Library" expects
    names = zipfile.ZipFile(archive).namelist()
    assert {n.split("/", 1)[0] for n in names} == {"edgekit_model"}
    assert sorted(n.split("/", 1)[1] for n in names) == sorted(summary["files"])
    # PlatformIO installs it from the .zip and builds a user program with it (edgekit's host platform, offline)
    project = tmp_path / "pio"
    (project / "src").mkdir(parents=True)
    user_program(project / "src", models["kws_ref_model"])
    (project / "platformio.ini").write_text(
        f"[env:host]\nplatform = {platformio.platform_spec('edgekit-host')}\nboard = host\n"
        f"lib_deps = file://{archive.as_posix()}\n")
    done = subprocess.run([*platformio.find_pio(), "run", "-d", str(project)], capture_output=True, text=True,
                          env=platformio.pio_environment("edgekit-host"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run = subprocess.run([str(project / ".pio" / "build" / "host" / "firmware")], capture_output=True, text=True)
    assert run.returncode == 0 and "differing bytes: 0" in run.stdout, run.stdout + run.stderr


def test_arduino_example_sketch_compiles_against_a_stand_in_core(models, run_cli, tmp_path):
    """No Arduino core can be had here: an Arduino.h declaring the calls the sketch makes stands in for one."""
    export(run_cli, models["kws_ref_model"], "arduino", tmp_path / "edgekit_model")
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "Arduino.h").write_text(
        "#pragma once\n#include <stddef.h>\n#include <stdint.h>\n"
        "struct SerialStub { void begin(unsigned long); size_t print(const char*); size_t print(unsigned long);"
        " size_t println(const char*); size_t println(int); };\nextern SerialStub Serial;\n"
        "unsigned long micros(void);\nvoid delay(unsigned long);\n")
    sketch = next((tmp_path / "edgekit_model" / "examples").glob("*/*.ino"))
    source = tmp_path / "sketch.cpp"
    source.write_text("#include <Arduino.h>\n" + sketch.read_text())  # what the Arduino builder prepends
    src = tmp_path / "edgekit_model" / "src"
    for path in [source, *sorted(src.glob("*.c"))]:
        is_cpp = path.suffix == ".cpp"
        _run([compiler("arm-none-eabi-g++" if is_cpp else "arm-none-eabi-gcc"),
              "-std=gnu++11" if is_cpp else "-std=c99", *WARNINGS, *CORTEX_M4F, f"-I{stubs}", f"-I{src}", "-c",
              str(path), "-o", str(tmp_path / (path.stem + ".o"))])


def test_espidf_component_registers_its_sources_and_compiles_for_the_esp32_c3(models, run_cli, tmp_path):
    """No ESP-IDF here: the component's manifest and registration are checked, and its sources compiled with
    the ESP32-C3's RISC-V compiler."""
    summary = export(run_cli, models["kws_ref_model"], "espidf", tmp_path / "edgekit_model")
    folder = tmp_path / "edgekit_model"
    cmake = (folder / "CMakeLists.txt").read_text()
    assert "idf_component_register(" in cmake and 'INCLUDE_DIRS "include"' in cmake
    registered = sorted(line.strip().strip('"') for line in cmake.splitlines() if line.strip().startswith('"src/'))
    assert registered == sorted(f for f in summary["files"] if f.endswith((".c", ".cc")))
    manifest = (folder / "idf_component.yml").read_text()
    assert 'version: "' in manifest and summary["model_sha256"] in manifest
    for index, source in enumerate(registered):
        _run([compiler("riscv64-unknown-elf-gcc"), "-std=c99", "-O2", *WARNINGS, *RV32IMC,
              f"-I{folder / 'include'}", f"-I{folder / 'src'}", "-c", str(folder / source),
              "-o", str(tmp_path / f"{index}.o")])


def test_zephyr_module_builds_through_its_cmake_with_stand_in_zephyr_functions(models, run_cli, tmp_path):
    """No Zephyr here: module.yml and Kconfig are checked, and the module's CMakeLists.txt runs in a CMake
    project whose zephyr_library_* functions are thin stand-ins over add_library, on the host compiler."""
    export(run_cli, models["two_io"], "zephyr", tmp_path / "module")
    module = tmp_path / "module"
    yml = (module / "zephyr" / "module.yml").read_text()
    assert "name: edgekit_model" in yml and "cmake: ." in yml and "kconfig: Kconfig" in yml
    kconfig = (module / "Kconfig").read_text()
    assert "config EDGEKIT_MODEL\n" in kconfig and "config EDGEKIT_MODEL_EXTERNAL_ARENA" in kconfig
    project = tmp_path / "app"
    project.mkdir()
    user_program(project, models["two_io"], external_arena=True)
    (project / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.13)\nproject(app C)\n"
        "set(CONFIG_EDGEKIT_MODEL y)\nset(CONFIG_EDGEKIT_MODEL_EXTERNAL_ARENA y)\n"
        "add_library(zephyr_interface INTERFACE)\n"
        "function(zephyr_library_named name)\n  add_library(${name} STATIC)\n"
        "  set(ZEPHYR_CURRENT_LIBRARY ${name} PARENT_SCOPE)\nendfunction()\n"
        "function(zephyr_library_sources)\n  target_sources(${ZEPHYR_CURRENT_LIBRARY} PRIVATE ${ARGN})\nendfunction()\n"
        "function(zephyr_library_include_directories)\n"
        "  target_include_directories(${ZEPHYR_CURRENT_LIBRARY} PRIVATE ${ARGN})\nendfunction()\n"
        "function(zephyr_include_directories)\n  foreach(dir ${ARGN})\n"
        "    get_filename_component(path ${dir} ABSOLUTE)\n"
        "    target_include_directories(zephyr_interface INTERFACE ${path})\n  endforeach()\nendfunction()\n"
        "function(zephyr_compile_definitions)\n  target_compile_definitions(zephyr_interface INTERFACE ${ARGN})\n"
        "endfunction()\n"
        f"add_subdirectory({module.as_posix()} module)\n"
        "target_link_libraries(edgekit_model PUBLIC zephyr_interface)\n"
        "add_executable(app main.c)\ntarget_link_libraries(app PRIVATE edgekit_model)\n")
    assert_host_cmake_program_matches_tflm(project)


def test_exports_are_reproducible_byte_for_byte_and_name_version_and_model(models, run_cli, tmp_path):
    import edgekit

    first = export(run_cli, models["kws_ref_model"], "arduino", tmp_path / "a" / "edgekit_model")
    second = export(run_cli, models["kws_ref_model"], "arduino", tmp_path / "b" / "edgekit_model")
    assert first["files"] == second["files"]
    for relative in first["files"]:
        text = (tmp_path / "a" / "edgekit_model" / relative).read_bytes()
        assert text == (tmp_path / "b" / "edgekit_model" / relative).read_bytes(), relative
    assert Path(first["archive"]).read_bytes() == Path(second["archive"]).read_bytes()
    header = (tmp_path / "a" / "edgekit_model" / "src" / "edgekit_model.h").read_text()
    assert f'EDGEKIT_VERSION "{edgekit.__version__}"' in header and first["model_sha256"] in header
    assert "input 0" in header and "EK_MODEL_EXTERNAL_ARENA" in header


def test_export_refuses_what_it_cannot_do_with_the_fix(models, run_cli, tmp_path):
    out = tmp_path / "lib"
    export(run_cli, models["kws_ref_model"], "cmake", out)
    code, _, err = run_cli("export", models["kws_ref_model"], "--format", "cmake", "-o", out)
    assert code == 1 and "already exists" in err and "--force" in err and "Traceback" not in err
    assert run_cli("export", models["kws_ref_model"], "--format", "cmake", "-o", out, "--force")[0] == 0
    custom = shared_model("audio_preprocessor_int8.tflite")  # CUSTOM signal ops: no engine runs them here
    code, _, err = run_cli("export", custom, "--format", "c", "-o", tmp_path / "custom")
    assert code == 1 and "CUSTOM" in err and not (tmp_path / "custom").exists()
    boards = tmp_path / "boards"
    boards.mkdir()
    (boards / "tiny_m4.toml").write_text('extends = "nano33ble"\nname = "tiny"\n[upload]\nmaximum_size = 32768\n')
    os.environ["EDGEKIT_BOARDS_PATH"] = str(boards)
    try:
        code, _, err = run_cli("export", models["kws_ref_model"], "--format", "c", "-o", tmp_path / "tiny", "--board",
                               "tiny_m4")
    finally:
        del os.environ["EDGEKIT_BOARDS_PATH"]
    assert code != 0 and "does not fit" in err and not (tmp_path / "tiny").exists()


def test_tflm_library_compiles_against_tflms_api(models, run_cli, tmp_path):
    """With --runtime tflm the library wraps TFLM's interpreter (the user supplies TFLM): compiled here
    against the declaration-only TFLM headers of test_template_sources (TFLM's sources are not on PyPI)."""
    from tests.unit.test_template_sources import _write_stubs

    summary = export(run_cli, models["kws_ref_model"], "cmake", tmp_path / "lib", "--runtime", "tflm",
                     "--arena-size", "30000")
    assert summary["arena_bytes"] == 30000
    lib = tmp_path / "lib"
    assert "EDGEKIT_TFLM_TARGET" in (lib / "CMakeLists.txt").read_text()
    stubs = _write_stubs(tmp_path / "stubs")
    for index, source in enumerate(sorted((lib / "src").glob("*.c*"))):
        is_cpp = source.suffix == ".cc"
        _run([compiler("g++" if is_cpp else "gcc"), "-std=gnu++11" if is_cpp else "-std=c99", *WARNINGS,
              f"-I{lib / 'include'}", f"-I{lib / 'src'}", f"-I{stubs}", "-c", str(source),
              "-o", str(tmp_path / f"{index}.o")])
