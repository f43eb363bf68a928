"""Config rewrites for the tf-keras copy: Conv1D in its Conv2D form (for QAT), GRU/SimpleRNN unrolled."""

from __future__ import annotations

import pytest

from edgekit.keras_compat import CONV1D_CONV2D, CONV1D_EXPAND, UntranslatableConfig, conv1d_as_conv2d, unroll_recurrent


def _conv1d(name="c", padding="valid", **extra):
    return {"class_name": "Conv1D", "config": {"name": name, "filters": 8, "kernel_size": [5], "strides": [2],
                                                "padding": padding, "dilation_rate": [1], "groups": 1,
                                                "activation": "relu", "use_bias": True, **extra}}


def test_sequential_conv1d_becomes_reshape_conv2d_reshape_named_so_readers_are_unchanged():
    config = {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"name": "in"}}, _conv1d()]}
    assert conv1d_as_conv2d(config, {"c": ((32, 3), (14, 8))}) == ["c"]
    classes = [(layer["class_name"], layer["config"]["name"]) for layer in config["layers"]]
    assert classes == [("InputLayer", "in"), ("Reshape", "c" + CONV1D_EXPAND), ("Conv2D", "c" + CONV1D_CONV2D),
                       ("Reshape", "c")]
    expand, conv, squeeze = (layer["config"] for layer in config["layers"][1:])
    assert expand["target_shape"] == [32, 1, 3] and squeeze["target_shape"] == [14, 8]
    assert conv["kernel_size"] == [5, 1] and conv["strides"] == [2, 1] and conv["dilation_rate"] == [1, 1]
    assert "groups" not in conv and conv["activation"] == "relu"


def test_functional_conv1d_keeps_its_inbound_nodes_on_the_first_reshape():
    conv = _conv1d()
    conv["inbound_nodes"] = [[["in", 0, 0, {}]]]
    config = {"name": "f", "layers": [conv], "input_layers": [["in", 0, 0]], "output_layers": [["c", 0, 0]]}
    conv1d_as_conv2d(config, {"c": ((32, 3), (14, 8))})
    nodes = {layer["name"]: layer["inbound_nodes"] for layer in config["layers"]}
    assert nodes == {"c" + CONV1D_EXPAND: [[["in", 0, 0, {}]]], "c" + CONV1D_CONV2D: [[["c" + CONV1D_EXPAND, 0, 0, {}]]],
                     "c": [[["c" + CONV1D_CONV2D, 0, 0, {}]]]}


def test_causal_conv1d_has_no_conv2d_form():
    with pytest.raises(UntranslatableConfig, match="causal"):
        conv1d_as_conv2d({"layers": [_conv1d(padding="causal")]}, {"c": ((32, 3), (32, 8))})


def test_gru_and_wrapped_simple_rnn_are_unrolled_and_lstm_is_not():
    config = {"layers": [
        {"class_name": "GRU", "config": {"name": "g", "unroll": False}},
        {"class_name": "LSTM", "config": {"name": "l", "unroll": False}},
        {"class_name": "Bidirectional", "config": {"name": "b", "layer": {"class_name": "SimpleRNN",
                                                                          "config": {"name": "r"}}}},
    ]}
    assert unroll_recurrent(config) == ["g", "r"]
    assert config["layers"][0]["config"]["unroll"] and not config["layers"][1]["config"]["unroll"]
    assert config["layers"][2]["config"]["layer"]["config"]["unroll"]
