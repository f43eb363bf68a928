"""Translate a Keras 3 model config into one that tf-keras (Keras 2) can rebuild.

Quantization-aware training with tensorflow-model-optimization only wraps tf-keras layers, while
TensorFlow 2.16+ saves and loads Keras 3 models. The architecture is plain data, so edgekit rebuilds it
in tf-keras from its config and copies the weights layer by layer. This module is the pure-data half of
that: no TensorFlow import, testable on its own.

What differs between the two config formats:

* dtype policies are dicts in Keras 3 (``{"class_name": "DTypePolicy", ...}``), strings in Keras 2;
* ``InputLayer`` says ``batch_shape`` instead of ``batch_input_shape`` and adds ``optional``;
* functional graphs describe a layer's inputs as ``{"args": [keras tensors], "kwargs": {}}`` instead of
  ``[[layer, node, tensor, kwargs]]``;
* a few arguments exist only in Keras 3 (``lora_rank``, ``synchronized``, ...); they are dropped when they
  hold their neutral value and reported otherwise.
"""

from __future__ import annotations

from typing import Any

# Keras 3 arguments that Keras 2 does not know, and the values that mean "feature not used".
_KERAS3_ONLY_ARGS: dict[str, tuple[Any, ...]] = {
    "optional": (False,),
    "lora_rank": (None, 0),
    "lora_alpha": (None,),
    "synchronized": (False,),
    "quantization_config": (None,),
    "build_config": None,  # shape hints; tf-keras rebuilds shapes itself
    "compile_config": None,
}


class UntranslatableConfig(ValueError):
    """A Keras 3 config uses a feature that has no tf-keras equivalent."""


def keras3_to_tf_keras(config: dict[str, Any]) -> dict[str, Any]:
    """Translate a whole-model config (``model.get_config()``) from Keras 3 to tf-keras.

    :param config: a Sequential or Functional model config as Keras 3 returns it.
    :returns: a new config for ``tf_keras.Sequential.from_config`` / ``tf_keras.Model.from_config``.
    :raises UntranslatableConfig: naming the layer and argument that cannot be expressed in tf-keras.
    """
    out = {k: _translate_value(v) for k, v in config.items() if k not in ("layers", "input_layers", "output_layers")}
    out["layers"] = [_translate_layer(layer) for layer in config.get("layers", [])]
    for key in ("input_layers", "output_layers"):
        if key in config:
            out[key] = _node_refs(config[key])
    return out


def _translate_layer(layer: dict[str, Any]) -> dict[str, Any]:
    class_name = layer.get("class_name")
    cfg = dict(layer.get("config", {}))
    name = cfg.get("name", class_name)
    if class_name == "InputLayer" and "batch_shape" in cfg:
        cfg["batch_input_shape"] = cfg.pop("batch_shape")
    if class_name in ("Sequential", "Functional", "Model"):
        cfg = keras3_to_tf_keras(cfg)  # a nested model
    for arg, neutral in _KERAS3_ONLY_ARGS.items():
        if arg in cfg:
            value = cfg.pop(arg)
            if neutral is not None and value not in neutral:
                raise UntranslatableConfig(
                    f"layer '{name}' ({class_name}) uses {arg}={value!r}, which tf-keras does not support"
                )
    translated = {
        "class_name": class_name,
        "config": {k: _translate_value(v) for k, v in cfg.items()},
    }
    if "name" in layer:
        translated["name"] = layer["name"]
    if "inbound_nodes" in layer:
        translated["inbound_nodes"] = [_translate_node(node, name) for node in layer["inbound_nodes"]]
    return translated


def _translate_value(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy"):
            return value.get("config", {}).get("name", "float32")
        if "class_name" in value and "config" in value:
            # A serialized object (initializer, regularizer, constraint): tf-keras wants class_name + config.
            # Arguments left at None are defaults, and some exist only in Keras 3 (GlorotUniform's
            # input_axes), so they are dropped.
            inner = value["config"]
            if isinstance(inner, dict):
                inner = {k: v for k, v in inner.items() if v is not None}
            return {"class_name": value["class_name"], "config": _translate_value(inner)}
        return {k: _translate_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_translate_value(v) for v in value]
    return value


def _keras_tensors(value: Any) -> list[list[Any]]:
    """Every ``__keras_tensor__`` reference inside a node's args, as ``[layer, node, tensor, {}]``."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            layer, node, tensor = value["config"]["keras_history"]
            return [[layer, node, tensor, {}]]
        return [ref for v in value.values() for ref in _keras_tensors(v)]
    if isinstance(value, (list, tuple)):
        return [ref for v in value for ref in _keras_tensors(v)]
    return []


def _translate_node(node: Any, layer_name: str) -> Any:
    if not isinstance(node, dict):
        return node  # already in Keras 2 form
    kwargs = node.get("kwargs") or {}
    if _keras_tensors(kwargs):
        raise UntranslatableConfig(f"layer '{layer_name}' takes tensors as keyword arguments")
    refs = _keras_tensors(node.get("args", []))
    if refs and kwargs:
        refs[0][3] = {k: _translate_value(v) for k, v in kwargs.items()}
    return refs


def _node_refs(refs: Any) -> Any:
    # Keras 3 writes a single input as ["name", 0, 0]; Keras 2 always wants a list of such triples.
    if isinstance(refs, list) and len(refs) == 3 and isinstance(refs[0], str):
        return [refs]
    return refs
