"""Tiny Keras 3 models and data for the quantize-stage tests: small enough to train in seconds.

Each maker trains with a fixed seed and saves a ``.keras`` file plus ``train.npz``, ``test.npz`` and
``calib.npz`` beside it, as a user would bring them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _keras():
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from edgekit.loading import import_tensorflow

    import_tensorflow()
    import keras

    keras.utils.set_random_seed(0)
    return keras


def _save(folder: Path, name: str, model, x: np.ndarray, y: np.ndarray, split: int, epochs: int,
          learning_rate: float = 1e-3) -> Path:
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x[:split], y[:split], epochs=epochs, batch_size=32, verbose=0)
    np.savez(folder / "train.npz", x=x[:split], y=y[:split])
    np.savez(folder / "test.npz", x=x[split:], y=y[split:])
    np.savez(folder / "calib.npz", x=x[:200])
    path = folder / f"{name}.keras"
    model.save(path)
    return path


def sequences(count: int = 400, steps: int = 12, channels: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Noisy sine sequences of three frequencies: the class is the frequency."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, count)
    t = np.linspace(0.0, 1.0, steps)
    phase = rng.uniform(0, 2 * np.pi, (count, 1))
    wave = np.sin(2 * np.pi * (1 + 2 * labels)[:, None] * t[None] + phase)
    x = np.stack([wave * (c + 1) / channels + 0.2 * rng.normal(size=wave.shape) for c in range(channels)], -1)
    return x.astype(np.float32), labels.astype(np.int64)


def recurrent_classifier(folder: Path, layer: str = "LSTM", epochs: int = 20, learning_rate: float = 1e-2) -> Path:
    """A Keras 3 ``LSTM`` (or ``GRU``) sequence classifier (about 99 % accurate on its test split)."""
    keras = _keras()
    x, y = sequences()
    model = keras.Sequential([keras.Input(x.shape[1:]), getattr(keras.layers, layer)(12),
                              keras.layers.Dense(3, activation="softmax")])
    return _save(folder, layer.lower(), model, x, y, 300, epochs, learning_rate=learning_rate)


def digits_8x8() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits, scaled to 0..1, with a channel axis."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return (data.images / 16.0).astype(np.float32)[..., None], data.target.astype(np.int64)


def conv_batchnorm(folder: Path, upsample: bool = False, epochs: int = 3) -> Path:
    """Conv2D -> BatchNormalization -> ReLU digits classifier (optionally with an UpSampling2D)."""
    keras = _keras()
    x, y = digits_8x8()
    layers = [keras.Input((8, 8, 1)), keras.layers.Conv2D(8, 3, padding="same"), keras.layers.BatchNormalization(),
              keras.layers.ReLU()]
    if upsample:
        layers += [keras.layers.UpSampling2D(), keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")]
    layers += [keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    return _save(folder, "upsample" if upsample else "conv_bn", keras.Sequential(layers), x, y, 1200, epochs)


def conv1d_classifier(folder: Path, epochs: int = 6) -> Path:
    """A Conv1D sequence classifier (the layer of keyword-spotting and sensor models)."""
    keras = _keras()
    x, y = sequences(count=500, steps=32, channels=2)
    model = keras.Sequential([
        keras.Input(x.shape[1:]), keras.layers.Conv1D(8, 5, activation="relu"), keras.layers.MaxPooling1D(2),
        keras.layers.Conv1D(8, 3, padding="same", activation="relu"), keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(3, activation="softmax"),
    ])
    return _save(folder, "conv1d", model, x, y, 380, epochs)
