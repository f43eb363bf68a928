"""Keras 3 -> tf-keras config translation, on configs written as Keras 3 writes them."""

from __future__ import annotations

import pytest

from edgekit.keras_compat import UntranslatableConfig, keras3_to_tf_keras

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def _tensor(layer):
    return {"class_name": "__keras_tensor__", "config": {"shape": [None, 4], "dtype": "float32",
                                                         "keras_history": [layer, 0, 0]}}


def test_functional_graph_with_a_merge_node():
    config = {
        "name": "m", "trainable": True,
        "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "name": "in",
             "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "in", "optional": False},
             "inbound_nodes": []},
            {"module": "keras.layers", "class_name": "Dense", "name": "d",
             "config": {"name": "d", "units": 4, "dtype": POLICY, "lora_rank": None,
                        "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                               "config": {"seed": None, "input_axes": None}, "registered_name": None}},
             "inbound_nodes": [{"args": [_tensor("in")], "kwargs": {}}]},
            {"module": "keras.layers", "class_name": "Add", "name": "add",
             "config": {"name": "add", "dtype": POLICY},
             "inbound_nodes": [{"args": [[_tensor("in"), _tensor("d")]], "kwargs": {}}]},
        ],
        "input_layers": ["in", 0, 0],
        "output_layers": ["add", 0, 0],
    }
    out = keras3_to_tf_keras(config)
    inp, dense, add = out["layers"]
    assert inp["config"]["batch_input_shape"] == [None, 4] and "optional" not in inp["config"]
    assert dense["config"]["dtype"] == "float32" and "lora_rank" not in dense["config"]
    assert dense["config"]["kernel_initializer"] == {"class_name": "GlorotUniform", "config": {}}
    assert dense["inbound_nodes"] == [[["in", 0, 0, {}]]]
    assert add["inbound_nodes"] == [[["in", 0, 0, {}], ["d", 0, 0, {}]]]
    assert out["input_layers"] == [["in", 0, 0]]


def test_keras3_only_features_in_use_are_refused():
    config = {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "d", "units": 2, "lora_rank": 4}}]}
    with pytest.raises(UntranslatableConfig, match="lora_rank=4"):
        keras3_to_tf_keras(config)
