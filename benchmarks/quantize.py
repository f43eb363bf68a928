"""Quantization figures for each example model: sizes, float/PTQ/QAT quality, TFLite-vs-TFLM agreement, time.

Trains the example models from their own builders (examples/*/prepare.py), then runs edgekit.quantize
in PTQ and in QAT mode on each, and prints one table. Nothing is read from or written to the repository.

A second table covers the models issue 13 made quantizable (built by tests/integration/quantize_models.py):
an LSTM and a GRU classifier, a Conv2D+BatchNorm CNN with UpSampling2D, and a Conv1D classifier, each in
PTQ, QAT (where tfmot can wrap it) and 16x8 mode.

Run: .venv/bin/python benchmarks/quantize.py [--epochs N] [--qat-epochs N] [--only examples|new]
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", REPO / "examples" / name / "prepare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _prepare(workdir: Path, epochs: int) -> list[tuple[str, Path, Path]]:
    """Train the example models; returns (label, model path, data folder) per model."""
    import keras
    from sklearn.model_selection import train_test_split

    digits = _example("digits")
    keras.utils.set_random_seed(digits.SEED)
    x, y = digits.load_digits_28()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, random_state=digits.SEED)
    data = workdir / "digits"
    data.mkdir()
    np.savez(data / "train.npz", x=x_train, y=y_train)
    np.savez(data / "test.npz", x=x_test, y=y_test)
    np.savez(data / "calib.npz", x=x_train[:300])
    models = []
    for builder in (digits.build_dense, digits.build_cnn):
        model = builder(keras)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0)
        path = workdir / f"digits_{builder.__name__.removeprefix('build_')}.keras"
        model.save(path)
        models.append((path.stem, path, data))

    sine = _example("sine")
    keras.utils.set_random_seed(sine.SEED)
    rng = np.random.default_rng(sine.SEED)
    sx_train, sy_train = sine.make_data(1000, rng, noise=0.1)
    sx_test, sy_test = sine.make_data(200, rng, noise=0.0)
    sdata = workdir / "sine"
    sdata.mkdir()
    np.savez(sdata / "train.npz", x=sx_train, y=sy_train)
    np.savez(sdata / "test.npz", x=sx_test, y=sy_test)
    np.savez(sdata / "calib.npz", x=sx_train[:300])
    model = sine.build_sine(keras)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    model.fit(sx_train, sy_train, epochs=epochs * 8, batch_size=64, verbose=0)
    model.save(workdir / "sine.keras")
    models.append(("sine", workdir / "sine.keras", sdata))
    return models


def _fmt(value, metric: str) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.2f}%" if metric == "accuracy" else f"{value:.5f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40, help="float training epochs (sine trains 8x as many)")
    parser.add_argument("--qat-epochs", type=int, default=3)
    parser.add_argument("--only", choices=("examples", "new"), help="run one of the two tables")
    parser.add_argument("--model", action="append", help="with --only new: just these rows (lstm, gru, conv, conv1d)")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    from edgekit.loading import import_tensorflow

    import_tensorflow()
    from edgekit.quantization import quantize

    if args.only != "examples":
        _new_models(args.qat_epochs, args.model)
    if args.only == "new":
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="edgekit-bench-") as tmp:
        for label, path, data in _prepare(Path(tmp), args.epochs):
            kwargs = dict(test_data=str(data / "test.npz"))
            started = time.perf_counter()
            ptq = quantize(str(path), str(data / "calib.npz"), **kwargs)
            ptq_s = time.perf_counter() - started
            started = time.perf_counter()
            qat = quantize(str(path), str(data / "calib.npz"), qat=True, train_data=str(data / "train.npz"),
                           epochs=args.qat_epochs, **kwargs)
            qat_s = time.perf_counter() - started
            rows.append((label, ptq, qat, ptq_s, qat_s))

    header = ("model", "float B", "int8 B", "ratio", "metric", "float", "PTQ", "QAT", "PTQ on TFLM",
              "TFLite=TFLM (PTQ)", "TFLite=TFLM (QAT)", "PTQ s", "QAT s")
    table = [header]
    for label, ptq, qat, ptq_s, qat_s in rows:
        m, q = ptq.report.metric, qat.report.metric
        table.append((
            label, f"{ptq.report.float_bytes:,}", f"{ptq.report.int8_bytes:,}", f"{ptq.report.ratio:.2f}x", m.name,
            _fmt(m.float_model, m.name), _fmt(m.int8_tflite, m.name), _fmt(q.int8_tflite, m.name),
            _fmt(m.int8_tflm, m.name),
            f"{ptq.report.tflite_tflm_agreement * 100:.1f}%", f"{qat.report.tflite_tflm_agreement * 100:.1f}%",
            f"{ptq_s:.1f}", f"{qat_s:.1f}",
        ))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(str(cell).rjust(width) for cell, width in zip(row, widths)))
    print("\nratio = float .tflite bytes / int8 .tflite bytes; QAT column is int8 on TFLite after QAT "
          f"({args.qat_epochs} epochs); time is wall time of edgekit.quantize including evaluation.")


def _new_models(qat_epochs: int, only: list[str] | None = None) -> None:
    """Size, float/PTQ/QAT/16x8 quality and time for the recurrent, UpSampling2D+BN and Conv1D models."""
    from edgekit.errors import EdgekitError
    from edgekit.quantization import quantize
    from tests.integration import quantize_models as make

    makers = (("lstm", lambda f: make.recurrent_classifier(f, "LSTM"), True),
              ("gru (unrolled)", lambda f: make.recurrent_classifier(f, "GRU"), True),
              ("conv+bn+upsampling2d", lambda f: make.conv_batchnorm(f, upsample=True), True),
              ("conv1d", make.conv1d_classifier, True))
    table = [("model", "float B", "int8 B", "16x8 B", "ops", "float", "PTQ", "QAT", "16x8", "PTQ s", "QAT s", "16x8 s")]
    for label, maker, try_qat in makers:
        if only and label.split()[0].split("+")[0] not in only:
            continue
        with tempfile.TemporaryDirectory(prefix="edgekit-bench-") as tmp:
            folder = Path(tmp)
            path = str(maker(folder))
            common = dict(test_data=str(folder / "test.npz"), layer_errors=False)
            calib = str(folder / "calib.npz")
            timed = {}
            for mode, kwargs in (("ptq", {}), ("qat", dict(qat=True, train_data=str(folder / "train.npz"),
                                                            epochs=qat_epochs, learning_rate=1e-3)),
                                 ("16x8", dict(activations="int16"))):
                if mode == "qat" and not try_qat:
                    continue
                started = time.perf_counter()
                try:
                    timed[mode] = (quantize(path, calib, **common, **kwargs), time.perf_counter() - started)
                except EdgekitError as exc:
                    print(f"{label} {mode}: {str(exc).splitlines()[0]}")
            ptq = timed["ptq"][0].report
            metric = ptq.metric

            def quality(mode: str) -> str:
                return _fmt(timed[mode][0].report.metric.int8_tflm, metric.name) if mode in timed else "-"

            table.append((label, f"{ptq.float_bytes:,}", f"{ptq.int8_bytes:,}",
                          f"{timed['16x8'][0].report.int8_bytes:,}" if "16x8" in timed else "-",
                          " ".join(op.lower() for op in ptq.ops)[:60], _fmt(metric.float_model, metric.name),
                          quality("ptq"), quality("qat"), quality("16x8"),
                          *(f"{timed[m][1]:.1f}" if m in timed else "-" for m in ("ptq", "qat", "16x8"))))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(str(cell).rjust(width) for cell, width in zip(row, widths)))
    print("\nquality = accuracy of the integer model on the TFLM interpreter (float: the Keras model) on the "
          "test split; time is wall time of edgekit.quantize including evaluation on TFLite and TFLM.\n")


if __name__ == "__main__":
    main()
