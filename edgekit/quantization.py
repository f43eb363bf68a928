"""Produce a full-integer ``.tflite`` model and a :class:`~edgekit.records.QuantReport` (the "quantize" stage).

The only stage that imports TensorFlow. Post-training quantization calibrates on representative data;
quantization-aware training (:mod:`edgekit.qat`) fine-tunes first. Either way the graph is traced with a
batch of 1 and its variables frozen before conversion, and the result is read back and *proved* full
integer (:func:`edgekit.compat.check_full_integer`) rather than trusted.

The report compares the float model, the int8 model on TensorFlow Lite's reference kernels and the int8
model on the real TFLM interpreter, and measures each layer's quantization error with TensorFlow's
QuantizationDebugger.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from edgekit import host
from edgekit.compat import IO_TYPES, check_full_integer
# conversion and the per-layer error are the conversion child's functions, for both routes
from edgekit.convert_worker import DEBUG_SAMPLES, MAX_CALIBRATION_SAMPLES, convert_function
from edgekit.convert_worker import layer_errors as measure_layer_errors
from edgekit.datasets import Dataset, calibration_warnings, fit_to_inputs, load_dataset
from edgekit.errors import EdgekitError, InterpreterCrash, ModelError, QuantizationError
from edgekit.reader import ModelInfo, read_model, read_model_file
from edgekit.records import LayerError, Metric, QuantReport

log = logging.getLogger(__name__)

#: Activation types: int8, or int16 (TFLite's 16x8 mode).
ACTIVATION_TYPES = ("int8", "int16")


@dataclass(frozen=True)
class QuantizeResult:
    """The int8 model, what :mod:`edgekit.reader` makes of it, and the report."""

    tflite: bytes
    info: ModelInfo
    report: QuantReport


def quantize(
    model: Any,
    rep_data: Any = None,
    *,
    test_data: Any = None,
    qat: bool = False,
    train_data: Any = None,
    epochs: int = 3,
    io_type: str = "int8",
    image_range: str = "0-1",
    layer_errors: bool = True,
    custom_objects: dict[str, Any] | None = None,
    batch_size: int = 32,
    learning_rate: float = 1e-4,
    rep_samples: int = MAX_CALIBRATION_SAMPLES,
    seed: int = 0,
    strategy: str | None = None,
    checkpoint_dir: str | Path | None = None,
    activations: str = "int8",
) -> QuantizeResult:
    """Quantize a float model to a full-integer TFLite model, and report what it cost.

    :param model: a SavedModel directory, ``.keras`` or ``.h5`` path, a Keras model object, or an int8
        ``.tflite`` path (checked and passed through).
    :param rep_data: representative samples for calibration (any source :func:`edgekit.datasets.load_dataset`
        takes). Required unless ``model`` is a ``.tflite``.
    :param test_data: labelled samples for the float vs int8 comparison (optional).
    :param qat: fine-tune with quantization-aware training before converting.
    :param train_data: labelled training samples, required with ``qat``.
    :param epochs: QAT epochs.
    :param io_type: type of the model's input and output tensors: ``int8``, ``uint8`` or ``float32``.
    :param image_range: pixel scaling for image folders (``0-1``, ``0-255``, ``-1-1``).
    :param layer_errors: measure each layer's quantization error (adds a few seconds).
    :param rep_samples: calibrate on a random sample of this many representative samples (seeded by ``seed``);
        TFRecords, tf.data functions and image folders are streamed (:mod:`edgekit.streaming`).
    :param strategy: QAT under ``tf.distribute``: ``"mirrored"`` or ``"multiworker"`` (:mod:`edgekit.distributed`).
    :param checkpoint_dir: QAT checkpoints each epoch here and resumes from them after a failure.
    :param activations: ``int8``, or ``int16`` for TFLite's 16x8 mode (int16 activations, int8 weights; the
        I/O is then int16 or float32). The report then also scores the plain int8 model for comparison.
    :raises EdgekitError: with the problem and the fix, for any bad input or failed conversion.
    """
    if io_type not in IO_TYPES:
        raise QuantizationError(f"unknown I/O type '{io_type}'; choose one of {', '.join(IO_TYPES)}.")
    started = time.perf_counter()
    if isinstance(model, (str, Path)) and not Path(model).exists():
        # Said before TensorFlow is imported: a typo should cost milliseconds, not seconds.
        raise ModelError(model, "not found.", ["check the path and the current directory"])
    if isinstance(model, (str, Path)) and Path(model).suffix.lower() == ".tflite":
        return _pass_through(Path(model), test_data, io_type, image_range, started)
    if rep_data is None:
        raise QuantizationError(
            "post-training quantization needs representative data to calibrate on.\nThings to try:\n"
            "  - pass --rep-data with a few hundred real input samples (.npy, .npz, an image folder, or "
            "package.module:function); edgekit never calibrates on random data"
        )
    if not 1 <= rep_samples <= MAX_CALIBRATION_SAMPLES:  # TensorFlow's calibration takes up to this many
        raise QuantizationError(f"rep_samples must be 1 to {MAX_CALIBRATION_SAMPLES}, not {rep_samples}.")
    if activations not in ACTIVATION_TYPES:
        raise QuantizationError(f"unknown activation type '{activations}'; choose one of {', '.join(ACTIVATION_TYPES)}")
    if activations == "int16" and io_type == "uint8":
        raise QuantizationError("16x8 models take int16 or float32 I/O, not uint8.\nThings to try:\n"
                                "  - pass --io-type int8 (int16 I/O with --activations int16) or float32")
    # The usage checks that need no data come before a tf.distribute strategy starts (a multi-worker
    # strategy waits for its peers): a wrong flag costs milliseconds, not a cluster's start-up.
    if qat and train_data is None:
        raise QuantizationError(
            "QAT needs labelled training data.\nThings to try:\n  - pass --train-data with inputs under "
            "'x' and labels under 'y', or drop --qat"
        )
    if activations != "int8" and qat and (strategy is not None or checkpoint_dir is not None):
        raise QuantizationError(
            "--activations int16 converts models trained in one process.\n"
            "Things to try:\n  - drop --strategy and --checkpoint-dir, or drop --activations int16")
    if qat:
        from edgekit.qat import prefer_legacy_keras

        prefer_legacy_keras()
    from edgekit.loading import import_tensorflow, load_model

    tf = import_tensorflow()
    from edgekit import distributed  # before anything else TensorFlow does: a strategy configures the process

    dist = distributed.start(strategy) if qat else None  # None without a strategy
    loaded = load_model(model, custom_objects=custom_objects)
    if not loaded.input_dtype.startswith("float"):
        raise QuantizationError(
            f"'{loaded.source}' takes {loaded.input_dtype} input; quantization needs a float model."
        )
    shapes, outputs = loaded.input_shapes, len(loaded.output_shapes)
    if len(shapes) == 1:
        # edgekit.streaming: a seeded sample of data of any size (streams read in batches), test data whole
        # unless it streams
        from edgekit.streaming import load_sample

        rep = fit_to_inputs(load_sample(rep_data, loaded.input_shape, rep_samples, seed, image_range,
                                        "representative"), shapes, "representative", outputs)
        test = None
        if test_data is not None:
            test = fit_to_inputs(load_sample(test_data, loaded.input_shape, None, seed, image_range, "test",
                                             sample_arrays=False), shapes, "test", outputs)
    else:  # several inputs: arrays x_0, x_1, ... in memory, checked input by input, then a seeded sample
        from edgekit.streaming import sample_loaded

        rep = sample_loaded(fit_to_inputs(load_dataset(rep_data, input_shape=loaded.input_shape,
                                                       image_range=image_range), shapes, "representative", outputs),
                            rep_samples, seed)
        test = None
        if test_data is not None:
            test = fit_to_inputs(load_dataset(test_data, input_shape=loaded.input_shape, image_range=image_range),
                                 shapes, "test", outputs)
    warnings = calibration_warnings(rep, test)

    float_call = loaded.call_many
    train = None
    if qat:
        if len(shapes) > 1 or outputs > 1:
            raise QuantizationError(
                f"QAT trains models with one input and one output; this one has {len(shapes)} and {outputs}.\n"
                "Things to try:\n  - quantize it without --qat (post-training quantization takes several "
                "inputs and outputs)")
        from edgekit.qat import check_qat_tools
        from edgekit.streaming import open_training

        check_qat_tools()
        train = open_training(train_data, loaded.input_shape, image_range)  # a stream, or arrays in memory
        if isinstance(train, Dataset) and train.y is None:
            raise QuantizationError(
                f"QAT needs labelled training data, and '{train.source}' has no labels.\nThings to try:\n"
                "  - save the training data with numpy.savez(path, x=inputs, y=labels)"
            )
    # Two routes. A model with one input and one output converts in a child process
    # (edgekit.convert_worker), where a crash of TensorFlow's calibrator costs only the child, with the
    # recurrent-network and rewrite handling and the 16x8 mode; an in-memory Keras model gets there through
    # a temporary .keras file when every layer is one of Keras's own. A model with Lambda layers (their
    # Python code does not load back from a file in Keras's safe mode) or with layer classes of the caller's
    # (the child may not be able to import them), several inputs or outputs, and QAT under a tf.distribute
    # strategy or on streamed data convert in this process.
    from edgekit.convert_worker import layer_classes

    classes = layer_classes(loaded.model) if loaded.is_keras else ()
    travels = isinstance(model, (str, Path)) or (
        loaded.is_keras and "Lambda" not in classes and _keras_layers_only(loaded.model))
    in_child = travels and len(shapes) == 1 and outputs == 1 and not (
        qat and (dist is not None or checkpoint_dir is not None or not isinstance(train, Dataset)))
    if activations != "int8" and not in_child:
        raise QuantizationError(
            "--activations int16 converts models with one input and one output and no Lambda layers, trained in "
            "one process.\nThings to try:\n  - replace the Lambda layers, or drop --activations int16, --strategy, "
            "--checkpoint-dir or streamed training data")
    float_outputs = lambda xs: _batched(float_call, xs, loaded.batch_size)  # noqa: E731
    extra: dict[str, Any] = {"activations": activations}
    if in_child:
        from edgekit.convert_worker import RECURRENT_VIA_TF_KERAS, ConversionRequest, convert_in_child

        log.info("converting %s to a full-integer model (%s I/O, %s activations)", loaded.source, io_type,
                 activations)
        converted = convert_in_child(
            ConversionRequest(
                model=str(model) if isinstance(model, (str, Path)) else loaded.model, rep_x=rep.x, io_type=io_type,
                activations=activations, custom_objects=custom_objects, qat=qat,
                train_x=train.x if train is not None else None, train_y=train.y if train is not None else None,
                epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                # TensorFlow's QuantizationDebugger re-calibrates a float graph; it cannot read fake-quant nodes.
                debug_x=(test.x if test is not None else rep.x) if layer_errors and not qat else None,
                single_thread=bool(set(classes) & set(RECURRENT_VIA_TF_KERAS)),
            ),
            loaded.source, classes,
        )
        float_bytes, int8_bytes = converted.float_tflite, converted.tflite
        warnings += list(converted.warnings)
        info = read_model(int8_bytes, source="converted model")
        check_integer_model(info, io_type, activations)
        layers = tuple(LayerError(**row) for row in converted.layers)
        extra["conversion_route"] = converted.route
        if converted.rewrites:
            extra["rewrites"] = list(converted.rewrites)
        if converted.int8_tflite is not None:  # 16x8: score the plain int8 model too, so the report compares
            int8_info = read_model(converted.int8_tflite, source="int8 comparison model")
            int8_metrics, _, _, _ = _evaluate(converted.int8_tflite, int8_info, test, rep, float_outputs=float_outputs)
            int8_metric = int8_metrics[0] if int8_metrics else None
            extra["int8_bytes"] = len(converted.int8_tflite)
            extra["int8_metric"] = None if int8_metric is None else {
                "name": int8_metric.name, "int8_tflite": int8_metric.int8_tflite, "int8_tflm": int8_metric.int8_tflm}
        unrolled = tuple(converted.extra.get("unrolled", ()))
    else:
        target_call = float_call
        if qat:
            from edgekit.qat import train_qat

            trained = train_qat(loaded, train, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                                strategy=dist, strategy_name=strategy, checkpoint_dir=checkpoint_dir)
            target_call = lambda xs: [trained(xs[0], training=False)]  # noqa: E731
        log.info("converting %s to a full-integer model (%s I/O) in this process", loaded.source, io_type)
        float_fn = _frozen_function_many(tf, float_call, shapes)
        target_fn = float_fn if target_call is float_call else _frozen_function_many(tf, target_call, shapes)
        float_bytes = convert_function(tf, float_fn, None, None, None)
        int8_bytes = convert_function(tf, target_fn, None, rep.inputs, io_type)
        info = read_model(int8_bytes, source="converted model")
        check_full_integer(info, io_type, source="converted model")
        _check_io_order(info, shapes, outputs)
        layers = ()
        if layer_errors and not qat:
            try:
                rows = measure_layer_errors(tf, target_fn, None, rep.inputs, test.inputs if test is not None else rep.inputs)
                layers = tuple(LayerError(**row) for row in rows)
            except Exception as exc:  # noqa: BLE001 - the debugger is a diagnostic; losing it is not fatal
                first_line = (str(exc).splitlines() or [""])[0][:200]
                warnings.append(f"per-layer error could not be measured ({type(exc).__name__}: {first_line})")
        extra["conversion_route"] = "in-process"
        unrolled = ()
    extra["engine"] = engine_for(activations, int8_bytes, info)

    metrics, agreement, max_diff, run_warnings = _evaluate(int8_bytes, info, test, rep, float_outputs=float_outputs)
    warnings += run_warnings
    if "UNIDIRECTIONAL_SEQUENCE_LSTM" in info.ops and agreement is not None and agreement < 1.0:
        # Measured: on integer LSTMs TFLM follows the float model closely and TFLite's reference kernel
        # does not, so the TFLM figures are the ones that hold on a device.
        warnings.append("TFLite's reference integer LSTM kernel computes differently from TFLM's; trust the TFLM "
                        "figures, which are what a microcontroller computes")
    if len(int8_bytes) >= len(float_bytes):
        warnings.append(size_warning(len(float_bytes), info, unrolled))
    if layer_errors and qat:
        warnings.append("per-layer error is measured for post-training quantization only; run without --qat to see it")
    report = QuantReport(
        source=loaded.source,
        mode="qat" if qat else "ptq",
        io_type="int16" if activations == "int16" and io_type != "float32" else io_type,
        float_bytes=len(float_bytes),
        int8_bytes=len(int8_bytes),
        ops=info.ops,
        calibration_samples=min(len(rep), MAX_CALIBRATION_SAMPLES),
        test_samples=len(test) if test is not None else 0,
        metric=next((m for m in metrics if m is not None), None),
        tflite_tflm_agreement=agreement,
        tflite_tflm_max_diff=max_diff,
        layers=layers,
        warnings=tuple(warnings),
        seconds=time.perf_counter() - started,
        output_metrics=tuple(metrics) if len(metrics) > 1 else (),
        extra=extra,
    )
    return _finish(QuantizeResult(int8_bytes, info, report))


def _finish(result: QuantizeResult) -> QuantizeResult:
    """Log every warning once (the CLI shows them on stderr), then hand the result back."""
    for warning in result.report.warnings:
        log.warning("%s", warning)
    return result


def _pass_through(path: Path, test_data: Any, io_type: str, image_range: str, started: float) -> QuantizeResult:
    """An int8 ``.tflite`` given as the model: prove it is full integer, then evaluate it like a fresh one."""
    data, info = read_model_file(path)
    check_full_integer(info, io_type, source=str(path))
    test = None
    if test_data is not None:
        shapes = [t.shape for t in info.input_tensors]
        test = fit_to_inputs(load_dataset(test_data, input_shape=shapes[0], image_range=image_range), shapes, "test",
                             len(info.outputs))
    metrics, agreement, max_diff, warnings = _evaluate(data, info, test, None, float_outputs=None)
    report = QuantReport(
        source=str(path), mode="tflite", io_type=io_type, float_bytes=None, int8_bytes=len(data), ops=info.ops,
        calibration_samples=0, test_samples=len(test) if test is not None else 0,
        metric=next((m for m in metrics if m is not None), None),
        tflite_tflm_agreement=agreement, tflite_tflm_max_diff=max_diff, warnings=tuple(warnings),
        seconds=time.perf_counter() - started, output_metrics=tuple(metrics) if len(metrics) > 1 else (),
    )
    return _finish(QuantizeResult(data, info, report))


def check_integer_model(info: ModelInfo, io_type: str, activations: str) -> None:
    """Prove the converted model integer with the I/O asked for (16x8 models: int16 or float32 I/O).

    :raises ModelError: naming the float ops or the I/O tensors of the wrong type.
    """
    if activations == "int8":
        check_full_integer(info, io_type, source="converted model")
        return
    check_full_integer(info, None, source="converted model")
    wanted = "FLOAT32" if io_type == "float32" else "INT16"
    wrong = [t.name for t in info.input_tensors + info.output_tensors if t.dtype != wanted]
    if wrong:
        raise ModelError("converted model", f"16x8 inputs and outputs must be {wanted}, but {', '.join(wrong)} are not.")


def engine_for(activations: str, model: bytes, info: ModelInfo) -> str:
    """Which engine runs the model: TFLM always; edgekit's runtime for int8 models it generates code for.

    The runtime's own code generator decides, so the answer is the one ``edgekit check`` gives: an op it
    lacks, and an op it has but not with these parameters or tensor types, both keep the model on TFLM.
    """
    if activations != "int8":
        return "TFLM (edgekit's runtime has no 16x8 kernels)"
    from edgekit.codegen import generate

    try:
        generate(model, info)
    except ModelError as exc:
        reason = str(exc).removeprefix("Model: ").splitlines()[0].split("; use --runtime")[0]
        return f"TFLM (edgekit's runtime: {reason})"
    return "TFLM or edgekit's runtime"


def size_warning(float_bytes: int, info: ModelInfo, unrolled: tuple[str, ...] = ()) -> str:
    """Why an integer model is not smaller than its float twin: its weights are too few to pay for the
    quantization parameters and the extra tensors an integer graph carries."""
    quantized = sum(1 for t in info.tensors if t.quantization is not None)
    reason = (f"its weights are only {info.constant_bytes:,} B, so the scales and zero points of its {quantized} "
              "quantized tensors and the int32 biases cost more than the 4x saving on weights")
    if "UNIDIRECTIONAL_SEQUENCE_LSTM" in info.ops:
        reason += "; an integer LSTM also carries gate intermediates and effective-scale tensors a float one has not"
    if unrolled:
        reason += (f"; the unrolled {', '.join(unrolled)} repeats its gate ops for every time step, each with its "
                   "own quantization parameters")
    return (f"the integer model ({info.size_bytes:,} B) is not smaller than the float one ({float_bytes:,} B): "
            f"{reason}. Flash is not saved here; the integer kernels are what a microcontroller needs.")


def _frozen_function_many(tf, call: Callable[[list[Any]], list[Any]], input_shapes: tuple[tuple[int, ...], ...]):
    """Trace ``call`` with a batch of 1 and fold its variables into constants (Keras 3 variables are not
    tracked by the TFLite converter, so a traced Keras 3 model would convert with READ_VARIABLE ops and no
    weights; freezing makes the graph self-contained). ``call`` takes one tensor per input and returns one
    per output. The traced function's arguments are the inputs in order
    and it returns a tuple of the outputs in order; the converter keeps both orders (checked after
    conversion by :func:`_check_io_order`)."""
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    specs = [tf.TensorSpec(shape, tf.float32, name=f"input_{i}") for i, shape in enumerate(input_shapes)]
    if len(specs) == 1:
        traced = tf.function(lambda x: call([x])[0])
    else:
        traced = tf.function(lambda *xs: tuple(call(list(xs))))
    return convert_variables_to_constants_v2(traced.get_concrete_function(*specs))


def _keras_layers_only(model: Any) -> bool:
    """True when every layer of a Keras model (nested ones included) is a class of Keras or tf-keras."""
    for layer in getattr(model, "layers", []):
        if not type(layer).__module__.startswith(("keras.", "tf_keras.")) or not _keras_layers_only(layer):
            return False
    return True


def _check_io_order(info: ModelInfo, input_shapes: tuple[tuple[int, ...], ...], outputs: int) -> None:
    """The converted model has the float model's inputs and outputs, in the same order and shapes: the
    data's x_0, x_1, ... and y_0, y_1, ... are matched to tensors by position.

    The traced function names its arguments ``input_0``, ``input_1``, ... and TensorFlow names its results
    ``Identity``, ``Identity_1``, ...; the converter keeps those names, so where the converted tensors carry
    them the order is checked by name (two inputs of one shape could otherwise swap unseen), else by shape.
    """
    got = [tuple(t.shape) for t in info.input_tensors]
    in_names = [_io_name(t.name) for t in info.input_tensors]
    out_names = [_io_name(t.name) for t in info.output_tensors]
    want_in = [f"input_{i}" for i in range(len(input_shapes))]
    want_out = ["Identity"] + [f"Identity_{j}" for j in range(1, outputs)]
    named = (set(in_names) == set(want_in) and set(out_names) == set(want_out)) if len(got) > 1 or outputs > 1 else False
    if len(got) != len(input_shapes) or len(info.outputs) != outputs or \
            any(g[1:] != tuple(w[1:]) for g, w in zip(got, input_shapes)) or \
            (named and (in_names != want_in or out_names != want_out)):
        raise QuantizationError(
            f"the converted model's inputs {got} ({', '.join(in_names)}) and {len(info.outputs)} outputs "
            f"({', '.join(out_names)}) do not match the float model's {[list(s) for s in input_shapes]} and "
            f"{outputs} outputs in order; edgekit cannot tell which data array feeds which input.\n"
            "Things to try:\n  - report this model to edgekit's developers")


def _io_name(name: str) -> str:
    """A converted input or output tensor's name without the converter's signature prefix and port."""
    return name.removeprefix("serving_default_").split(":")[0]


def _batched(call: Callable[[list[Any]], list[Any]], xs: tuple[np.ndarray, ...] | list[np.ndarray],
             fixed_batch: int | None) -> list[np.ndarray]:
    """Run the float model over one array per input in batches (of the model's fixed batch size, if it
    has one); one array per output."""
    batch = fixed_batch or 256
    parts = [[np.asarray(o) for o in call([x[i:i + batch] for x in xs])] for i in range(0, len(xs[0]), batch)]
    return [np.concatenate([p[j] for p in parts]) for j in range(len(parts[0]))]


def _evaluate(
    model: bytes,
    info: ModelInfo,
    test: Dataset | None,
    rep: Dataset | None,
    float_outputs: Callable[[tuple[np.ndarray, ...]], list[np.ndarray]] | None,
) -> tuple[list[Metric | None], float | None, int | None, list[str]]:
    """Run the int8 model on TFLite and on TFLM; with labelled test data, score float and int8 models,
    one figure per output (None for an output without labels)."""
    warnings: list[str] = []
    samples = test if test is not None else rep
    if samples is None:
        return [None] * len(info.outputs), None, None, warnings
    xs = samples.inputs if test is not None else tuple(x[:DEBUG_SAMPLES] for x in samples.inputs)
    x_int = [host.quantize_values(x, t) for x, t in zip(xs, info.input_tensors)]
    tflite_raw = host.run_tflite_tensors(model, x_int)
    agreement = max_diff = None
    tflm_raw = None
    try:
        tflm_raw = host.run_tflm_tensors(model, x_int)
        same = np.ones(len(xs[0]), dtype=bool)
        max_diff = 0
        for j, (lite, micro) in enumerate(zip(tflite_raw, tflm_raw)):
            same &= host.identical_samples(lite, micro, host.output_step(info, j))
            max_diff = max(max_diff, host.compare_outputs(lite, micro, host.output_step(info, j))[1])
        agreement = float(same.mean()) if len(same) else 1.0
        if agreement < 1.0:
            warnings.append(
                f"TFLite and the TFLM interpreter disagree on {1 - agreement:.1%} of samples "
                f"(largest difference {max_diff} LSB)"
            )
    except InterpreterCrash as exc:
        warnings.append(f"the TFLM interpreter could not run the model: {exc}")
    metrics: list[Metric | None] = [None] * len(info.outputs)
    if test is None or all(y is None for y in test.labels):
        return metrics, agreement, max_diff, warnings
    float_raw = float_outputs(test.inputs) if float_outputs is not None else None
    for j, (y, tensor) in enumerate(zip(test.labels, info.output_tensors)):
        if y is None:
            continue
        float_score = score(y, float_raw[j]) if float_raw is not None else None
        tflite_score = score(y, host.dequantize_values(tflite_raw[j], tensor))
        tflm_score = score(y, host.dequantize_values(tflm_raw[j], tensor)) if tflm_raw is not None else None
        metrics[j] = Metric(tflite_score[0], float_score[1] if float_score else None, tflite_score[1],
                            tflm_score[1] if tflm_score else None)
    return metrics, agreement, max_diff, warnings


def class_ids(labels: np.ndarray, outputs_shape: tuple[int, ...]) -> np.ndarray | None:
    """Labels as one class id per sample when they classify into a multi-class output, else None.

    Accepts integer ids (``[N]`` or Keras-style ``[N, 1]``), integral floats, and one-hot rows.
    """
    classes = outputs_shape[-1] if len(outputs_shape) > 1 else 1
    if classes < 2 or labels.ndim == 0:
        return None
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim == 1 and labels.dtype.kind in "iuf" and np.all(np.mod(labels, 1) == 0):
        if labels.size and (labels.min() < 0 or labels.max() >= classes):
            return None
        return labels.astype(np.int64)
    if labels.shape[1:] == tuple(outputs_shape[1:]) and bool(np.all((labels == 0) | (labels == 1))):
        return labels.reshape(len(labels), -1).argmax(axis=-1)
    return None


def is_classification(labels: np.ndarray, outputs: np.ndarray) -> bool:
    """True when the labels are class ids or one-hot rows for a multi-class output."""
    return class_ids(labels, outputs.shape) is not None


def score(labels: np.ndarray, outputs: np.ndarray) -> tuple[str, float]:
    """Accuracy for classification (argmax against class ids or one-hot rows), mean squared error otherwise."""
    outputs = np.asarray(outputs, dtype=np.float64)
    truth = class_ids(labels, outputs.shape)
    if truth is not None:
        return "accuracy", float(np.mean(outputs.reshape(len(outputs), -1).argmax(axis=-1) == truth))
    return "mse", float(np.mean((outputs.reshape(labels.shape) - labels) ** 2)) if outputs.size == labels.size else float("nan")


def write_model(path: str | Path, data: bytes, force: bool = False) -> Path:
    """Write model bytes to ``path`` atomically; refuse to replace an existing file unless ``force``.

    The bytes go to a temporary file in the same folder first and are renamed into place, so an
    interrupted run never leaves half a model behind, and a failed one leaves nothing at all.
    """
    from edgekit.files import write_atomic

    check_output_path(path, force)
    return write_atomic(path, data)


def report_path_for(model_path: str | Path) -> Path:
    """Where ``edgekit quantize`` keeps the report of the model it writes: ``cnn_int8.tflite`` gets
    ``cnn_int8.quant.json``, which ``edgekit build`` copies into its folder for report.html."""
    return Path(model_path).with_suffix(".quant.json")


def quant_report_bytes(report: QuantReport, tflite: bytes) -> bytes:
    """The report as JSON, with the SHA-256 of the int8 model it belongs to (a stale report is ignored)."""
    from edgekit.report import to_json

    data = json.loads(to_json(report))
    data["int8_sha256"] = hashlib.sha256(tflite).hexdigest()
    if Path(report.source).exists():  # so that validate finds the float model from any folder
        data["source_path"] = str(Path(report.source).absolute())
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def check_output_path(path: str | Path, force: bool = False) -> None:
    """Refuse an output path before any work: an existing file without ``force``, a folder, or a parent
    that is a file.

    :raises EdgekitError: naming the path and what to do.
    """
    from edgekit.errors import OutputExistsError

    path = Path(path)
    if path.is_dir():
        raise EdgekitError(f"Output '{path}' is a directory; give a file name such as {path / 'model_int8.tflite'}.")
    if path.exists() and not force:
        raise OutputExistsError(path)
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise EdgekitError(f"Output '{path}' cannot be written: '{parent}' is a file, not a folder.")
            if not os.access(parent, os.W_OK):
                raise EdgekitError(f"Output '{path}' cannot be written: no permission to write in '{parent}'.")
            break
