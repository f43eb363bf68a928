"""Quantization-aware training with tensorflow-model-optimization (tfmot).

tfmot wraps tf-keras (Keras 2) layers only, while TensorFlow 2.16+ gives Keras 3 by default; the
documented fix is ``TF_USE_LEGACY_KERAS=1`` set before TensorFlow is imported. edgekit sets it when it
can and, for a Keras 3 model, rebuilds the same architecture in tf-keras from its config
(:mod:`edgekit.keras_compat`) and copies the weights layer by layer. Conv1D, which tfmot cannot wrap,
trains in its Conv2D form (Reshape -> Conv2D with a ``(k, 1)`` kernel -> Reshape, weights carried over);
a BatchNormalization right after a linear Conv2D/DepthwiseConv2D/Dense is left to tfmot, which folds it;
value-preserving layers its registry lacks (MaxPooling1D, ...) are annotated as no-ops. The copy's outputs
are checked equal to the model's before training, and only layers tfmot truly cannot wrap are listed,
all at once, before any training starts. Training runs in the conversion child (:mod:`edgekit.convert_worker`).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import numpy as np

from edgekit.datasets import Dataset
from edgekit.errors import QuantizationError, ToolNotFound
from edgekit.keras_compat import UntranslatableConfig, keras3_to_tf_keras
from edgekit.loading import LoadedModel

log = logging.getLogger(__name__)

# What to do about the layers QAT most often refuses (tensorflow/model-optimization issues #647, #1089, #376).
_LAYER_ADVICE = {
    "Rescaling": "move the scaling into your preprocessing, then remove the layer",
    "Normalization": "move the normalization into your preprocessing, then remove the layer",
    "BatchNormalization": "place it right after a Conv2D/DepthwiseConv2D/Dense without activation so it folds, "
                          "or remove it",
    "Bidirectional": "use a plain LSTM/GRU, or quantize this model with post-training quantization",
    "Lambda": "replace the Lambda with a built-in layer",
    "LSTM": "tfmot has no 8-bit QAT for recurrent layers; use post-training quantization (drop --qat)",
    "GRU": "tfmot has no 8-bit QAT for recurrent layers; use post-training quantization (drop --qat)",
    "SimpleRNN": "tfmot has no 8-bit QAT for recurrent layers; use post-training quantization (drop --qat)",
    "TFOpLambda": "replace the raw TensorFlow op with a built-in Keras layer",
    "SlicingOpLambda": "replace the slicing with a Cropping or Reshape layer",
}


#: Layers that only move or pick values (the output's scale is the input's) and that tfmot's registry
#: leaves out; edgekit annotates them with tfmot's own NoOpQuantizeConfig, as tfmot does MaxPooling2D.
_VALUE_PRESERVING = ("MaxPooling1D", "MaxPooling3D", "RepeatVector", "UpSampling1D", "UpSampling3D")


def prefer_legacy_keras() -> None:
    """Ask TensorFlow for tf-keras as ``tf.keras``: only effective before TensorFlow is first imported."""
    if "tensorflow" not in sys.modules:
        os.environ["TF_USE_LEGACY_KERAS"] = "1"


def check_qat_tools() -> None:
    """Refuse QAT at once, in edgekit's own process, when tf-keras or tfmot is missing (training happens
    later, in the conversion child, where a missing package would cost a TensorFlow start-up to find out).

    :raises ToolNotFound: naming the package and how to install it.
    """
    import importlib.util

    try:
        import tf_keras  # noqa: F401
    except ImportError as exc:
        raise ToolNotFound(
            "tf-keras (needed for quantization-aware training)",
            "pip install tf-keras==<your TensorFlow version>, e.g. tf-keras==2.21.*; or drop --qat to use "
            "post-training quantization",
        ) from exc
    if importlib.util.find_spec("tensorflow_model_optimization") is None:
        raise ToolNotFound("tensorflow-model-optimization", "pip install tensorflow-model-optimization")


def _import_tfmot():
    check_qat_tools()
    import tf_keras
    import tensorflow_model_optimization as tfmot

    return tf_keras, tfmot


def to_tf_keras(loaded: LoadedModel, *, unroll: tuple[str, ...] = (), conv1d_as_conv2d: bool = False) -> Any:
    """The model as a tf-keras model with the same weights, ready for tfmot or for the fused-LSTM route.

    :param unroll: recurrent layer classes to unroll (TFLite has no fused kernel for GRU and SimpleRNN).
    :param conv1d_as_conv2d: replace Conv1D by its Conv2D form (tfmot cannot wrap Conv1D).
    The copy is checked: its outputs must equal the model's on a probe input, or nothing is trained.
    :raises QuantizationError: when the model is not a Keras model or uses a feature tf-keras lacks.
    """
    from edgekit import keras_compat

    tf_keras, _ = _import_tfmot()
    source_model = loaded.model
    if loaded.kind == "saved_model":
        try:
            source_model = tf_keras.models.load_model(loaded.source, compile=False)
        except Exception as exc:  # noqa: BLE001
            raise QuantizationError(
                f"QAT needs a Keras model, and '{loaded.source}' is a SavedModel that tf-keras cannot load "
                f"as one ({type(exc).__name__}).\nThings to try:\n  - pass the .keras or .h5 file the "
                "SavedModel was exported from\n  - or drop --qat and use post-training quantization"
            ) from exc
    conv1d = [layer for layer in source_model.layers if type(layer).__name__ == "Conv1D"] if conv1d_as_conv2d else []
    if loaded.kind != "keras3" and not unroll and not conv1d:
        return source_model
    try:
        config = source_model.get_config()
        if loaded.kind == "keras3":
            config = keras3_to_tf_keras(config)
        changed = keras_compat.unroll_recurrent(config, unroll) if unroll else []
        shapes = {layer.name: (tuple(layer.input.shape[1:]), tuple(layer.output.shape[1:])) for layer in conv1d}
        replaced = keras_compat.conv1d_as_conv2d(config, shapes) if conv1d else []
        cls = tf_keras.Sequential if type(source_model).__name__ == "Sequential" else tf_keras.Model
        rebuilt = cls.from_config(config)
        for layer in source_model.layers:
            weights = layer.get_weights()
            if layer.name in replaced:  # the Conv1D kernel [k, in, out] becomes the Conv2D kernel [k, 1, in, out]
                rebuilt.get_layer(layer.name + keras_compat.CONV1D_CONV2D).set_weights(
                    [weights[0][:, np.newaxis]] + weights[1:])
            else:
                rebuilt.get_layer(layer.name).set_weights(weights)
    except (UntranslatableConfig, Exception) as exc:  # noqa: BLE001 - any failure means "cannot rebuild"
        raise QuantizationError(
            f"the model '{loaded.source}' cannot be rebuilt in tf-keras: {exc}\n"
            "Things to try:\n"
            "  - build and train the model with tf-keras (import tf_keras as keras, with TF_USE_LEGACY_KERAS=1 "
            "set before importing TensorFlow) and save it as .h5\n"
            "  - or drop --qat and use post-training quantization"
        ) from exc
    if changed:
        log.info("unrolled for TFLite: %s", ", ".join(changed))
    if replaced:
        log.info("Conv1D trained in its Conv2D form: %s", ", ".join(replaced))
    # Check the copy: same outputs on a probe batch (deterministic, inference mode).
    probe = np.linspace(-1.0, 1.0, num=int(np.prod(loaded.input_shape)), dtype=np.float32).reshape(loaded.input_shape)
    expected = np.asarray(loaded.call(probe))
    got = np.asarray(rebuilt(probe, training=False))
    if expected.shape != got.shape or not np.allclose(expected, got, rtol=1e-4, atol=1e-5):
        raise QuantizationError(
            f"the tf-keras rebuild of '{loaded.source}' does not reproduce the model's outputs, so it would "
            "convert or train a different network.\nThings to try:\n  - save the model with tf-keras as .h5\n"
            "  - or drop --qat and use post-training quantization"
        )
    return rebuilt


def _folds_into_previous(layer: Any) -> bool:
    """True for a BatchNormalization right after a linear Conv2D, DepthwiseConv2D or Dense, which tfmot's
    layout transforms fold (Conv2DBatchNormQuantize, DenseBatchNormQuantize) instead of wrapping."""
    if type(layer).__name__ not in ("BatchNormalization", "SyncBatchNormalization"):
        return False
    try:
        inbound = layer._inbound_nodes[0].inbound_layers  # noqa: SLF001 - tf-keras has no public accessor
    except (AttributeError, IndexError):
        return False
    inbound = inbound[0] if isinstance(inbound, (list, tuple)) and len(inbound) == 1 else inbound
    if isinstance(inbound, (list, tuple)) or type(inbound).__name__ not in ("Conv2D", "DepthwiseConv2D", "Dense"):
        return False
    activation = getattr(getattr(inbound, "activation", None), "__name__", "linear")
    return activation == "linear" and len(getattr(inbound, "_outbound_nodes", [None])) == 1


def unsupported_layers(model: Any) -> list[tuple[str, str, str]]:
    """Layers tfmot's default 8-bit scheme cannot wrap, as ``(name, class, what to do)``."""
    _, tfmot = _import_tfmot()
    from tensorflow_model_optimization.python.core.quantization.keras.default_8bit import (
        default_8bit_quantize_registry,
    )

    registry = default_8bit_quantize_registry.Default8BitQuantizeRegistry()
    found = []
    for layer in model.layers:
        cls = type(layer).__name__
        if cls == "InputLayer":
            continue
        if hasattr(layer, "layers") and not isinstance(layer, tfmot.quantization.keras.QuantizeWrapper):
            found.append((layer.name, cls, "a model nested in a model: flatten it into one model"))
        elif not registry.supports(layer) and not _folds_into_previous(layer) and cls not in _VALUE_PRESERVING:
            found.append((layer.name, cls, _LAYER_ADVICE.get(cls, "replace it with a supported layer, or use PTQ")))
    return found


def _loss_for(model: Any, y: np.ndarray, output_shape: tuple[int, ...], x_probe: np.ndarray) -> tuple[str, Any, list]:
    """Pick a training loss from the labels and the model's output."""
    tf_keras, _ = _import_tfmot()
    classes = output_shape[-1] if len(output_shape) > 1 else 1
    probe = np.asarray(model(x_probe, training=False))
    is_probability = bool(np.all(probe >= 0) and np.allclose(probe.sum(axis=-1), 1.0, atol=1e-3))
    from edgekit.quantization import class_ids

    if classes > 1 and class_ids(y, output_shape) is not None:
        if y.shape[1:] == tuple(output_shape[1:]) and classes > 1:  # one-hot rows
            return "classification", tf_keras.losses.CategoricalCrossentropy(from_logits=not is_probability), ["accuracy"]
        return "classification", tf_keras.losses.SparseCategoricalCrossentropy(from_logits=not is_probability), ["accuracy"]
    return "regression", tf_keras.losses.MeanSquaredError(), []


def train_qat(
    loaded: LoadedModel,
    train: Dataset,
    epochs: int,
    batch_size: int = 32,
    learning_rate: float = 1e-4,
    strategy: Any = None,
    strategy_name: str | None = None,
    checkpoint_dir: Any = None,
) -> Any:
    """Wrap the model for QAT, fine-tune it on the training data and return the trained tf-keras model.

    :param loaded: the float model.
    :param train: training samples with labels, already fitted to the model input (or an
        :class:`edgekit.streaming.Stream`, read in batches).
    :param epochs: passes over the training data.
    :param strategy: a ``tf.distribute`` strategy from :func:`edgekit.distributed.start` (``strategy_name`` its name).
    :param checkpoint_dir: checkpoint each epoch there, and resume from it (:mod:`edgekit.distributed`).
    :raises QuantizationError: for unsupported layers (all listed) or training data without labels.
    """
    from edgekit import distributed  # strategies, streamed data, checkpoints and resume
    from edgekit.streaming import Stream

    probe_x, probe_y = train.first_batch() if isinstance(train, Stream) else (train.x[:8], train.y)
    if probe_y is None:
        raise QuantizationError(
            f"QAT needs labelled training data, and '{train.source}' has no labels.\nThings to try:\n"
            "  - save the training data with numpy.savez(path, x=inputs, y=labels)"
        )
    if epochs < 1:
        raise QuantizationError("QAT needs at least one training epoch (--epochs 1 or more).")
    tf_keras, tfmot = _import_tfmot()
    model = to_tf_keras(loaded, conv1d_as_conv2d=True)
    refused = unsupported_layers(model)
    if refused:
        lines = "\n".join(f"  - {name} ({cls}): {advice}" for name, cls, advice in refused)
        raise QuantizationError(
            f"QAT cannot wrap {len(refused)} layer(s) of '{loaded.source}':\n{lines}\n"
            "Things to try:\n  - change those layers as suggested, or drop --qat to use post-training quantization"
        )
    task, loss, metrics = _loss_for(model, probe_y, loaded.output_shape, probe_x[:8])

    def build() -> Any:
        try:
            quantized = _quantize_model(tf_keras, tfmot, model)
        except Exception as exc:  # noqa: BLE001 - tfmot raises ValueError/RuntimeError with its own wording
            raise QuantizationError(f"tensorflow-model-optimization could not wrap the model for QAT: {exc}") from exc
        quantized.compile(optimizer=tf_keras.optimizers.Adam(learning_rate), loss=loss, metrics=metrics)
        return quantized

    with distributed.model_scope(strategy):
        quantized = build()
    log.info("QAT: fine-tuning %s for %d epoch(s) on %s (%s)", loaded.source, epochs, train.source, task)
    if strategy is None and checkpoint_dir is None and not isinstance(train, Stream):
        quantized.fit(
            train.x, train.y, epochs=epochs, batch_size=batch_size, verbose=0, shuffle=True,
            callbacks=[_ProgressLogger(tf_keras, epochs)],
        )
        return quantized
    distributed.fit(quantized, train, epochs, batch_size, [_ProgressLogger(tf_keras, epochs)], strategy,
                    strategy_name, checkpoint_dir)
    return distributed.without_strategy(quantized, build) if strategy is not None else quantized


def _quantize_model(tf_keras: Any, tfmot: Any, model: Any) -> Any:
    """tfmot's quantize_model, with the value-preserving layers its registry lacks annotated as no-ops."""
    if not any(type(layer).__name__ in _VALUE_PRESERVING for layer in model.layers):
        return tfmot.quantization.keras.quantize_model(model)
    from tensorflow_model_optimization.python.core.quantization.keras.default_8bit.default_8bit_quantize_configs import (
        NoOpQuantizeConfig,
    )

    keras_q = tfmot.quantization.keras

    def annotate(layer):
        if type(layer).__name__ in _VALUE_PRESERVING:
            return keras_q.quantize_annotate_layer(layer, quantize_config=NoOpQuantizeConfig())
        return layer

    # clone_model reuses the layers the function returns, so the weights come along.
    annotated = keras_q.quantize_annotate_model(tf_keras.models.clone_model(model, clone_function=annotate))
    with keras_q.quantize_scope({"NoOpQuantizeConfig": NoOpQuantizeConfig}):
        return keras_q.quantize_apply(annotated)


class _ProgressLogger:
    """A Keras callback that logs one line per epoch (stdout stays free for results and JSON)."""

    def __new__(cls, tf_keras: Any, epochs: int):
        class Logger(tf_keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                figures = ", ".join(f"{k} {v:.4f}" for k, v in sorted((logs or {}).items()))
                log.info("QAT epoch %d/%d: %s", epoch + 1, epochs, figures)

        return Logger()
