"""edgekit's own runtime: every supported int8 model in ../shared/models, generated to C, compiled for the
host and run, gives outputs identical to the real TFLM interpreter (tflite-micro) on 20 inputs; the
formulas behind the generated constants match TFLM's."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from edgekit import host
from edgekit.codegen import activation_range, quantize_multiplier, render_runtime_sources, unsupported_ops
from edgekit.errors import ModelError
from edgekit.reader import read_model_file
from tests.conftest import shared_model
from tests.helpers_c import compiler, write_runtime_main

SUPPORTED = ["hello_world_int8", "micro_speech_quantized", "person_detect", "kws_ref_model", "vww_96_int8",
             "pretrainedResnet_quant", "ad01_int8", "str_ww_ref_model"]


def _host_program(name: str, tmp_path):
    model, info = read_model_file(shared_model(f"{name}.tflite"))
    for file, text in render_runtime_sources(model, info, "// test build").items():
        (tmp_path / file).write_text(text)
    size_in, size_out = info.input_tensors[0].num_elements, info.output_tensors[0].num_elements
    write_runtime_main(tmp_path, size_in, size_out)
    done = subprocess.run([compiler("gcc"), "-O2", "-std=c99", "-Wall", "-Wextra", "-Werror", "-o", str(tmp_path / "run"),
                           str(tmp_path / "main.c"), *sorted(str(f) for f in tmp_path.glob("ek_*.c"))],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return model, info, tmp_path / "run"


@pytest.mark.parametrize("name", SUPPORTED)
def test_generated_model_is_bit_exact_with_tflm_on_20_inputs(name, tmp_path):
    model, info, program = _host_program(name, tmp_path)
    shape = info.input_tensors[0].shape[1:]
    inputs = np.random.default_rng(7).integers(-128, 128, size=(20, *shape), dtype=np.int8)
    expected = host.run_tflm_tensors(model, [inputs])[0]
    got = subprocess.run([str(program)], input=inputs.tobytes(), capture_output=True, check=True).stdout
    np.testing.assert_array_equal(np.frombuffer(got, dtype=np.int8).reshape(expected.shape), expected)


def test_unsupported_ops_are_named():
    # custom ops (the audio front end's signal library) are the ops no edgekit kernel will run
    model, info = read_model_file(shared_model("audio_preprocessor_int8.tflite"))
    missing = unsupported_ops(info)
    assert {"CUSTOM:SignalEnergy", "CUSTOM:SignalRfft"} <= set(missing) and "ADD" not in missing
    with pytest.raises(ModelError, match="op .*CUSTOM:SignalEnergy.* is not supported by the edgekit runtime; "
                                         "use --runtime tflm"):
        render_runtime_sources(model, info, "//")


@pytest.mark.parametrize("real, expected", [
    (0.0, (0, 0)), (0.5, (1 << 30, 0)), (1.0, (1 << 30, 1)), (0.75, (1610612736, 0)),
    (2.0 ** -40, (0, 0)),  # below 2^-31: flushed to zero, as TFLM does
    (0.999999999999, (1 << 30, 1)),  # rounds up to 2^31, then renormalised
])
def test_quantize_multiplier_matches_tflms_rules(real, expected):
    assert quantize_multiplier(real) == expected


def test_activation_clamps_follow_tflm():
    _, info = read_model_file(shared_model("person_detect.tflite"))
    relu6_output = info.tensors[info.operators[0].outputs[0]]
    low, high = activation_range(3, relu6_output)  # RELU6
    scale, zero_point = relu6_output.quantization.scales[0], relu6_output.quantization.zero_points[0]
    assert low == max(-128, zero_point) and high == min(127, zero_point + round(6.0 / scale))
    assert activation_range(0, relu6_output) == (-128, 127)
