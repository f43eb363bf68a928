"""Rewrite Keras layers that TensorFlow lowers to ops TFLM lacks, before conversion; check every rewrite.

TensorFlow's converter turns some Keras 3 layers into op sequences that have no TFLM kernel, although an
equivalent layer converts to one TFLM runs. Each rewrite here replaces such a layer in the model's config,
copies the weights, and is kept only if the float model's outputs before and after are *equal* on the
representative samples; otherwise the original model is converted and the user is told why.

:data:`LOWERS_BADLY` is the list of layers known to lower badly, each with its rewrite or fix; the
README's section "Layers that lower badly" is written from it, and the crash message points there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LayerAdvice:
    """A Keras layer that TensorFlow lowers to ops TFLM lacks (or cannot calibrate), and what edgekit does."""

    layer: str
    problem: str
    fix: str
    automatic: bool  # edgekit applies the fix itself


LOWERS_BADLY: tuple[LayerAdvice, ...] = (
    LayerAdvice("UpSampling2D (nearest)", "Keras 3 lowers it to RESHAPE + TILE; TFLM has no TILE kernel",
                "rewritten to Resizing(interpolation='nearest'), which converts to RESIZE_NEAREST_NEIGHBOR", True),
    LayerAdvice("LSTM", "Keras 3 lowers it to a WHILE loop on which TensorFlow's calibrator crashes (SIGSEGV)",
                "converted through its tf-keras copy, whose LSTM becomes one UNIDIRECTIONAL_SEQUENCE_LSTM; when that "
                "fused op does not reproduce the float model (measured: 99 % -> 31 % accuracy on a trained LSTM), the "
                "LSTM is unrolled; an unrolled LSTM that does not come out full integer is refused", True),
    LayerAdvice("GRU, SimpleRNN", "no fused TFLite kernel; the WHILE loop they lower to crashes the calibrator",
                "converted through the tf-keras copy with unroll=True: one FULLY_CONNECTED/LOGISTIC/TANH chain "
                "per time step (larger flash, fine for short sequences)", True),
    LayerAdvice("Flatten / Reshape with a dynamic batch", "SHAPE, STRIDED_SLICE and PACK ops appear",
                "the graph is traced with a batch of 1", True),
    LayerAdvice("RNN with a custom cell, ConvLSTM1D/2D/3D", "no fused kernel; a WHILE loop the calibrator crashes on",
                "refused before conversion: use LSTM, GRU, or Conv1D layers", False),
    LayerAdvice("UpSampling1D", "Keras 3 lowers it to TILE", "use Reshape to (steps, 1, channels) + UpSampling2D((n, 1)) "
                "+ Reshape, which edgekit then rewrites", False),
    LayerAdvice("Lambda / raw TensorFlow ops", "anything the converter meets, often float or flex ops",
                "replace with built-in Keras layers", False),
)


def rewrite_for_tflm(model: Any, probe: np.ndarray) -> tuple[Any, list[str], list[str]]:
    """Rewrite a Keras 3 model's layers that lower to ops TFLM lacks.

    :param model: a built Keras 3 model (Sequential or Functional).
    :param probe: float input samples (batch first) on which the outputs must stay equal.
    :returns: ``(model, rewrites, warnings)``: the rewritten model (or the same one when nothing applied
        or a rewrite did not reproduce the outputs), one line per rewrite, and warnings.
    """
    try:
        config = model.get_config()
    except Exception:  # noqa: BLE001 - subclassed models have no config to rewrite
        return model, [], []
    if not isinstance(config, dict) or "layers" not in config:
        return model, [], []
    done = []
    for entry in config["layers"]:
        if entry.get("class_name") == "UpSampling2D":
            line = _upsampling_as_resizing(model, entry)
            if line:
                done.append(line)
    if not done:
        return model, [], []
    import keras

    try:
        cls = keras.Sequential if type(model).__name__ == "Sequential" else keras.Model
        rewritten = cls.from_config(config)
        for layer in model.layers:
            rewritten.get_layer(layer.name).set_weights(layer.get_weights())
    except Exception as exc:  # noqa: BLE001 - keep the original model, say why
        return model, [], [f"layers that lower to ops TFLM lacks could not be rewritten ({type(exc).__name__}: {exc})"]
    before = np.asarray(model(probe, training=False))
    after = np.asarray(rewritten(probe, training=False))
    if before.shape != after.shape or not np.array_equal(before, after):
        return model, [], ["a rewrite for TFLM did not reproduce the float outputs exactly, so the model is "
                           f"converted as it is ({'; '.join(done)})"]
    for line in done:
        log.info("rewritten for TFLM: %s (float outputs checked equal)", line)
    return rewritten, done, []


def _upsampling_as_resizing(model: Any, entry: dict[str, Any]) -> str | None:
    """Turn a nearest ``UpSampling2D`` config entry into an equivalent ``Resizing`` entry, in place.

    For an integer factor s, nearest resizing with half-pixel centres picks source ``floor((d + 0.5) / s)
    = floor(d / s)``, exactly the row UpSampling2D repeats.
    """
    cfg = entry["config"]
    if cfg.get("interpolation", "nearest") != "nearest":
        return None
    layer = model.get_layer(cfg["name"])
    try:
        shape = tuple(layer.input.shape)
    except (AttributeError, ValueError):  # a layer used twice has no single input
        return None
    data_format = cfg.get("data_format") or "channels_last"
    height, width = (shape[1], shape[2]) if data_format == "channels_last" else (shape[2], shape[3])
    if height is None or width is None:
        return None
    size = cfg.get("size", (2, 2))
    size = (size, size) if isinstance(size, int) else tuple(size)
    entry["class_name"] = "Resizing"
    entry["config"] = {
        "name": cfg["name"], "trainable": cfg.get("trainable", True), "dtype": cfg.get("dtype"),
        "height": int(height * size[0]), "width": int(width * size[1]), "interpolation": "nearest",
        "crop_to_aspect_ratio": False, "data_format": data_format,
    }
    entry["module"] = "keras.layers"
    entry["registered_name"] = None
    return f"UpSampling2D '{cfg['name']}' -> Resizing({height * size[0]}, {width * size[1]}, nearest)"
