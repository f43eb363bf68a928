"""C helpers: doctests, and generated C compiled with the host gcc and read back byte for byte."""

from __future__ import annotations

import doctest
import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgekit import cgen
from tests.conftest import shared_model


def test_doctests():
    failures, tried = doctest.testmod(cgen)
    assert tried >= 8 and failures == 0


@given(st.text(max_size=40))
def test_identifiers_are_always_valid(name):
    ident = cgen.c_identifier(name)
    assert ident.isidentifier() and ident.isascii() and ident not in cgen.RESERVED
    assert not ident[0].isdigit()


def _compile_and_run(source: str, tmp_path) -> bytes:
    gcc = shutil.which("gcc")
    assert gcc, "the host gcc is part of this machine's image and of CI's"
    (tmp_path / "t.c").write_text(source)
    subprocess.run([gcc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", str(tmp_path / "t"), str(tmp_path / "t.c")],
                   check=True, capture_output=True, text=True)
    return subprocess.run([str(tmp_path / "t")], check=True, capture_output=True).stdout


@pytest.mark.parametrize("model", ["hello_world_int8.tflite", "micro_speech_quantized.tflite"])
def test_model_array_reads_back_byte_for_byte(model, tmp_path):
    data = shared_model(model).read_bytes()
    name = cgen.c_identifier(model)
    label = 'quote " backslash \\ newline \n é ??='
    label_literal = cgen.c_string(label)
    source = (
        "#include <stdio.h>\n#include <stdint.h>\n"
        f"/* {cgen.c_comment('model ' + model + ' */ injected')} */\n"
        f"_Alignas(16) static const unsigned char g_{name}[] = {{\n{cgen.bytes_to_c_initializer(data)}\n}};\n"
        f"static const char *g_label = {label_literal};\n"
        "int main(void) {\n"
        f"  if (((uintptr_t)g_{name}) % 16 != 0) return 2;\n"
        f"  fwrite(g_{name}, 1, sizeof g_{name}, stdout);\n"
        "  fputs(g_label, stdout);\n  return 0;\n}\n"
    )
    out = _compile_and_run(source, tmp_path)
    assert out[: len(data)] == data
    assert out[len(data):].decode("utf-8") == label
