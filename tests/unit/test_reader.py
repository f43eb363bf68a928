"""The model reader on real public models from ../shared/models, and on corrupt bytes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgekit.errors import ModelError
from edgekit.reader import read_model, read_model_file
from tests.conftest import shared_model


def test_hello_world_is_one_op_type_with_int8_io():
    _, info = read_model_file(shared_model("hello_world_int8.tflite"))
    assert info.ops == ("FULLY_CONNECTED",)
    assert [t.dtype for t in info.input_tensors + info.output_tensors] == ["INT8", "INT8"]
    assert info.input_tensors[0].shape == (1, 1)
    assert info.subgraph_count == 1
    assert info.input_tensors[0].quantization is not None


@pytest.mark.parametrize(
    ("name", "macs_millions"),
    [("person_detect.tflite", 7.2), ("vww_96_int8.tflite", 7.5), ("pretrainedResnet_quant.tflite", 12.5)],
)
def test_mac_counts_match_published_figures(name, macs_millions):
    _, info = read_model_file(shared_model(name))
    assert info.total_macs / 1e6 == pytest.approx(macs_millions, rel=0.05)


def test_person_detect_ops_and_per_channel_weights():
    data, info = read_model_file(shared_model("person_detect.tflite"))
    assert set(info.ops) == {"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "RESHAPE", "SOFTMAX"}
    assert info.size_bytes == len(data)
    assert any(t.quantization and t.quantization.per_channel for t in info.tensors if t.is_constant)
    assert 0 < info.constant_bytes < len(data)


def test_custom_ops_are_named():
    _, info = read_model_file(shared_model("audio_preprocessor_int8.tflite"))
    assert any(op.startswith("CUSTOM:") for op in info.ops)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        read_model_file(tmp_path / "nope.tflite")
    with pytest.raises(ModelError, match="directory"):
        read_model_file(tmp_path)


def test_not_a_flatbuffer():
    with pytest.raises(ModelError, match="not a TFLite flatbuffer"):
        read_model(b"PK\x03\x04 this is a zip file, not a model")


def test_truncated_model_is_a_clear_error():
    data = shared_model("hello_world_int8.tflite").read_bytes()
    with pytest.raises(ModelError):
        read_model(data[: len(data) // 3])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_flatbuffers_never_crash(data):
    """Bit flips and truncations: the reader either decodes or raises ModelError, never anything else."""
    original = bytearray(shared_model("hello_world_int8.tflite").read_bytes())
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(original) - 1), st.integers(1, 255)), max_size=8))
    for offset, mask in flips:
        original[offset] ^= mask
    cut = data.draw(st.integers(8, len(original)))
    try:
        info = read_model(bytes(original[:cut]))
    except ModelError:
        return
    assert info.subgraph_count >= 1
