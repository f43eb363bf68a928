"""The bare-metal TFLM template against a real tree from tflite-micro's create_tflm_tree.py.

EDGEKIT_TFLM_DIR names the tree (reference and CMSIS-NN kernels, cortex_m_generic); without it these tests
skip and say so. The rendered build_flags are compiled with the real arm-none-eabi-g++ over the tree's own
sources that broke before: cortex_m_generic/micro_time.cc needs PROJECT_GENERATION ("'DWT' was not declared").
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from edgekit.catalog import load_board
from edgekit.reader import read_model_file
from edgekit.render import RenderOptions, render_project
from tests.conftest import shared_model

TREE = os.environ.get("EDGEKIT_TFLM_DIR")
pytestmark = pytest.mark.skipif(
    not TREE or not (Path(TREE) / "tensorflow" / "lite" / "micro" / "micro_interpreter.h").is_file(),
    reason="EDGEKIT_TFLM_DIR does not name a TFLM tree from create_tflm_tree.py: skipped")
CORTEX_M4 = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]


def _rendered_build_flags(project: Path) -> list[str]:
    ini = (project / "platformio.ini").read_text()
    block = re.search(r"^build_flags =\n((?:    .*\n)+)", ini, re.MULTILINE)[1]
    return [line.strip() for line in block.splitlines()]


@pytest.mark.parametrize("model", ["hello_world_int8", "kws_ref_model"])
def test_rendered_tflm_baremetal_project_compiles_against_the_tree(model, tmp_path):
    data, info = read_model_file(shared_model(f"{model}.tflite"))
    result = render_project(data, info, load_board("nucleo_f446re"), tmp_path / "project",
                            RenderOptions(template="tflm_baremetal", arena_bytes=65536, tflm_dir=Path(TREE),
                                          model_name=model))
    flags = _rendered_build_flags(result.project_dir)
    assert {"-DPROJECT_GENERATION", "-DNDEBUG", "-DTF_LITE_STATIC_MEMORY", "-DTF_LITE_MCU_DEBUG_LOG"} <= set(flags)
    engine = (result.project_dir / "src" / "edgekit_engine.h").read_text()
    assert '#define EK_ENGINE_NAME "tensorflow/tflite-micro (your --tflm-dir tree)"' in engine
    tree = Path(TREE)
    sources = [tree / "tensorflow/lite/micro/cortex_m_generic/micro_time.cc",
               tree / "tensorflow/lite/micro/micro_interpreter.cc",
               *sorted((result.project_dir / "src").glob("*.cc"))]
    include = [f"-I{result.project_dir / 'src'}"]
    objects = tmp_path / "obj"
    objects.mkdir()
    gxx = shutil.which("arm-none-eabi-g++")
    assert gxx, "arm-none-eabi-g++ is part of scripts/setup.sh"
    for source in sources:
        run = subprocess.run([gxx, *CORTEX_M4, "-fno-rtti", "-fno-exceptions", *flags, *include, "-c", str(source),
                              "-o", str(objects / (source.stem + ".o"))], capture_output=True, text=True)
        assert run.returncode == 0, f"{source.name}:\n{run.stderr[-3000:]}"


def test_tree_defines_come_from_the_trees_makefile():
    from edgekit.render import tflm_tree_defines

    tree = Path(TREE)
    defines = tflm_tree_defines(tree, cmsis_nn=(tree / "third_party" / "cmsis_nn").is_dir())
    makefile = tree / "Makefile"
    if makefile.is_file():  # every -D of the tree's Makefile outside other build types is used
        for define in ("TF_LITE_STATIC_MEMORY", "PROJECT_GENERATION", "TF_LITE_MCU_DEBUG_LOG"):
            assert define in makefile.read_text() and define in defines
    assert defines[-1] == "NDEBUG"
