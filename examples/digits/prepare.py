"""Handwritten digits at 28x28, offline: data files and two trained float Keras models.

MNIST cannot be downloaded everywhere, but scikit-learn ships 1,797 8x8 digits. Upscaled to 28x28 they
stand in for MNIST. This script writes, into OUT (default: examples/digits/build):

* train.npz (x, y), test.npz (x, y): a stratified 80/20 split, pixels in [0, 1], shape [N, 28, 28, 1];
* calib.npz (x): 300 training images for post-training calibration;
* dense.keras: flatten 28x28 -> dense 100 (relu) -> dense 10 (softmax), the classic MNIST MLP;
* cnn.keras: a small CNN (two conv + pool blocks, dense 10).

Run: python examples/digits/prepare.py [--out DIR] [--epochs N]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

SEED = 0


def load_digits_28() -> tuple[np.ndarray, np.ndarray]:
    """The scikit-learn digits, bilinearly upscaled from 8x8 to 28x28, pixels scaled to [0, 1]."""
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = [
        np.asarray(Image.fromarray((img / 16.0).astype(np.float32), mode="F").resize((28, 28), Image.BILINEAR))
        for img in digits.images
    ]
    x = np.clip(np.stack(images), 0.0, 1.0)[..., np.newaxis].astype(np.float32)
    return x, digits.target.astype(np.int64)


def build_dense(keras):
    """flatten 28x28 -> dense 100 -> dense 10: the network the size target is quoted for."""
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Flatten(),
        keras.layers.Dense(100, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ], name="digits_dense")


def build_cnn(keras):
    """Two conv blocks and a classifier: ~10 K parameters, the kind of CNN that fits any MCU."""
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ], name="digits_cnn")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "build")
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from sklearn.model_selection import train_test_split

    keras.utils.set_random_seed(SEED)
    x, y = load_digits_28()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, random_state=SEED)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez(args.out / "train.npz", x=x_train, y=y_train)
    np.savez(args.out / "test.npz", x=x_test, y=y_test)
    np.savez(args.out / "calib.npz", x=x_train[:300])
    for build in (build_dense, build_cnn):
        model = build(keras)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=args.epochs, batch_size=32, verbose=0)
        _, accuracy = model.evaluate(x_test, y_test, verbose=0)
        name = build.__name__.removeprefix("build_")
        model.save(args.out / f"{name}.keras")
        print(f"{name}.keras: float test accuracy {accuracy:.4f} ({len(x_test)} test images)")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
