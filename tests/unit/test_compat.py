"""The full-integer check on real models: float, int16-I/O and full int8."""

from __future__ import annotations

import pytest

from edgekit.compat import check_full_integer, float_ops
from edgekit.errors import ModelError
from edgekit.reader import read_model_file
from tests.conftest import shared_model


@pytest.mark.parametrize("name", ["hello_world_int8.tflite", "person_detect.tflite", "kws_ref_model.tflite",
                                  "ad01_int8.tflite", "micro_speech_quantized.tflite",
                                  "vww_96_int8.tflite", "pretrainedResnet_quant.tflite"])
def test_int8_models_pass(name):
    _, info = read_model_file(shared_model(name))
    assert float_ops(info) == []
    check_full_integer(info, "int8")


def test_float_model_is_refused_with_the_fix():
    _, info = read_model_file(shared_model("vww_96_float.tflite"))
    with pytest.raises(ModelError, match="not a full-integer model") as caught:
        check_full_integer(info, "int8", source="vww_96_float.tflite")
    assert "edgekit quantize" in str(caught.value)
    assert "CONV_2D" in str(caught.value)


def test_int8_io_demanded_of_an_int16_model():
    _, info = read_model_file(shared_model("keyword_scrambled_8bit.tflite"))
    with pytest.raises(ModelError, match="must be INT8") as caught:
        check_full_integer(info, "int8")
    assert "INT16" in str(caught.value)


def test_io_type_none_accepts_any_integer_io_but_not_float_kernels():
    _, info = read_model_file(shared_model("keyword_scrambled_8bit.tflite"))
    check_full_integer(info, None)  # int16 in, int32 out, integer kernels throughout
    _, floaty = read_model_file(shared_model("vww_96_float.tflite"))
    with pytest.raises(ModelError):
        check_full_integer(floaty, None)
