"""Rendering firmware projects from the real models in ../shared/models (no TensorFlow; the self-test's
expected outputs come from the real TFLM interpreter of the tflite-micro package)."""

from __future__ import annotations

import dataclasses
import re
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from edgekit.catalog import load_board
from edgekit.errors import ModelError, RenderError, TemplateError
from edgekit.reader import read_model_file
from edgekit.render import MANIFEST, RenderOptions, render_files, render_project
from edgekit.tflm_ops import RESOLVER_METHODS
from tests.conftest import shared_model
from tests.helpers_c import build_host_program, compile_object

INT8_MODELS = [
    "hello_world_int8.tflite", "micro_speech_quantized.tflite", "person_detect.tflite", "kws_ref_model.tflite",
    "vww_96_int8.tflite", "pretrainedResnet_quant.tflite", "ad01_int8.tflite", "str_ww_ref_model.tflite",
    "trained_lstm_int8.tflite",
]
SMALL_MODELS = ["hello_world_int8.tflite", "micro_speech_quantized.tflite", "kws_ref_model.tflite"]
METHOD_TO_OP = {method: op for op, method in RESOLVER_METHODS.items()}
ARENA = 200_000


def _render(name: str, board: str = "esp32dev", **options):
    model, info = read_model_file(shared_model(name))
    settings = RenderOptions(arena_bytes=ARENA, model_name=Path(name).stem, **options)
    files, result = render_files(model, info, load_board(board), settings)
    return model, info, files, result


@pytest.fixture(scope="module")
def rendered():
    """Every int8 model rendered once for the ESP32 (its TFLM snapshot has every op these models use)."""
    return {name: _render(name) for name in INT8_MODELS}


def _write(files: dict[str, str], root: Path) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize("name", INT8_MODELS)
def test_c_array_parses_back_byte_for_byte(rendered, name):
    model, _, files, _ = rendered[name]
    body = files["src/model_data.cc"].split("model_data[] = {", 1)[1]
    assert bytes(int(h, 16) for h in re.findall(r"0x([0-9a-f]{2})", body)) == model
    assert "alignas(16) const unsigned char" in files["src/model_data.cc"]
    assert f"model_data_size = {len(model)}u" in files["src/model_data.h"]


@pytest.mark.parametrize("name", INT8_MODELS)
def test_resolver_holds_exactly_the_models_ops(rendered, name):
    _, info, files, result = rendered[name]
    calls = re.findall(r"resolver\.(\w+)\(\)", files["src/model_resolver.h"])
    assert len(calls) == len(set(calls))
    assert {METHOD_TO_OP[c] for c in calls} == set(info.ops) == set(result.ops)
    assert f"#define MODEL_OP_COUNT {len(info.ops)}\n" in files["src/model_ops.h"]


@pytest.mark.parametrize("name", INT8_MODELS)
def test_two_renders_are_identical(rendered, name):
    assert _render(name)[2] == rendered[name][2]


@pytest.mark.parametrize("name", INT8_MODELS)
@pytest.mark.parametrize("cross", [False, True], ids=["gcc", "arm-none-eabi-gcc"])
def test_sources_without_tflm_compile_warning_free(rendered, name, cross, tmp_path):
    files = rendered[name][2]
    src = _write(files, tmp_path) / "src"
    (tmp_path / "ops.c").write_text('#include "model_ops.h"\nint op_count(void) { return MODEL_OP_COUNT; }\n')
    sources = [src / "model_io.c", src / "model_selftest.c", src / "edgekit_protocol.c", tmp_path / "ops.c"]
    if name in SMALL_MODELS:  # the large arrays only cost compile time
        sources.append(src / "model_data.cc")
    for index, source in enumerate(sources):
        compile_object(source, src, cross, tmp_path / f"{index}.o")


@pytest.mark.parametrize("name", SMALL_MODELS[:2])
def test_compiled_array_is_aligned_and_equals_the_model(rendered, name, tmp_path):
    model, _, files, _ = rendered[name]
    src = _write(files, tmp_path) / "src"
    symbol = re.search(r"g_(\w+)_model_data\[\]", files["src/model_data.h"]).group(1)
    (tmp_path / "dump.cc").write_text(
        '#include <stdint.h>\n#include <stdio.h>\n#include "model_data.h"\n'
        f"int main() {{\n  if (reinterpret_cast<uintptr_t>(g_{symbol}_model_data) % 16) return 2;\n"
        f"  fwrite(g_{symbol}_model_data, 1, g_{symbol}_model_data_size, stdout);\n  return 0;\n}}\n")
    program = tmp_path / "dump"
    done = subprocess.run(["g++", "-std=c++11", "-Wall", "-Wextra", "-Werror", f"-I{src}", str(tmp_path / "dump.cc"),
                           str(src / "model_data.cc"), "-o", str(program)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert subprocess.run([str(program)], capture_output=True, check=True).stdout == model


def test_selftest_expected_outputs_come_from_the_host_tflm(rendered):
    from edgekit import host
    from edgekit.render import default_selftest_input

    model, info, files, result = rendered["person_detect.tflite"]
    assert result.selftest_checked
    inputs = default_selftest_input(info)
    expected = host.run_tflm_tensors(model, list(inputs))[0][0].tobytes()
    body = files["src/model_selftest.c"].split("model_selftest_expected[MODEL_SELFTEST_SAMPLES * MODEL_OUTPUT_TOTAL_BYTES] = {", 1)[1]
    assert bytes(int(h, 16) for h in re.findall(r"0x([0-9a-f]{2})", body)) == expected


# --- quantization helpers ---------------------------------------------------------------------------

def test_quantize_helpers_match_tflite_rounding(rendered, tmp_path):
    _, info, files, _ = rendered["person_detect.tflite"]
    tensor = info.input_tensors[0]
    scale = np.float32(tensor.quantization.scales[0])
    zero_point = tensor.quantization.zero_points[0]
    src = _write(files, tmp_path) / "src"
    (tmp_path / "q.c").write_text(
        '#include <stdio.h>\n#include <stdlib.h>\n#include "model_io.h"\n'
        "int main(int argc, char** argv) {\n"
        "  for (int i = 1; i < argc; ++i) {\n"
        "    float x = strtof(argv[i], NULL);\n"
        "    printf(\"%d %.9g\\n\", model_quantize_input0(x), (double)model_dequantize_output0((model_output0_t)i));\n"
        "  }\n  return 0;\n}\n")
    program = build_host_program([tmp_path / "q.c", src / "model_io.c"], src, tmp_path / "q")
    rng = np.random.default_rng(1)
    # random values, values far out of range, and exact halfway points between two steps
    values = np.concatenate([rng.uniform(-1.5, 1.5, 200), [-1e9, 1e9, 0.0, -0.0],
                             (np.arange(-130, 130) + 0.5) * scale]).astype(np.float32)
    out = subprocess.run([str(program), *(repr(float(v)) for v in values)], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    scaled = values / scale  # float32 division, as TFLite's QUANTIZE kernel does
    expected = np.clip(np.sign(scaled) * np.floor(np.abs(scaled) + np.float32(0.5)) + zero_point, -128, 127)
    got = np.array([int(line.split()[0]) for line in out if line])
    np.testing.assert_array_equal(got, expected.astype(int))
    out_tensor = info.output_tensors[0]
    dequantized = [float(line.split()[1]) for line in out if line]
    for i, value in enumerate(dequantized, start=1):
        q = np.int8(np.int64(i).astype(np.int8))
        want = np.float32(out_tensor.quantization.scales[0]) * np.float32(int(q) - out_tensor.quantization.zero_points[0])
        assert value == pytest.approx(float(want), rel=1e-6, abs=1e-9)


# --- the serial protocol, device side ---------------------------------------------------------------

def _frame(kind: int, payload: bytes) -> bytes:
    body = bytes([kind]) + struct.pack("<I", len(payload)) + payload
    return b"\xed\x6b" + body + struct.pack("<I", zlib.crc32(body))


def _frames(stream: bytes) -> list[tuple[int, bytes]]:
    found, position = [], 0
    while (start := stream.find(b"\xed\x6b", position)) >= 0:
        kind, length = stream[start + 2], struct.unpack_from("<I", stream, start + 3)[0]
        payload = stream[start + 7:start + 7 + length]
        (crc,) = struct.unpack_from("<I", stream, start + 7 + length)
        assert crc == zlib.crc32(stream[start + 2:start + 7 + length])
        found.append((kind, payload))
        position = start + 11 + length
    return found


def test_protocol_parser_and_writer_agree_with_the_documented_framing(rendered, tmp_path):
    src = _write(rendered["hello_world_int8.tflite"][2], tmp_path) / "src"
    # A device stand-in: echoes each good frame back as its lower-case type, reports bad ones as 'E' frames.
    (tmp_path / "echo.c").write_text(r'''
#include <stdio.h>
#include "edgekit_protocol.h"
static void out(const uint8_t* data, size_t size) { fwrite(data, 1, size, stdout); }
int main(void) {
  static uint8_t buffer[64];
  ek_parser parser;
  ek_parser_init(&parser, buffer, sizeof buffer);
  int c;
  while ((c = getchar()) != EOF) {
    ek_parse_result r = ek_parser_feed(&parser, (uint8_t)c);
    if (r == EK_PARSE_FRAME) {
      ek_part part = {buffer, parser.length};
      ek_send_frame(out, (uint8_t)(parser.type | 0x20), &part, 1);
    } else if (r == EK_PARSE_ERROR) {
      ek_part part = {&parser.error, 1};
      ek_send_frame(out, EK_TYPE_ERROR, &part, 1);
    }
  }
  return 0;
}
''')
    program = build_host_program([tmp_path / "echo.c", src / "edgekit_protocol.c"], src, tmp_path / "echo")
    corrupted = bytearray(_frame(0x52, b"abc"))
    corrupted[8] ^= 0xFF
    stream = (b"edgekit: text line\r\n\xed" + _frame(0x49, b"") + _frame(0x52, bytes(range(40)))
              + bytes(corrupted) + _frame(0x52, bytes(100)) + _frame(0x52, b"\xed\x6b\xed"))
    reply = subprocess.run([str(program)], input=stream, capture_output=True, check=True).stdout
    assert _frames(reply) == [(0x69, b""), (0x72, bytes(range(40))), (0x45, bytes([1])), (0x45, bytes([5])),
                              (0x72, b"\xed\x6b\xed")]


# --- bad models and names ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("audio_preprocessor_int8.tflite", "custom op 'SignalEnergy'"),
    ("vww_96_float.tflite", "float"),
])
def test_models_tflm_cannot_run_are_refused_with_the_op_or_tensor_named(name, expected, tmp_path):
    with pytest.raises(ModelError) as caught:
        render_project(*read_model_file(shared_model(name)), load_board("esp32dev"), tmp_path / "out",
                       RenderOptions(arena_bytes=ARENA))
    assert expected in str(caught.value)
    assert "Fix:" in str(caught.value) or "Things to try" in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_int16_input_and_int32_output_render_with_their_c_types(tmp_path):
    """TFLM's keyword model (int16 features in, int32 scores out) renders for a TFLM template: the
    application reads and reports each tensor in its own type."""
    result = render_project(*read_model_file(shared_model("keyword_scrambled_8bit.tflite")), load_board("esp32dev"),
                            tmp_path / "out", RenderOptions(arena_bytes=ARENA))
    io = (result.project_dir / "src" / "model_io.h").read_text()
    assert "typedef int16_t model_input0_t;" in io and "typedef int32_t model_output0_t;" in io
    assert "#define MODEL_INPUT0_DTYPE 3u" in io and "#define MODEL_OUTPUT0_DTYPE 4u" in io
    assert "model_quantize_input0(float x)" in io and "model_dequantize_output0(model_output0_t q)" in io


def test_multi_subgraph_model_is_refused():
    model, info = read_model_file(shared_model("hello_world_int8.tflite"))
    with pytest.raises(ModelError, match="2 subgraphs"):
        render_files(model, dataclasses.replace(info, subgraph_count=2), load_board("esp32dev"),
                     RenderOptions(arena_bytes=ARENA))


def test_op_missing_from_an_older_library_is_named():
    model, info = read_model_file(shared_model("hello_world_int8.tflite"))
    info = dataclasses.replace(info, op_versions=(("BATCH_MATMUL", 1), ("FULLY_CONNECTED", 4)))
    with pytest.raises(ModelError, match="op BATCH_MATMUL is not in TFLM of 2023"):
        render_files(model, info, load_board("nano33ble"), RenderOptions(arena_bytes=ARENA, template="tflm_arduino"))


def _renamed_model(name: str, tensor_name: str) -> bytes:
    """The model with every tensor renamed, re-serialized with the flatbuffer schema's object API."""
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    data = shared_model(name).read_bytes()
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAs(data, 0))
    for index, tensor in enumerate(model.subgraphs[0].tensors):
        tensor.name = f"{tensor_name}{index}".encode("utf-8")
    builder = flatbuffers.Builder(len(data) + 4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


@pytest.mark.parametrize("cross", [False, True], ids=["gcc", "arm-none-eabi-gcc"])
def test_hostile_model_and_tensor_names_produce_valid_c(cross, tmp_path):
    from edgekit.reader import read_model

    hostile = 'in"put */ \\ é\n#define x ??/ '
    data = _renamed_model("micro_speech_quantized.tflite", hostile)
    info = read_model(data)
    assert info.input_tensors[0].name.startswith(hostile)
    files, _ = render_files(data, info, load_board("esp32dev"),
                            RenderOptions(arena_bytes=ARENA, model_name='my "model" */\n\\ ü'))
    src = _write(files, tmp_path) / "src"
    (tmp_path / "all.cc").write_text('#include "model_io.h"\n#include "model_ops.h"\n#include "model_data.h"\n'
                                     '#include "model_selftest.h"\nint touch() { return MODEL_OP_COUNT; }\n')
    for index, source in enumerate([src / "model_data.cc", src / "model_io.c", tmp_path / "all.cc"]):
        compile_object(source, src, cross, tmp_path / f"{index}.o")
    assert "my_model_" in files["src/model_data.h"]


# --- templates, boards and the output folder -------------------------------------------------------

def test_template_must_suit_the_board():
    with pytest.raises(TemplateError, match="does not build on board 'esp32dev'"):
        _render("hello_world_int8.tflite", template="tflm_arduino")
    with pytest.raises(TemplateError, match="unknown firmware template 'nope'"):
        _render("hello_world_int8.tflite", template="nope")


def test_bare_metal_template_needs_a_real_tflm_tree(tmp_path):
    with pytest.raises(TemplateError, match="none was given"):
        _render("hello_world_int8.tflite", board="nucleo_f446re")
    with pytest.raises(TemplateError, match="is not a TFLM tree"):
        _render("hello_world_int8.tflite", board="nucleo_f446re", tflm_dir=tmp_path)


def test_arena_size_must_be_positive():
    model, info = read_model_file(shared_model("hello_world_int8.tflite"))
    with pytest.raises(RenderError, match="positive"):
        render_files(model, info, load_board("esp32dev"), RenderOptions(arena_bytes=0))


def _render_into(project: Path, force: bool = False):
    model, info = read_model_file(shared_model("hello_world_int8.tflite"))
    return render_project(model, info, load_board("esp32dev"), project,
                          RenderOptions(arena_bytes=4096, model_name="hello", force=force))


def test_rerender_replaces_only_what_edgekit_wrote(tmp_path):
    project = tmp_path / "fw"
    result = _render_into(project)
    assert (project / MANIFEST).is_file() and (project / "src" / "model_data.cc").is_file()
    (project / "src" / "my_sensor.c").write_text("/* the user's own file */\n")
    _render_into(project)  # unchanged files: replaced silently
    assert (project / "src" / "my_sensor.c").read_text() == "/* the user's own file */\n"
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()) == sorted(
        [*result.files, str(MANIFEST), "src/my_sensor.c"])


def test_edited_or_foreign_files_are_not_replaced_without_force(tmp_path):
    project = tmp_path / "fw"
    _render_into(project)
    main = project / "src" / "main.cc"
    main.write_text(main.read_text() + "// my change\n")
    with pytest.raises(RenderError, match="src/main.cc \\(changed since edgekit wrote it\\)"):
        _render_into(project)
    assert main.read_text().endswith("// my change\n")
    _render_into(project, force=True)
    assert not main.read_text().endswith("// my change\n")

    other = tmp_path / "theirs"
    (other / "src").mkdir(parents=True)
    (other / "platformio.ini").write_text("[env:mine]\n")
    with pytest.raises(RenderError, match="platformio.ini \\(not written by edgekit\\)"):
        _render_into(other)
    assert (other / "platformio.ini").read_text() == "[env:mine]\n"
    assert not (other / "src" / "model_data.cc").exists()
