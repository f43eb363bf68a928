"""TensorFlow conversion and calibration in a child process, and the parent side that starts it.

TensorFlow's calibrator is native code: on some graphs (a Keras 3 ``LSTM``/``GRU`` lowered to a while
loop, for one) it dies with SIGSEGV and takes the calling process with it, leaving crash logs and
autograph files in the temporary folder. So, as the TFLM interpreter does (:mod:`edgekit.host`), the
conversion never runs in edgekit's own process: :func:`convert_in_child` starts
``python -m edgekit.convert_worker REQUEST.json REPLY_DIR`` with its own temporary folder, removes that
folder whatever happens, and turns a crash into one :class:`~edgekit.errors.QuantizationError` that says
what to try.

In the child, the model is loaded, rewritten where TensorFlow's lowering gives ops TFLM lacks
(:mod:`edgekit.rewrites`), optionally fine-tuned with QAT (:mod:`edgekit.qat`), traced with a batch of 1
and converted twice: to float (for the size ratio) and to full integer. Recurrent models (``LSTM``) go
through their tf-keras copy, whose LSTM carries the annotation that makes the converter emit one fused
``UNIDIRECTIONAL_SEQUENCE_LSTM``; that route runs single-threaded with fixed seeds so that the bytes are
identical run after run.

Test hook (for tests only, never for users): with ``EDGEKIT_TEST_CONVERTER_CRASH=1`` in its environment
the child kills itself with SIGSEGV just before converting, exactly as TensorFlow's calibrator does.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import io
import json
import logging
import os
import pickle
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from edgekit import errors
from edgekit.errors import EdgekitError, QuantizationError

log = logging.getLogger(__name__)

#: Samples the representative generator feeds the calibrator at most (more adds time, not accuracy).
MAX_CALIBRATION_SAMPLES = 1000
#: Samples used for the per-layer error report.
DEBUG_SAMPLES = 100
#: Test-only: the child kills itself with SIGSEGV before converting when this variable is "1".
CRASH_FOR_TESTS = "EDGEKIT_TEST_CONVERTER_CRASH"
#: Lines of the child's log that carry a log record for the parent (the rest is TensorFlow's own noise).
_LOG_MARKER = "EDGEKIT-LOG "
#: Recurrent layers converted through tf-keras: LSTM fuses into UNIDIRECTIONAL_SEQUENCE_LSTM, GRU and
#: SimpleRNN are unrolled over their (fixed) time steps.
RECURRENT_VIA_TF_KERAS = ("LSTM", "GRU", "SimpleRNN", "Bidirectional")
#: Recurrent layers with no fused TFLite kernel and no unrolled form: the calibrator crashes on their loop.
UNFUSED_RECURRENT = ("RNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")


@dataclass(frozen=True)
class ConversionRequest:
    """What the child converts: the model, calibration samples and the options of the quantize stage."""

    model: Any  # a path, or an in-memory Keras model (saved to the child's folder first)
    rep_x: np.ndarray  # float samples fitted to the input, batch first
    io_type: str = "int8"
    activations: str = "int8"  # "int8", or "int16" for TFLite's 16x8 mode
    custom_objects: dict[str, Any] | None = None
    qat: bool = False
    train_x: np.ndarray | None = None
    train_y: np.ndarray | None = None
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 1e-4
    debug_x: np.ndarray | None = None  # samples for the per-layer error; None skips it
    single_thread: bool = False  # one TensorFlow thread: identical bytes run after run (recurrent models)


@dataclass(frozen=True)
class ConversionResult:
    """The child's answer: float and integer model bytes and what it found along the way."""

    float_tflite: bytes
    tflite: bytes
    int8_tflite: bytes | None = None  # with 16x8 activations: the plain int8 model, for comparison
    layers: tuple[dict[str, Any], ...] = ()
    warnings: tuple[str, ...] = ()
    rewrites: tuple[str, ...] = ()
    route: str = "keras"
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------
# Parent side
# --------------------------------------------------------------------------------------------------


def convert_in_child(request: ConversionRequest, source: str, layer_classes: tuple[str, ...] = ()) -> ConversionResult:
    """Run the conversion in a child process with a temporary folder of its own, removed afterwards.

    :param source: the model's name for messages.
    :param layer_classes: the model's layer class names, to say what to try if TensorFlow crashes.
    :raises QuantizationError: with what happened and what to try, when the child fails or crashes.
    :raises EdgekitError: the child's own refusal (bad layer, bad data), re-raised with its message.
    """
    with tempfile.TemporaryDirectory(prefix="edgekit-convert-") as tmp_name:
        tmp = Path(tmp_name)
        scratch = tmp / "tmp"  # the child's TMPDIR: TensorFlow's crash logs and autograph files land here
        scratch.mkdir()
        reply = tmp / "reply"
        reply.mkdir()
        _write_request(request, tmp)
        # PYTHONHASHSEED: graph building iterates over sets of names, and the converter's output (which
        # ops it quantizes, in which order) followed their random order from run to run.
        env = dict(os.environ, TMPDIR=str(scratch), TEMP=str(scratch), TMP=str(scratch), PYTHONHASHSEED="0")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        command = [sys.executable, "-m", "edgekit.convert_worker", str(tmp / "request.json"), str(reply)]
        tail: collections.deque[str] = collections.deque(maxlen=40)
        with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, errors="replace", env=env) as process:
            try:
                assert process.stderr is not None
                for line in process.stderr:  # relay the child's log records as they come; keep the rest
                    if line.startswith(_LOG_MARKER):
                        level, _, message = line[len(_LOG_MARKER):].rstrip("\n").partition(" ")
                        log.log(int(level) if level.isdigit() else logging.INFO, "%s", message.replace("\\n", "\n"))
                    elif line.strip():
                        tail.append(line.rstrip("\n"))
                returncode = process.wait()
            except BaseException:
                process.kill()  # Ctrl-C: no orphan converter left running
                raise
        phase = (reply / "phase").read_text().strip() if (reply / "phase").exists() else "starting"
        if (reply / "error.json").exists():
            raise _child_error(json.loads((reply / "error.json").read_text()))
        if returncode != 0 or not (reply / "result.json").exists():
            raise QuantizationError(_crash_message(source, returncode, phase, list(tail), layer_classes))
        return _read_result(reply)


def _write_request(request: ConversionRequest, folder: Path) -> None:
    """The request as JSON plus .npy arrays (and the model itself, when it is an in-memory object)."""
    model = request.model
    if not isinstance(model, (str, Path)):
        kind = type(model).__module__
        path = folder / ("model.h5" if kind.startswith(("tf_keras", "keras.src.engine")) else "model.keras")
        model.save(path)
        model = path
    arrays = {"rep_x": request.rep_x, "train_x": request.train_x, "train_y": request.train_y,
              "debug_x": request.debug_x}
    for name, array in arrays.items():
        if array is not None:
            np.save(folder / f"{name}.npy", np.asarray(array), allow_pickle=False)
    if request.custom_objects:
        try:
            (folder / "custom_objects.pkl").write_bytes(pickle.dumps(request.custom_objects))
        except Exception as exc:  # noqa: BLE001 - lambdas and local classes do not pickle
            raise QuantizationError(
                f"the custom objects cannot be handed to the conversion process ({exc}).\nThings to try:\n"
                "  - define the custom layers and functions at the top level of an importable module"
            ) from exc
    options = {
        "model": str(model), "io_type": request.io_type, "activations": request.activations,
        "qat": request.qat, "epochs": request.epochs, "batch_size": request.batch_size,
        "learning_rate": request.learning_rate, "arrays": [n for n, a in arrays.items() if a is not None],
        "custom_objects": bool(request.custom_objects), "single_thread": request.single_thread,
        "log_level": logging.getLogger("edgekit").getEffectiveLevel(),
    }
    (folder / "request.json").write_text(json.dumps(options))


def _read_result(reply: Path) -> ConversionResult:
    meta = json.loads((reply / "result.json").read_text())
    int8_path = reply / "int8.tflite"
    return ConversionResult(
        float_tflite=(reply / "float.tflite").read_bytes(),
        tflite=(reply / "model.tflite").read_bytes(),
        int8_tflite=int8_path.read_bytes() if int8_path.exists() else None,
        layers=tuple(meta["layers"]), warnings=tuple(meta["warnings"]), rewrites=tuple(meta["rewrites"]),
        route=meta["route"], extra=meta.get("extra", {}),
    )


def _child_error(data: dict[str, str]) -> EdgekitError:
    """The child's EdgekitError again, same class and message (its __init__ already formatted the text)."""
    cls = getattr(errors, data["class"], None)
    if not (isinstance(cls, type) and issubclass(cls, EdgekitError)):
        cls = QuantizationError
    error = cls.__new__(cls)
    Exception.__init__(error, data["message"])
    error.hints = []
    return error


_PHASES = {
    "starting": "while starting",
    "loading": "while loading the model",
    "rewriting": "while rewriting layers for TFLM",
    "training": "during quantization-aware training",
    "float": "while converting the float model",
    "calibrating": "while calibrating and converting the integer model",
    "calibrating-int8": "while calibrating and converting the int8 comparison model",
    "layer-errors": "while measuring per-layer quantization error",
}


def _crash_message(source: str, returncode: int, phase: str, tail: list[str], layer_classes: tuple[str, ...]) -> str:
    """One message for a child that died: which signal, in which phase, and what to try."""
    if returncode < 0:
        try:
            how = f"crashed ({signal.Signals(-returncode).name})"
        except ValueError:
            how = f"was killed by signal {-returncode}"
    else:
        how = f"stopped (exit status {returncode})"
    # TensorFlow's own last words, minus its start-up banners and Python's fault-handler stack.
    noise = ("I0000", "W0000", "WARNING: All log messages", "Fatal Python error", "Current thread", "Thread 0x",
             "  File ", "Extension modules:", "Stack (most recent")
    said = [line for line in tail if not line.startswith(noise)][-3:]
    hints = []
    recurrent = sorted(set(layer_classes) & set(UNFUSED_RECURRENT))
    if recurrent:
        hints.append(f"the model has {', '.join(recurrent)}: TFLite has no fused int8 kernel for it, and its loop "
                     "is what the calibrator crashes on; use LSTM, GRU or SimpleRNN")
    hints += [
        "replace custom loops (tf.while_loop, tf.map_fn, TensorArray) and custom layers with built-in Keras layers",
        "see the README section 'Layers that lower badly' for rewrites of known layers",
        "if the float model converts with tf.lite.TFLiteConverter but the int8 one does not, report it with the model",
    ]
    message = (f"TensorFlow's converter {how} {_PHASES.get(phase, 'while converting')} '{source}'. "
               "Nothing was written, and its crash logs were removed.")
    if said:
        message += "\nTensorFlow's last output:\n" + "\n".join(f"  {line[:200]}" for line in said)
    return message + "\nThings to try:\n" + "\n".join(f"  - {hint}" for hint in hints)


# --------------------------------------------------------------------------------------------------
# Child side
# --------------------------------------------------------------------------------------------------


class _MarkedLines(logging.Handler):
    """Log records as marked lines on stderr, where the parent reads and re-logs them."""

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record).replace("\n", "\\n")
        sys.stderr.write(f"{_LOG_MARKER}{record.levelno} {text}\n")
        sys.stderr.flush()


def main(argv: list[str]) -> int:
    """Child entry point: convert as the request says, write the reply folder; 3 for a refusal."""
    request_path, reply_name = argv
    folder, reply = Path(request_path).parent, Path(reply_name)
    options = json.loads(Path(request_path).read_text())
    handler = _MarkedLines()
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("edgekit")
    root.addHandler(handler)
    root.setLevel(options["log_level"])
    root.propagate = False
    import faulthandler

    faulthandler.enable()
    try:
        _convert(options, folder, reply)
    except EdgekitError as exc:
        (reply / "error.json").write_text(json.dumps({"class": type(exc).__name__, "message": str(exc)}))
        return 3
    except Exception as exc:  # noqa: BLE001 - said once, in the parent, without a traceback
        import traceback

        traceback.print_exc()  # kept in the parent's log tail for -v
        first = (str(exc).splitlines() or [""])[0][:300]
        (reply / "error.json").write_text(json.dumps({"class": "QuantizationError", "message": (
            f"the conversion failed: {type(exc).__name__}: {first}\nThings to try:\n"
            "  - if the model converts with tf.lite.TFLiteConverter, this is a bug in edgekit: report it with the model"
        )}))
        return 3
    return 0


def _phase(reply: Path, name: str) -> None:
    (reply / "phase").write_text(name)


def _convert(options: dict[str, Any], folder: Path, reply: Path) -> None:
    arrays = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in options["arrays"]}
    custom_objects = pickle.loads((folder / "custom_objects.pkl").read_bytes()) if options["custom_objects"] else None
    _phase(reply, "loading")
    if options["qat"]:
        from edgekit.qat import prefer_legacy_keras

        prefer_legacy_keras()  # tfmot needs tf-keras as tf.keras, set before TensorFlow is imported
    from edgekit.loading import import_tensorflow, load_model

    tf = import_tensorflow()
    if options["single_thread"]:
        # Recurrent models calibrate run after run to the same bytes only on one thread; this must be set
        # before TensorFlow runs its first op, so the parent decides it from the layer classes.
        tf.config.threading.set_inter_op_parallelism_threads(1)
        tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.random.set_seed(0)
    np.random.seed(0)
    loaded = load_model(options["model"], custom_objects=custom_objects)
    rep_x = arrays["rep_x"]
    classes = layer_classes(loaded.model) if loaded.is_keras else ()
    unfused = sorted(set(classes) & set(UNFUSED_RECURRENT))
    if unfused:
        raise QuantizationError(
            f"'{loaded.source}' has {', '.join(unfused)}: TFLite has no fused int8 kernel for it, and TensorFlow's "
            "calibrator crashes on the loop it lowers to.\nThings to try:\n"
            "  - use LSTM (converted to TFLM's UNIDIRECTIONAL_SEQUENCE_LSTM), GRU or SimpleRNN (unrolled)\n"
            "  - or replace the recurrence with Conv1D layers (a temporal CNN), which quantize well"
        )
    warnings: list[str] = []
    rewrites: list[str] = []
    extra: dict[str, Any] = {}
    route = "keras"
    trackable = None
    call: Callable[[Any], Any] = loaded.call
    if loaded.kind == "keras3" and not options["qat"]:
        _phase(reply, "rewriting")
        from edgekit.rewrites import rewrite_for_tflm

        model, rewrites, rewrite_warnings = rewrite_for_tflm(loaded.model, rep_x[:16])
        warnings += rewrite_warnings
        call = lambda x: model(x, training=False)  # noqa: E731
    if options["qat"]:
        _phase(reply, "training")
        from edgekit.datasets import Dataset
        from edgekit.qat import train_qat

        train = Dataset(arrays["train_x"], arrays["train_y"], "training data")
        trained = train_qat(loaded, train, epochs=options["epochs"], batch_size=options["batch_size"],
                            learning_rate=options["learning_rate"])
        call = lambda x: trained(x, training=False)  # noqa: E731
        route = "tf-keras (QAT)"
    elif set(classes) & set(RECURRENT_VIA_TF_KERAS):
        # Keras 3's LSTM lowers to a while loop; tf-keras's carries the fused-LSTM annotation. GRU and
        # SimpleRNN have no fused kernel and are unrolled instead.
        trackable, call = _recurrent_copy(loaded, ("GRU", "SimpleRNN"))
        extra["unrolled"] = sorted(set(classes) & {"GRU", "SimpleRNN"})
        route = "tf-keras (recurrent)"
        log.info("recurrent model: converting through tf-keras (LSTM fused, GRU/SimpleRNN unrolled)")

    # A stateless LSTM's fused op keeps its state in variable tensors, which TFLite carries from one
    # inference to the next: the model is checked, and marked to be run, with the state reset before each.
    reset_state = route == "tf-keras (recurrent)" and not stateful_layers(loaded.model)
    function = _traced_function(tf, call, loaded.input_shape, frozen=trackable is None)
    _phase(reply, "float")
    float_bytes = convert_function(tf, function, trackable, None, None)
    # QAT graphs carry fake-quant nodes that a float conversion treats differently: checked for PTQ only.
    difference = None if options["qat"] else float_difference(tf, float_bytes, call, rep_x[:32], reset_state)
    if difference is not None and "LSTM" in classes and route == "tf-keras (recurrent)":
        # Should the fused UNIDIRECTIONAL_SEQUENCE_LSTM compute something else than the Keras layer even with
        # its state reset, the LSTM is unrolled: plain FULLY_CONNECTED/LOGISTIC/TANH/MUL ops, checked again.
        warnings.append(f"TensorFlow's fused LSTM does not reproduce the float model (largest output difference "
                        f"{difference:.3g}), so the LSTM is unrolled instead: full int8, checked against the float model, but larger")
        trackable, call = _recurrent_copy(loaded, ("GRU", "SimpleRNN", "LSTM"))
        extra["unrolled"] = sorted(set(classes) & {"GRU", "SimpleRNN", "LSTM"})
        function = _traced_function(tf, call, loaded.input_shape, frozen=False)
        float_bytes = convert_function(tf, function, trackable, None, None)
        difference = float_difference(tf, float_bytes, call, rep_x[:32], reset_state)
    if difference is not None:
        raise QuantizationError(
            f"the float .tflite that TensorFlow's converter made of '{loaded.source}' does not reproduce the model "
            f"(largest output difference {difference:.3g}), so its integer twin would be wrong too.\nThings to try:\n"
            "  - see the README section 'Layers that lower badly'\n"
            "  - report it with the model: the converter mis-lowers one of its layers"
        )
    _phase(reply, "calibrating")
    if os.environ.get(CRASH_FOR_TESTS) == "1":
        os.kill(os.getpid(), signal.SIGSEGV)  # test-only: die exactly as TensorFlow's calibrator does
    io_type = options["io_type"]
    activations = options["activations"]
    tflite = convert_function(tf, function, trackable, rep_x, io_type, activations)
    mark = _state_marker(reset_state)
    (reply / "float.tflite").write_bytes(mark(float_bytes))
    (reply / "model.tflite").write_bytes(mark(tflite))
    if activations == "int16":
        _phase(reply, "calibrating-int8")
        int8_io = "float32" if io_type == "float32" else "int8"
        (reply / "int8.tflite").write_bytes(mark(convert_function(tf, function, trackable, rep_x, int8_io, "int8")))
    layers: list[dict[str, Any]] = []
    if "debug_x" in arrays:
        _phase(reply, "layer-errors")
        try:
            layers = layer_errors(tf, function, trackable, rep_x, arrays["debug_x"], activations)
        except Exception as exc:  # noqa: BLE001 - the debugger is a diagnostic; losing it is not fatal
            first_line = (str(exc).splitlines() or [""])[0][:200]
            warnings.append(f"per-layer error could not be measured ({type(exc).__name__}: {first_line})")
    _phase(reply, "done")
    (reply / "result.json").write_text(json.dumps({
        "layers": layers, "warnings": warnings, "rewrites": rewrites, "route": route, "extra": extra,
    }))


def _recurrent_copy(loaded: Any, unroll: tuple[str, ...]) -> tuple[Any, Callable[[Any], Any]]:
    """The tf-keras copy of a recurrent model with a batch fixed at 1, and how to call it."""
    from edgekit.qat import to_tf_keras

    model = _fixed_batch_model(to_tf_keras(loaded, unroll=unroll), loaded.input_shape)
    return model, lambda x: model(x, training=False)


def _state_marker(reset_state: bool) -> Callable[[bytes], bytes]:
    """What to do to each converted model: mark the ones whose variable tensors hold a stateless layer's
    state (:data:`edgekit.model_metadata.RESET_STATE`), leave the others as they are."""
    from edgekit.model_metadata import RESET_STATE, with_metadata
    from edgekit.reader import read_model

    def mark(model: bytes) -> bytes:
        if not reset_state or not any(t.is_variable for t in read_model(model).tensors):
            return model
        return with_metadata(model, RESET_STATE, b"1")

    return mark


def stateful_layers(model: Any) -> list[str]:
    """Names of the layers of a Keras model that keep their state between calls (``stateful=True``)."""
    found = []
    for layer in getattr(model, "layers", []):
        if getattr(layer, "stateful", False):
            found.append(layer.name)
        found += stateful_layers(layer)
    return found


def float_difference(tf, float_bytes: bytes, call: Callable[[Any], Any], samples: np.ndarray,
                     reset_state: bool = False) -> float | None:
    """The largest difference between the float .tflite's outputs and the model's on ``samples``, or None
    when they agree (within float rounding: 1e-3 of the output range). With ``reset_state``, the .tflite's
    variable tensors are reset before each sample, as the model's stateless layers start every call afresh."""
    import warnings as py_warnings

    with py_warnings.catch_warnings():
        py_warnings.simplefilter("ignore")
        interpreter = tf.lite.Interpreter(model_content=float_bytes)
    interpreter.allocate_tensors()
    source, sink = interpreter.get_input_details()[0]["index"], interpreter.get_output_details()[0]["index"]
    worst, scale = 0.0, 0.0
    for sample in samples:
        if reset_state:
            interpreter.reset_all_variables()
        interpreter.set_tensor(source, sample[np.newaxis].astype(np.float32))
        interpreter.invoke()
        expected = np.asarray(call(sample[np.newaxis].astype(np.float32)), dtype=np.float64)
        worst = max(worst, float(np.max(np.abs(interpreter.get_tensor(sink).astype(np.float64) - expected))))
        scale = max(scale, float(np.max(np.abs(expected))))
    return worst if worst > 1e-3 * max(scale, 1.0) else None


def layer_classes(model: Any) -> tuple[str, ...]:
    """Class names of every layer in a Keras model, nested models and wrapped layers included."""
    found = []
    for layer in getattr(model, "layers", []):
        found.append(type(layer).__name__)
        found += layer_classes(layer)
        inner = getattr(layer, "layer", None) or getattr(layer, "forward_layer", None)
        if inner is not None:
            found.append(type(inner).__name__)
    return tuple(found)


def _fixed_batch_model(model: Any, input_shape: tuple[int, ...]) -> Any:
    """A tf-keras model that calls ``model`` on an input whose batch is fixed at 1 (the converter needs it)."""
    import tf_keras

    fixed = tf_keras.Input(shape=input_shape[1:], batch_size=1, name="fixed_input")
    return tf_keras.Model(fixed, model(fixed))


def _traced_function(tf, call: Callable[[Any], Any], input_shape: tuple[int, ...], frozen: bool):
    """Trace ``call`` with a batch of 1; fold its variables into constants when ``frozen``.

    Keras 3 variables are not tracked by the TFLite converter, so a traced Keras 3 model would convert
    with READ_VARIABLE ops and no weights; freezing makes the graph self-contained. The tf-keras route is
    not frozen: freezing drops the fused-LSTM annotation, and its variables are tracked by the model
    handed to the converter instead.
    """
    spec = tf.TensorSpec(input_shape, tf.float32)
    concrete = tf.function(lambda x: call(x)).get_concrete_function(spec)
    if not frozen:
        return concrete
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    return convert_variables_to_constants_v2(concrete)


#: Samples for the converter: one array (a one-input model) or one array per input, in input order.
Samples = np.ndarray | tuple[np.ndarray, ...]


def representative(samples: Samples, count: int) -> Callable[[], Any]:
    """The converter's representative (or debug) dataset: for each of the first ``count`` samples, a list
    with one batch of 1 per model input, in input order."""
    arrays = [x[:count] for x in ((samples,) if isinstance(samples, np.ndarray) else samples)]

    def generate():
        for n in range(len(arrays[0])):
            yield [x[n][np.newaxis].astype(np.float32) for x in arrays]

    return generate


def _converter(tf, function, trackable, rep_x: Samples | None, io_type: str | None, activations: str):
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function], trackable)
    if rep_x is None:
        return converter
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative(rep_x, MAX_CALIBRATION_SAMPLES)
    if activations == "int16":
        converter.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        integer = tf.int16  # 16x8 models take and give int16 (or float32)
    else:
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        integer = {"int8": tf.int8, "uint8": tf.uint8}.get(io_type or "int8", tf.int8)
    if io_type is not None:
        converter.inference_input_type = tf.float32 if io_type == "float32" else integer
        converter.inference_output_type = converter.inference_input_type
    return converter


def convert_function(tf, function, trackable, rep_x: Samples | None, io_type: str | None,
                     activations: str = "int8") -> bytes:
    """Convert a traced function: float when ``rep_x`` is None, full integer otherwise, calibrated on
    ``rep_x`` (one array, or one per input). ``trackable`` holds the function's variables (None when it is
    frozen). Used by the child and, for the models that convert in edgekit's own process, by
    :mod:`edgekit.quantization`.

    :raises QuantizationError: with the converter's own words and what to try.
    """
    import warnings as py_warnings

    from edgekit.loading import quiet_native_stderr

    converter = _converter(tf, function, trackable, rep_x, io_type, activations)
    try:
        with quiet_native_stderr(), py_warnings.catch_warnings():
            py_warnings.simplefilter("ignore")
            return converter.convert()
    except Exception as exc:  # noqa: BLE001 - ConverterError, RuntimeError, ValueError
        text = str(exc).strip()
        detail = "\n".join(text.splitlines()[:8]) if text else type(exc).__name__
        hints = []
        if "not supported" in text or "neither a custom op nor a flex op" in text:
            hints.append("an op in the model has no int8 kernel in TFLite: replace that layer, or keep it out of the model")
        if "READ_VARIABLE" in text or "variable" in text.lower():
            hints.append("the model holds state (variables updated at run time); export a stateless inference model")
        if activations == "int16":
            hints.append("an op has no 16x8 kernel in TFLite: drop --activations int16")
        message = f"the TFLite converter failed: {detail}"
        if hints:
            message += "\nThings to try:\n" + "\n".join(f"  - {h}" for h in hints)
        raise QuantizationError(message) from exc


def layer_errors(tf, function, trackable, rep_x: Samples, debug_x: Samples,
                 activations: str = "int8") -> list[dict[str, Any]]:
    """Per-layer SQNR from TensorFlow's QuantizationDebugger: output power over quantization-noise power.

    The debugger runs each quantized op on the same (quantized) inputs as its float twin, so the error of
    a layer is its own, not the sum of everything upstream: the worst layers are the ones to fix.
    Returns one dict per quantized op output (``op``, ``tensor``, ``sqnr_db``, ``max_abs_error``, ``scale``).
    """
    import warnings as py_warnings

    from edgekit.loading import quiet_native_stderr

    converter = _converter(tf, function, trackable, rep_x, None, activations)

    def signal_power(_float_values: np.ndarray, quant_values: np.ndarray, scale: float, zero_point: int) -> float:
        """Mean square of the integer layer output, dequantized.

        Only the quantized values are used: the float twin the debugger hands over can be stale or
        uninitialised for some tensors (seen on the logits before a softmax), while its NumericVerify
        differences, which give the noise power (``mean_squared_error``), are computed inside the op.
        """
        dequantized = (np.asarray(quant_values, dtype=np.float64) - zero_point) * scale
        return float(np.mean(np.square(dequantized)))

    with quiet_native_stderr(), py_warnings.catch_warnings():
        py_warnings.simplefilter("ignore")
        debugger = tf.lite.experimental.QuantizationDebugger(
            converter=converter,
            debug_dataset=representative(debug_x, DEBUG_SAMPLES),
            debug_options=tf.lite.experimental.QuantizationDebugOptions(
                layer_direct_compare_metrics={"signal_power": signal_power}
            ),
        )
        debugger.run()
    # The CSV dump is the debugger's public output: one row per quantized op output.
    dump = io.StringIO()
    debugger.layer_statistics_dump(dump)
    dump.seek(0)
    return [
        {
            "op": row["op_name"],
            "tensor": row["tensor_name"].split(";")[0],
            "sqnr_db": _sqnr_db(_as_float(row.get("signal_power")), _as_float(row.get("mean_squared_error"))),
            "max_abs_error": _as_float(row.get("max_abs_error")),
            "scale": _as_float(row.get("scale")),
        }
        for row in csv.DictReader(dump)
    ]


def _sqnr_db(signal_power: float, noise_power: float) -> float:
    """10*log10(signal / noise), with the edge cases spelled out (exact layers are +inf dB)."""
    if not (np.isfinite(signal_power) and np.isfinite(noise_power)):
        return float("nan")
    if noise_power <= 0.0:
        return float("inf")
    if signal_power <= 0.0:
        return float("-inf")
    return 10.0 * float(np.log10(signal_power / noise_power))


def _as_float(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "") else float("nan")
    except ValueError:
        return float("nan")


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main(sys.argv[1:]))
