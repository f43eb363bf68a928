"""Load a float model from any of the formats users bring (the "load" stage). Imports TensorFlow.

Supported: a SavedModel directory, a Keras 3 ``.keras`` file, a Keras 2 ``.h5`` file, and an in-memory
Keras model (Keras 3 or tf-keras). ``.tflite`` files are not loaded here: they are already converted and
go straight to :mod:`edgekit.reader`.

Whatever the format, the result is a :class:`LoadedModel` whose ``call`` runs the float model on a batch,
and whose input shape has the batch fixed at 1. Fixing the batch before conversion is what keeps SHAPE,
STRIDED_SLICE and PACK ops (left by a dynamic batch, for example by a Keras 3 Flatten) out of the int8
model.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from edgekit.errors import ModelError

log = logging.getLogger(__name__)

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


@dataclass(frozen=True)
class LoadedModel:
    """A float model ready for conversion: how to call it and what its inputs and outputs look like.

    ``input_shape``, ``input_dtype``, ``output_shape`` and ``call`` describe the first input and output
    (a model's only ones, usually); ``input_shapes``, ``output_shapes`` and ``call_many`` (one array per
    input in, one per output out) cover a model with several.
    """

    source: str
    kind: str  # "keras3", "tf_keras" or "saved_model"
    model: Any  # the Keras model object, or the SavedModel's serving signature
    input_shape: tuple[int, ...]  # batch fixed at 1
    input_dtype: str
    output_shape: tuple[int, ...]
    call: Callable[[Any], Any]  # float batch -> float output tensor (inside tf.function or eagerly)
    batch_size: int | None = None  # a batch size the model's signature fixes, if any
    input_shapes: tuple[tuple[int, ...], ...] = ()  # every input's, in the model's order (batch fixed at 1)
    output_shapes: tuple[tuple[int, ...], ...] = ()
    call_many: Callable[[list[Any]], list[Any]] | None = None  # one batch per input -> one output per output

    def __post_init__(self) -> None:
        if not self.input_shapes:
            object.__setattr__(self, "input_shapes", (self.input_shape,))
        if not self.output_shapes:
            object.__setattr__(self, "output_shapes", (self.output_shape,))
        if self.call_many is None:
            object.__setattr__(self, "call_many", lambda xs: [self.call(xs[0])])

    @property
    def is_keras(self) -> bool:
        """True when the model is a Keras model whose layers QAT can wrap."""
        return self.kind in ("keras3", "tf_keras")


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[Path]:
    """Send what C++ code writes to file descriptor 2 into a temporary file while the block runs.

    TensorFlow's converter and importer print banners, CUDA probes and MLIR dumps straight to fd 2,
    where Python cannot filter them. Yields the file's path so an error can quote the tail.
    """
    sys.stderr.flush()
    with tempfile.NamedTemporaryFile(prefix="edgekit-native-", suffix=".log", delete=False) as tmp:
        path = Path(tmp.name)
    saved = os.dup(2)
    try:
        with open(path, "wb") as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield path
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)
        with contextlib.suppress(OSError):
            path.unlink()


def import_tensorflow():
    """Import TensorFlow quietly, or explain how to install it.

    TensorFlow logs C++ banners and CUDA probes on import; they mean nothing to a user on a CPU machine.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    try:
        with quiet_native_stderr():
            import tensorflow as tf
    except ImportError as exc:
        from edgekit.errors import ToolNotFound

        raise ToolNotFound("TensorFlow", "pip install 'edgekit' (it depends on tensorflow), or pip install tensorflow") from exc
    tf.get_logger().setLevel(logging.ERROR)
    # The converter warns through absl about its own deprecated code paths; nothing a user can act on.
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.ERROR)
    return tf


def load_model(model: Any, custom_objects: dict[str, Any] | None = None) -> LoadedModel:
    """Load a float model from a path or take an in-memory Keras model.

    :param model: a path (SavedModel directory, ``.keras``, ``.h5``) or a Keras model object.
    :param custom_objects: custom layers or functions needed to deserialize a Keras file.
    :raises ModelError: when the path is missing or unreadable, the format is unknown, or the model does not
        have fixed input and output shapes.
    """
    tf = import_tensorflow()
    if not isinstance(model, (str, Path)):
        return _from_keras_object(model, "in-memory model")
    path = Path(model)
    if not path.exists():
        raise ModelError(path, "not found.", ["check the path and the current directory"])
    if path.is_dir():
        if not (path / "saved_model.pb").exists() and not (path / "saved_model.pbtxt").exists():
            raise ModelError(path, "is a directory but not a SavedModel (no saved_model.pb inside).")
        return _from_saved_model(tf, path)
    suffix = path.suffix.lower()
    if suffix == ".tflite":
        raise ModelError(path, "is already a .tflite model; read it with edgekit.reader instead of loading it.")
    if suffix not in KERAS_SUFFIXES:
        raise ModelError(
            path,
            f"has an unsupported format '{suffix or path.name}'.",
            ["give a SavedModel directory, a .keras file (Keras 3), a .h5 file (Keras 2) or an int8 .tflite"],
        )
    return _from_keras_file(path, custom_objects)


def _from_keras_file(path: Path, custom_objects: dict[str, Any] | None) -> LoadedModel:
    import zipfile

    import keras

    # Keras reports an empty or non-zip .keras file as "File not found"; say what is wrong with it instead.
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except OSError as exc:
        raise ModelError(path, f"cannot be read ({exc.strerror or exc}).",
                         ["check the file's permissions (`ls -l`)"]) from None
    if size == 0:
        raise ModelError(path, "is empty (0 bytes): the save was interrupted or the copy failed.",
                         ["save the model again with model.save(), or copy it again"])
    if path.suffix.lower() == ".keras" and not zipfile.is_zipfile(path):
        raise ModelError(path, f"is not a .keras file ({size:,} bytes that are not the zip archive Keras 3 writes).",
                         ["save the model again with model.save('model.keras')",
                          "a Keras 2 HDF5 file must end in .h5"])

    errors = []
    loaders: list[tuple[str, Callable[[], Any]]] = [
        ("Keras 3", lambda: keras.models.load_model(path, compile=False, custom_objects=custom_objects)),
    ]
    if path.suffix.lower() != ".keras":
        # Keras 3 reads most legacy HDF5 files, but tf-keras reads every one it wrote.
        loaders.append(("tf-keras", lambda: _tf_keras().models.load_model(path, compile=False, custom_objects=custom_objects)))
    for name, load in loaders:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return _from_keras_object(load(), str(path))
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - Keras raises many types for unreadable files
            errors.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    hints = ["check that the file is complete and was saved with model.save()"]
    if any("Unknown" in e or "custom" in e.lower() for e in errors):
        hints.insert(0, "the model uses custom layers: pass them with edgekit.quantize(..., custom_objects={...})")
    raise ModelError(path, "cannot be loaded as a Keras model (" + "; ".join(errors) + ").", hints)


def _tf_keras():
    try:
        import tf_keras
    except ImportError as exc:
        from edgekit.errors import ToolNotFound

        raise ToolNotFound("tf-keras", "pip install tf-keras (the version that matches your TensorFlow)") from exc
    return tf_keras


def _keras_kind(obj: Any) -> str | None:
    module = type(obj).__module__
    try:
        import keras

        if isinstance(obj, keras.Model):
            return "keras3"
    except ImportError:
        pass
    if module.startswith("tf_keras") or module.startswith("keras.src.engine") or module.startswith("tensorflow.python.keras"):
        return "tf_keras"
    return None


def _from_keras_object(obj: Any, source: str) -> LoadedModel:
    kind = _keras_kind(obj)
    if kind is None:
        raise ModelError(source, f"is a {type(obj).__name__}, not a Keras model.")
    try:
        inputs, outputs = list(obj.inputs or []), list(obj.outputs or [])
    except (AttributeError, ValueError) as exc:
        raise ModelError(source, "has not been built, so its input shape is unknown.",
                         ["start the model with keras.Input(shape=...) or call model.build(input_shape)"]) from exc
    if not inputs or not outputs:
        raise ModelError(source, f"has {len(inputs)} inputs and {len(outputs)} outputs; it needs at least one of each.")
    input_shapes = tuple(_fixed_shape(source, tuple(t.shape), "input") for t in inputs)
    output_shapes = tuple(_fixed_shape(source, tuple(t.shape), "output") for t in outputs)
    dtypes = {str(getattr(t.dtype, "name", t.dtype)) for t in inputs}
    several_in, several_out = len(inputs) > 1, len(outputs) > 1

    def call_many(xs: list[Any]) -> list[Any]:
        # a Keras model with several inputs takes a list (in model.inputs order) and returns a list
        result = obj(list(xs) if several_in else xs[0], training=False)
        return list(result) if several_out else [result]

    return LoadedModel(
        source=source,
        kind=kind,
        model=obj,
        input_shape=input_shapes[0],
        input_dtype=sorted(dtypes)[0] if len(dtypes) == 1 else "mixed (" + ", ".join(sorted(dtypes)) + ")",
        output_shape=output_shapes[0],
        call=lambda x: call_many([x])[0],
        input_shapes=input_shapes,
        output_shapes=output_shapes,
        call_many=call_many,
    )


def _fixed_shape(source: str, shape: Any, what: str) -> tuple[int, ...]:
    try:
        shape = tuple(shape)
    except (TypeError, ValueError):  # a TensorShape of unknown rank cannot be iterated
        shape = None
    if shape is None:
        raise ModelError(source, f"its {what} has an unknown rank.",
                         ["export the model with a fixed input signature, e.g. tf.TensorSpec([1, 28, 28, 1])"])
    if not shape:
        raise ModelError(source, f"has a scalar {what}; expected a batch dimension.")
    rest = shape[1:]
    if any(d is None for d in rest):
        raise ModelError(
            source,
            f"its {what} shape {list(shape)} has unknown dimensions besides the batch.",
            ["give the model a fixed input size, for example keras.Input(shape=(28, 28, 1))"],
        )
    return (1,) + tuple(int(d) for d in rest)


def _from_saved_model(tf, path: Path) -> LoadedModel:
    try:
        loaded = tf.saved_model.load(str(path))
    except Exception as exc:  # noqa: BLE001
        raise ModelError(path, f"cannot be loaded as a SavedModel ({type(exc).__name__}: {exc}).") from exc
    signatures = dict(getattr(loaded, "signatures", {}) or {})
    if not signatures:
        raise ModelError(path, "has no serving signature.", [
            "export it with model.export(path) (Keras 3) or tf.saved_model.save(module, path, signatures=...)",
        ])
    name = "serving_default" if "serving_default" in signatures else sorted(signatures)[0]
    signature = signatures[name]
    _, kwargs = signature.structured_input_signature
    outputs = signature.structured_outputs
    if not kwargs or not outputs:
        raise ModelError(path, f"signature '{name}' has {len(kwargs)} inputs and {len(outputs)} outputs; it needs "
                               "at least one of each.")
    # A signature's inputs and outputs are named, not ordered: edgekit takes them in name order.
    input_names, output_names = sorted(kwargs), sorted(outputs)
    specs = [kwargs[n] for n in input_names]
    input_shapes = tuple(_fixed_shape(str(path), spec.shape, "input") for spec in specs)
    output_shapes = tuple(_fixed_shape(str(path), outputs[n].shape, "output") for n in output_names)
    fixed_batch = specs[0].shape[0] if specs[0].shape.rank else None

    def call_many(xs: list[Any]) -> list[Any]:
        produced = signature(**dict(zip(input_names, xs)))
        return [produced[n] for n in output_names]

    dtypes = sorted({spec.dtype.name for spec in specs})
    return LoadedModel(
        source=str(path),
        kind="saved_model",
        model=loaded,  # keep the object alive: the signature's variables belong to it
        input_shape=input_shapes[0],
        input_dtype=dtypes[0] if len(dtypes) == 1 else "mixed (" + ", ".join(dtypes) + ")",
        output_shape=output_shapes[0],
        call=lambda x: call_many([x])[0],
        batch_size=int(fixed_batch) if fixed_batch is not None else None,
        input_shapes=input_shapes,
        output_shapes=output_shapes,
        call_many=call_many,
    )
