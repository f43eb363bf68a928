"""int16 and int32 model inputs and outputs through the application: generator, boot self-test, serial
protocol and `edgekit validate` on the emulated Cortex-M4 with the edgekit runtime, compared byte for byte
with the tflite-micro interpreter; and TFLM's own int16-in, int32-out keyword model (keyword_scrambled_8bit),
as far as the edgekit runtime runs its ops.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from edgekit import platformio
from edgekit.codegen import unsupported_ops
from edgekit.reader import read_model_file
from tests.conftest import shared_model
from tests.opmodels import Builder

pytestmark = [pytest.mark.slow]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(platformio.CACHE_VARIABLE, str(tmp_path_factory.getbasetemp() / "edgekit-cache"))


def _reshape(b: Builder, source: int, shape: list[int], dtype: str, scale=None) -> int:
    out = b.tensor(shape, dtype, scale, 0 if scale is not None else None)
    new_shape = b.tensor([len(shape)], "int32", data=np.asarray(shape, dtype=np.int32))
    options = schema.ReshapeOptionsT()
    options.newShape = list(shape)
    b.operator(schema.BuiltinOperator.RESHAPE, [source, new_shape], [out], schema.BuiltinOptions.ReshapeOptions,
               options)
    return out


def wide_io_model() -> bytes:
    """Input 0: int16 [1, 4, 6] quantized (scale 1/1600, as keyword_scrambled_8bit's input); input 1: int32
    [1, 5] without quantization; each reshaped to an output of its own type."""
    b = Builder()
    audio = b.tensor([1, 4, 6], "int16", 0.000625, 0)
    counts = b.tensor([1, 5], "int32")
    flat = _reshape(b, audio, [1, 24], "int16", 0.000625)
    same = _reshape(b, counts, [1, 5], "int32")
    return b.finish([audio, counts], [flat, same])


def test_int16_and_int32_inputs_and_outputs_validate_identical_on_qemu_m4(tmp_path, run_cli):
    model = tmp_path / "wide_io.tflite"
    model.write_bytes(wide_io_model())
    rng = np.random.default_rng(3)
    # real values for the quantized int16 input (some beyond its ±20.48 range, clamped as TFLite does),
    # whole numbers over the int32 range for the unquantized one
    x0 = rng.uniform(-25.0, 25.0, size=(30, 4, 6)).astype(np.float32)
    x1 = rng.integers(-2**31, 2**31 - 1, size=(30, 5), endpoint=True)
    np.savez(tmp_path / "data.npz", x_0=x0, x_1=x1)
    out = tmp_path / "qemu_m4"
    code, stdout, err = run_cli("build", model, "--board", "qemu_m4", "--runtime", "edgekit", "-o", out,
                                "--selftest-data", tmp_path / "data.npz", "--selftest-samples", "3")
    assert code == 0, err
    code, stdout, err = run_cli("flash", "--board", "qemu_m4", "--build-dir", out)
    text = stdout + err
    assert code == 0, text
    assert "input 0: int16 [1, 4, 6], 48 bytes" in text and "output 1: int32 [1, 5], 20 bytes" in text
    assert "self-test: 3 of 3 samples identical to the host TFLM" in text
    # the self-test prints int32 values as numbers, not bytes: the first sample's first value
    assert f"self-test output 1 (first values): {int(x1[0, 0])} " in text
    code, stdout, err = run_cli("validate", "--board", "qemu_m4", "--build-dir", out, "--test-data",
                                tmp_path / "data.npz", "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert result["samples"] == 30 and result["identical"] == 30
    assert [(o["dtype"], o["identical"]) for o in result["outputs"]] == [("int16", 30), ("int32", 30)]


def test_validate_refuses_fractions_for_an_unquantized_integer_input(tmp_path, run_cli):
    from edgekit.errors import DataError
    from edgekit.reader import read_model
    from edgekit.validate import prepare_inputs

    np.savez(tmp_path / "data.npz", x_0=np.zeros((2, 4, 6)), x_1=np.full((2, 5), 0.5))
    with pytest.raises(DataError, match="x_1 feeds the int32 tensor .* must be whole numbers"):
        prepare_inputs(read_model(wide_io_model()), str(tmp_path / "data.npz"), 2)


def test_keyword_scrambled_int16_in_int32_out_as_far_as_the_runtime_runs_it(tmp_path, run_cli):
    """TFLM's keyword model: int16 audio features in, int32 scores out. Built and validated on qemu_m4 when
    the edgekit runtime runs all its ops; until then, one message names each op it lacks and what runs it
    on this emulated board (TFLM from the user's tree), never advice that leads back here."""
    path = shared_model("keyword_scrambled_8bit.tflite")
    _, info = read_model_file(path)
    assert (info.input_tensors[0].dtype, info.output_tensors[0].dtype) == ("INT16", "INT32")
    missing = unsupported_ops(info)
    out = tmp_path / "qemu_m4"
    code, stdout, err = run_cli("build", path, "--board", "qemu_m4", "--runtime", "edgekit", "-o", out)
    if missing:
        assert code == 1 and "Traceback" not in err
        for op in missing:
            assert err.count(f"op {op} ") == 1, err
        assert "--runtime tflm --tflm-dir TREE" in err and "create_tflm_tree.py" in err
        assert "--runtime edgekit" not in err
        return
    assert code == 0, err
    x = np.random.default_rng(0).uniform(-20.0, 20.0, size=(20, 96)).astype(np.float32)
    np.savez(tmp_path / "data.npz", x=x)
    code, stdout, err = run_cli("validate", "--board", "qemu_m4", "--build-dir", out, "--test-data",
                                tmp_path / "data.npz", "--json")
    assert code == 0, err
    result = json.loads(stdout)
    assert result["identical"] == 20 and result["outputs"][0]["dtype"] == "int32"
