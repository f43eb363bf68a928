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


def unroll_recurrent(config: dict[str, Any], classes: tuple[str, ...] = ("GRU", "SimpleRNN")) -> list[str]:
    """Set ``unroll=True`` on the recurrent layers of a tf-keras model config, in place.

    TFLite has no fused kernel for GRU or SimpleRNN, and TensorFlow's calibrator crashes on the WHILE
    loop they lower to; unrolled, they become plain FULLY_CONNECTED/LOGISTIC/TANH chains per time step.
    Returns the names of the layers changed (inside ``Bidirectional`` wrappers too).
    """
    changed = []
    for layer in config.get("layers", []):
        cfg = layer.get("config", {})
        targets = [(layer.get("class_name"), cfg)]
        for key in ("layer", "backward_layer"):  # Bidirectional wraps its recurrent layers
            if isinstance(cfg.get(key), dict):
                targets.append((cfg[key].get("class_name"), cfg[key].get("config", {})))
        for class_name, inner in targets:
            if class_name in classes and not inner.get("unroll"):
                inner["unroll"] = True
                changed.append(inner.get("name", class_name))
        if layer.get("class_name") in ("Sequential", "Functional", "Model"):
            changed += unroll_recurrent(cfg, classes)
    return changed


#: Suffixes of the layers that stand in for a Conv1D named N in its Conv2D form.
CONV1D_EXPAND, CONV1D_CONV2D = "_as2d_expand", "_as2d_conv"


def conv1d_as_conv2d(config: dict[str, Any], shapes: dict[str, tuple[tuple[int, ...], tuple[int, ...]]]) -> list[str]:
    """Replace each Conv1D of a tf-keras model config by Reshape -> Conv2D -> Reshape, in place.

    tfmot has no quantize config for Conv1D, while Conv1D on ``[steps, channels]`` is Conv2D with a
    ``(k, 1)`` kernel on ``[steps, 1, channels]``. The Conv2D is named ``N + CONV1D_CONV2D`` (its kernel is
    the Conv1D kernel with an axis inserted) and the closing Reshape keeps the name ``N``, so every layer
    that read the Conv1D reads the same tensor as before.

    :param shapes: per Conv1D name, its ``(input shape, output shape)`` without the batch dimension.
    :returns: the names of the Conv1D layers replaced.
    :raises UntranslatableConfig: for causal padding, groups or channels-first data (no Conv2D twin here).
    """
    sequential = "input_layers" not in config
    layers: list[dict[str, Any]] = []
    replaced = []
    for layer in config.get("layers", []):
        if layer.get("class_name") != "Conv1D":
            layers.append(layer)
            continue
        cfg = layer["config"]
        name = cfg["name"]
        if cfg.get("padding") == "causal" or cfg.get("groups", 1) != 1 or cfg.get("data_format") == "channels_first":
            raise UntranslatableConfig(f"Conv1D '{name}' uses causal padding, groups or channels_first, "
                                       "which its Conv2D form cannot express")
        (steps, channels), (out_steps, filters) = shapes[name]
        one = lambda value: [int(value[0] if isinstance(value, (list, tuple)) else value), 1]  # noqa: E731
        conv = {k: v for k, v in cfg.items() if k not in ("groups",)}
        conv.update(name=name + CONV1D_CONV2D, kernel_size=one(cfg["kernel_size"]), strides=one(cfg["strides"]),
                    dilation_rate=one(cfg.get("dilation_rate", 1)), data_format="channels_last")
        base = {"trainable": cfg.get("trainable", True), "dtype": cfg.get("dtype", "float32")}
        chain = [
            {"class_name": "Reshape", "config": {**base, "name": name + CONV1D_EXPAND,
                                                 "target_shape": [steps, 1, channels]}},
            {"class_name": "Conv2D", "config": conv},
            {"class_name": "Reshape", "config": {**base, "name": name, "target_shape": [out_steps, filters]}},
        ]
        if not sequential:
            chain[0]["name"], chain[1]["name"], chain[2]["name"] = name + CONV1D_EXPAND, name + CONV1D_CONV2D, name
            chain[0]["inbound_nodes"] = layer.get("inbound_nodes", [])
            chain[1]["inbound_nodes"] = [[[name + CONV1D_EXPAND, 0, 0, {}]]]
            chain[2]["inbound_nodes"] = [[[name + CONV1D_CONV2D, 0, 0, {}]]]
        layers += chain
        replaced.append(name)
    config["layers"] = layers
    return replaced
