"""TFLM's hello-world regression: learn y = sin(x) on [0, 2*pi] with a 16-16-1 network.

Writes into OUT (default: examples/sine/build): train.npz (x, y), test.npz (x, y), calib.npz (x) and
sine.keras. Inputs have shape [N, 1]; the metric is mean squared error.

Run: python examples/sine/prepare.py [--out DIR] [--epochs N]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

SEED = 0


def make_data(n: int, rng: np.random.Generator, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Uniform x on [0, 2*pi] and sin(x) plus Gaussian noise, as float32 columns."""
    x = rng.uniform(0.0, 2.0 * np.pi, size=(n, 1)).astype(np.float32)
    y = (np.sin(x) + noise * rng.standard_normal((n, 1))).astype(np.float32)
    return x, y


def build_sine(keras):
    """The hello-world network: 1 -> 16 -> 16 -> 1."""
    return keras.Sequential([
        keras.Input((1,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1),
    ], name="sine")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "build")
    parser.add_argument("--epochs", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    keras.utils.set_random_seed(SEED)
    rng = np.random.default_rng(SEED)
    x_train, y_train = make_data(1000, rng, noise=0.1)
    x_test, y_test = make_data(200, rng, noise=0.0)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez(args.out / "train.npz", x=x_train, y=y_train)
    np.savez(args.out / "test.npz", x=x_test, y=y_test)
    np.savez(args.out / "calib.npz", x=x_train[:300])
    model = build_sine(keras)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=64, verbose=0)
    mse = model.evaluate(x_test, y_test, verbose=0)
    model.save(args.out / "sine.keras")
    print(f"sine.keras: float test MSE {mse:.5f}; wrote {args.out}")


if __name__ == "__main__":
    main()
