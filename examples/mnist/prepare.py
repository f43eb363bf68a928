"""Real MNIST, when the network allows: data files and the 784-100-10 dense model.

Uses keras.datasets.mnist, which downloads the data on first use. On a machine without internet access
this script says so and exits with status 2; examples/digits is the offline stand-in with the same
28x28x1 shape.

Writes into OUT (default: examples/mnist/build): train.npz, test.npz, calib.npz and dense.keras.
Run: python examples/mnist/prepare.py [--out DIR] [--epochs N]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

SEED = 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "build")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as exc:  # noqa: BLE001 - URLError, HTTPError, socket errors, certificate errors
        print(
            f"MNIST could not be downloaded ({type(exc).__name__}: {exc}).\n"
            "This machine has no route to the dataset host. Use the offline stand-in instead:\n"
            "  python examples/digits/prepare.py",
            file=sys.stderr,
        )
        return 2
    keras.utils.set_random_seed(SEED)
    x_train = (x_train.astype(np.float32) / 255.0)[..., np.newaxis]
    x_test = (x_test.astype(np.float32) / 255.0)[..., np.newaxis]
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez(args.out / "train.npz", x=x_train, y=y_train.astype(np.int64))
    np.savez(args.out / "test.npz", x=x_test, y=y_test.astype(np.int64))
    np.savez(args.out / "calib.npz", x=x_train[:500])
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Flatten(),
        keras.layers.Dense(100, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ], name="mnist_dense")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=128, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    model.save(args.out / "dense.keras")
    print(f"dense.keras: float test accuracy {accuracy:.4f}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
