"""The kernel library's layout: one C source per op family, and a rendered project carries only the
sources of the families its model uses (every header, which costs no flash, documents the whole API)."""

from __future__ import annotations

import re

from edgekit.codegen import all_kernel_families, kernel_sources, render_runtime_sources
from edgekit.reader import read_model_file
from edgekit.runtime_ops import CODE_BYTES, HANDLERS, supported_ops
from tests.conftest import shared_model


def test_a_project_gets_the_sources_of_the_families_its_model_uses_only():
    model, info = read_model_file(shared_model("ad01_int8.tflite"))  # FULLY_CONNECTED only
    files = render_runtime_sources(model, info, "//")
    sources = sorted(name for name in files if name.endswith(".c"))
    assert sources == ["ek_fully_connected.c", "ek_model.c"]
    assert "ek_conv.h" in files and "ek_common.h" in files


def test_a_model_with_softmax_gets_the_shared_fixed_point_functions():
    model, info = read_model_file(shared_model("kws_ref_model.tflite"))
    sources = {name for name in render_runtime_sources(model, info, "//") if name.endswith(".c")}
    assert {"ek_conv.c", "ek_depthwise_conv.c", "ek_pooling.c", "ek_softmax.c", "ek_fixedpoint.c",
            "ek_fully_connected.c"} <= sources
    assert "ek_add.c" not in sources


def test_every_family_has_its_header_and_every_op_a_handler_and_a_code_size():
    library = kernel_sources(all_kernel_families())
    for family in all_kernel_families():
        included = re.findall(r'#include "(ek_\w+\.h)"', library[f"{family}.c"])
        assert included and all(name in library for name in included), f"{family}.c: its header is missing"
    assert supported_ops() == set(HANDLERS) == set(CODE_BYTES)
