"""Load representative, test and training data, and check it against a model's input.

Sources a user can name on the command line (or pass to the API):

* ``data.npy``: an array of samples;
* ``data.npz`` or ``data.npz:key``: arrays in a zip; inputs under ``x`` (or the only key), labels under ``y``;
  a model with several inputs takes ``x_0``, ``x_1``, ... in its input order, with labels ``y`` (the first
  output's) or ``y_0``, ``y_1``, ... (one array per output);
* a folder of images, resized to the model input; sub-folders are classes (labels in sorted order);
* ``package.module:function``: a callable that returns or yields samples (or ``(x, y)`` pairs);
* from Python: a numpy array, an ``(x, y)`` tuple, or a callable.

Calibration decides every scale in the int8 model, so the checks here are strict: wrong shapes, NaN or
infinite values and empty data are errors; few samples and value ranges that disagree with the test data
are warnings, because they quietly cost accuracy. edgekit never invents calibration data.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from edgekit.errors import DataError

log = logging.getLogger(__name__)

#: Below this many representative samples the calibrated ranges are unreliable; warn.
RECOMMENDED_CALIBRATION_SAMPLES = 100
#: A callable source is read up to this many samples (calibration does not need more).
MAX_CALLABLE_SAMPLES = 10_000

_INPUT_KEYS = ("x", "inputs", "input", "images", "data", "features")
_LABEL_KEYS = ("y", "labels", "label", "targets", "target", "y_test", "y_train", "y_val")
_CALLABLE_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")

#: Pixel value ranges an image folder can be scaled to, by name.
IMAGE_RANGES = {"0-1": (0.0, 1.0), "0-255": (0.0, 255.0), "-1-1": (-1.0, 1.0)}


_NUMBERED = re.compile(r"^([xy])_(\d+)$")


@dataclass(frozen=True)
class Dataset:
    """Samples (``x``, batch first) with optional labels (``y``), and where they came from.

    A model with several inputs or outputs gets one array per input in ``inputs`` (``x`` is the first)
    and, when labels are given per output, one array (or None) per output in ``labels`` (``y`` is the
    first). :meth:`of` builds such a set.
    """

    x: np.ndarray
    y: np.ndarray | None
    source: str
    inputs: tuple[np.ndarray, ...] = ()
    labels: tuple[np.ndarray | None, ...] = ()

    def __post_init__(self) -> None:
        # a one-input set made the usual way, Dataset(x, y, source), is its own multi-input form
        if not self.inputs:
            object.__setattr__(self, "inputs", (self.x,))
        if not self.labels:
            object.__setattr__(self, "labels", (self.y,))

    @classmethod
    def of(cls, inputs: tuple[np.ndarray, ...] | list[np.ndarray], labels: tuple | list | None,
           source: str) -> "Dataset":
        """A set with one array per input and, optionally, one label array (or None) per output."""
        labels = tuple(labels) if labels else (None,)
        return cls(inputs[0], labels[0], source, tuple(inputs), labels)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def take(self, count: int) -> "Dataset":
        """The first ``count`` samples of every input and label array."""
        return Dataset.of([x[:count] for x in self.inputs],
                          [None if y is None else y[:count] for y in self.labels], self.source)


def load_dataset(
    source: Any,
    *,
    input_shape: tuple[int, ...] | None = None,
    image_range: str = "0-1",
) -> Dataset:
    """Load data from any supported source (see the module docstring).

    :param source: a path or ``module:function`` string, an array, an ``(x, y)`` tuple or a callable.
    :param input_shape: the model input shape with batch (``(1, 28, 28, 1)``); needed to size images.
    :param image_range: how image pixels are scaled: ``"0-1"``, ``"0-255"`` or ``"-1-1"``.
    :raises DataError: when the source cannot be read or holds no usable arrays.
    """
    if isinstance(source, Dataset):
        return source
    if isinstance(source, np.ndarray):
        return Dataset(source, None, "array")
    if isinstance(source, tuple) and len(source) == 2:
        y = None if source[1] is None else np.asarray(source[1])
        if y is not None and y.ndim == 0:
            raise DataError("arrays", "labels must hold one label per sample, not a single number.")
        return Dataset(np.asarray(source[0]), y, "arrays")
    if callable(source):
        return _from_callable(source, getattr(source, "__name__", "callable"))
    if not isinstance(source, (str, Path)):
        raise DataError(None, f"cannot use an object of type {type(source).__name__} as data.")

    text = str(source)
    path = Path(text)
    if path.is_dir():
        return _from_image_folder(path, input_shape, image_range)
    key = None
    if not path.exists() and ":" in text:
        head, _, tail = text.rpartition(":")
        if head.endswith(".npz"):
            path, key = Path(head), tail
        elif _CALLABLE_SPEC.match(text):
            return _from_callable(_import_callable(text), text)
    if not path.exists():
        raise DataError(
            text,
            "not found.",
            ["give a .npy or .npz file, a folder of images, or a callable as package.module:function"],
        )
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return Dataset(_load_npy(path), None, text)
    if suffix == ".npz":
        return _from_npz(path, key, text)
    raise DataError(text, f"has an unsupported format '{suffix or path.name}'.", [
        "save the samples with numpy.save (.npy) or numpy.savez (.npz, inputs under 'x', labels under 'y')",
        "or point at a folder of images",
    ])


def _load_npy(path: Path) -> np.ndarray:
    # The file is opened here, not by numpy, so that it is closed even when numpy fails half-way.
    try:
        with open(path, "rb") as handle:
            loaded = np.load(handle, allow_pickle=False)
            if not isinstance(loaded, np.ndarray):
                loaded.close()
                raise DataError(str(path), "holds several arrays (an .npz archive); rename it to .npz.")
            return loaded
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - numpy raises OSError, ValueError, EOFError, BadZipFile...
        raise DataError(str(path), f"is not a readable .npy file ({exc}).") from exc


def _from_npz(path: Path, key: str | None, label: str) -> Dataset:
    try:
        with open(path, "rb") as handle:
            archive = np.load(handle, allow_pickle=False)
            if isinstance(archive, np.ndarray):
                raise DataError(label, "holds a single array (an .npy file); rename it to .npy.")
            with archive:
                arrays = {name: archive[name] for name in archive.files}
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - BadZipFile, OSError, ValueError, EOFError, KeyError
        raise DataError(label, f"is not a readable .npz file ({exc}).") from exc
    if not arrays:
        raise DataError(label, "holds no arrays.")
    numbered = _numbered_arrays(arrays, label)
    if key is None and numbered is not None:
        return numbered
    if key is not None:
        if key not in arrays:
            raise DataError(label, f"has no array '{key}'; it holds: {', '.join(sorted(arrays))}.")
        x_key = key
    elif len(arrays) == 1:
        x_key = next(iter(arrays))
    else:
        x_key = next((k for k in _INPUT_KEYS if k in arrays), None)
        splits = sorted(k for k in arrays if k.startswith("x_"))
        if x_key is None and len(splits) == 1:
            x_key = splits[0]
        if x_key is None and len(splits) > 1:
            # Guessing between x_train and x_test would silently calibrate or train on the wrong split.
            raise DataError(label, f"holds several splits ({', '.join(splits)}); choose one.",
                            [f"name it: {path}:{splits[0]}"])
        if x_key is None:
            raise DataError(
                label,
                f"holds several arrays ({', '.join(sorted(arrays))}) and none is named like an input.",
                [f"choose one with {path}:KEY", "or save the inputs under 'x' and the labels under 'y'"],
            )
    y_key = next((k for k in _LABEL_KEYS if k in arrays and k != x_key), None)
    if x_key.startswith("x_") and f"y_{x_key[2:]}" in arrays:
        y_key = f"y_{x_key[2:]}"  # x_test pairs with y_test, not with a plain 'y'
    y = arrays[y_key] if y_key else None
    if arrays[x_key].ndim == 0:
        raise DataError(label, f"array '{x_key}' is a single number, not a batch of samples.")
    if y is not None and y.ndim == 0:
        raise DataError(label, f"labels '{y_key}' are a single number, not one label per sample.")
    if y is not None and len(y) != len(arrays[x_key]):
        raise DataError(label, f"has {len(arrays[x_key])} inputs in '{x_key}' but {len(y)} labels in '{y_key}'.")
    return Dataset(arrays[x_key], y, label)


def _numbered_arrays(arrays: dict[str, np.ndarray], label: str) -> Dataset | None:
    """The inputs ``x_0``, ``x_1``, ... (and labels ``y`` or ``y_0``, ``y_1``, ...) of a model with several
    inputs or outputs, or None when the archive does not number its inputs."""
    found: dict[str, dict[int, str]] = {"x": {}, "y": {}}
    for name in arrays:
        match = _NUMBERED.match(name)
        if match:
            found[match.group(1)][int(match.group(2))] = name
    if "x" in arrays:  # one input; numbered labels y_0, y_1, ... still score several outputs
        if not found["y"] or "y" in arrays or found["x"]:
            return None
    elif not found["x"]:
        return None
    for kind, numbers in found.items():
        missing = sorted(set(range(max(numbers, default=-1) + 1)) - set(numbers))
        if missing:
            raise DataError(label, f"numbers its arrays {', '.join(numbers[n] for n in sorted(numbers))} but has no "
                                   f"'{kind}_{missing[0]}'.",
                            [f"save one array per model {'input' if kind == 'x' else 'output'}, numbered from 0 "
                             "in the model's order"])
    inputs = [arrays[found["x"][n]] for n in sorted(found["x"])] if found["x"] else [arrays["x"]]
    if found["y"]:
        labels: list[np.ndarray | None] = [arrays[found["y"][n]] for n in sorted(found["y"])]
    else:
        labels = [arrays["y"]] if "y" in arrays else [None]
    for name, array in [(found["x"].get(n, "x"), a) for n, a in enumerate(inputs)] + \
            [(f"y_{n}" if found["y"] else "y", a) for n, a in enumerate(labels) if a is not None]:
        if array.ndim == 0:
            raise DataError(label, f"array '{name}' is a single number, not one entry per sample.")
    counts = {name: len(arrays[name]) for name in (*found["x"].values(), *found["y"].values(),
                                                   *(["y"] if "y" in arrays and not found["y"] else []))}
    if len(set(counts.values())) > 1:
        raise DataError(label, "holds different numbers of samples per array: "
                               + ", ".join(f"{name} {count}" for name, count in counts.items()) + ".",
                        ["every input and label array needs one entry per sample, in the same order"])
    return Dataset.of(inputs, labels, label)


def _import_callable(spec: str) -> Callable[[], Any]:
    module_name, _, attr = spec.partition(":")
    # A user's own data module usually lives next to where they run edgekit.
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise DataError(spec, f"cannot import module '{module_name}' ({exc}).", [
            "run edgekit from the folder that holds the module, or install the package that provides it",
        ]) from exc
    except Exception as exc:  # noqa: BLE001 - the user's module failed while importing (syntax, runtime)
        raise DataError(spec, f"module '{module_name}' failed to import: {type(exc).__name__}: {exc}") from exc
    func = getattr(module, attr, None)
    if not callable(func):
        raise DataError(spec, f"module '{module_name}' has no callable '{attr}'.")
    return func


def _from_callable(func: Callable[[], Any], label: str) -> Dataset:
    try:
        produced = func()
    except Exception as exc:  # noqa: BLE001 - user code; report what it raised
        raise DataError(label, f"raised {type(exc).__name__}: {exc}") from exc
    if isinstance(produced, np.ndarray):
        return Dataset(produced, None, label)
    if isinstance(produced, tuple) and len(produced) == 2 and all(hasattr(p, "__len__") for p in produced):
        return Dataset(np.asarray(produced[0]), np.asarray(produced[1]), label)
    xs, ys = [], []
    try:
        for item in produced:
            if len(xs) >= MAX_CALLABLE_SAMPLES:
                break
            if isinstance(item, (list, tuple)) and len(item) == 2:
                xs.append(np.asarray(item[0]))
                ys.append(np.asarray(item[1]))
            elif isinstance(item, (list, tuple)) and len(item) == 1:
                xs.append(np.asarray(item[0]))  # the TFLite converter's own [sample] convention
            else:
                xs.append(np.asarray(item))
    except TypeError as exc:
        raise DataError(label, "must return an array or yield samples.") from exc
    except Exception as exc:  # noqa: BLE001
        raise DataError(label, f"raised {type(exc).__name__} while yielding samples: {exc}") from exc
    if not xs:
        raise DataError(label, "yielded no samples.")
    try:
        x = np.stack(xs)
    except ValueError as exc:
        raise DataError(label, f"yielded samples of different shapes ({exc}).") from exc
    y = np.stack(ys) if ys and len(ys) == len(xs) else None
    return Dataset(x, y, label)


def _from_image_folder(folder: Path, input_shape: tuple[int, ...] | None, image_range: str) -> Dataset:
    # One image reader for folders of any size: edgekit.streaming (which streams the large ones).
    from edgekit.streaming import image_files, read_image

    files = image_files(folder, input_shape, image_range)
    x = np.stack([read_image(path, input_shape, image_range) for path, _ in files]).astype(np.float32)
    y = np.asarray([label for _, label in files], dtype=np.int64) if files[0][1] is not None else None
    log.info("read %d images from %s", len(x), folder)
    return Dataset(x, y, str(folder))


def fit_to_input(data: Dataset, input_shape: tuple[int, ...], role: str) -> Dataset:
    """Check samples against a model's single input and return them as float32 ``[N, *input_shape[1:]]``.

    Accepts samples that lack a trailing channel of 1 (``[N, 28, 28]`` for ``[1, 28, 28, 1]``) or carry
    a batch of 1 each (``[N, 1, 28, 28, 1]``).

    :param data: the loaded data.
    :param input_shape: the model input shape including the batch dimension.
    :param role: what the data is for (``"representative"``, ``"test"``, ``"training"``), for messages.
    :raises DataError: on empty data, a non-numeric dtype, NaN or infinity, or a shape that does not fit.
    """
    return fit_to_inputs(data, [input_shape], role)


def fit_to_inputs(data: Dataset, input_shapes: list[tuple[int, ...]] | tuple[tuple[int, ...], ...], role: str,
                  outputs: int | None = None) -> Dataset:
    """Check one array per model input (same order) and return them as float32 ``[N, *shape[1:]]`` each.

    Every input is checked as :func:`fit_to_input` checks a single one; all inputs (and labels) must hold
    the same number of samples, and there must be exactly one array per input.

    :param input_shapes: each input's shape, batch first, in the model's input order.
    :param outputs: the model's number of outputs, to check labels given per output (``y_0``, ``y_1``, ...).
    :raises DataError: naming the input (``x_1``) and what is wrong with it.
    """
    label = f"{data.source} ({role} data)"
    if y_is_scalar(data.y):
        raise DataError(label, "labels must hold one label per sample.")
    if len(data.inputs) != len(input_shapes):
        held = f"{len(data.inputs)} input arrays" if len(data.inputs) > 1 else "one input array"
        raise DataError(label, f"holds {held}, but the model has {len(input_shapes)} input"
                               f"{'s' if len(input_shapes) != 1 else ''}.",
                        ["save one array per input in an .npz, named x_0, x_1, ... in the model's input order "
                         "(labels y, or y_0, y_1, ... per output)" if len(input_shapes) > 1 else
                         "save the samples under 'x' (labels under 'y')"])
    several = len(input_shapes) > 1
    fitted = [_fit_array(x, tuple(shape), f"{data.source} ({role} data, input x_{i})" if several else label)
              for i, (x, shape) in enumerate(zip(data.inputs, input_shapes))]
    counts = [len(x) for x in fitted]
    if len(set(counts)) > 1:
        raise DataError(label, "its inputs hold different numbers of samples: "
                               + ", ".join(f"x_{i} {n}" for i, n in enumerate(counts)) + ".",
                        ["every input array needs one entry per sample, in the same order"])
    labels = data.labels
    if outputs is not None and len(labels) > outputs:
        raise DataError(label, f"holds labels for {len(labels)} outputs (y_0 ... y_{len(labels) - 1}), but the "
                               f"model has {outputs} output{'s' if outputs != 1 else ''}.")
    for j, y in enumerate(labels):
        if y is not None and len(y) != counts[0]:
            name = f"y_{j}" if len(labels) > 1 else "y"
            raise DataError(label, f"has {counts[0]} samples but {len(y)} labels in '{name}'.")
    return Dataset.of(fitted, labels, data.source)


def _fit_array(x: np.ndarray, input_shape: tuple[int, ...], label: str) -> np.ndarray:
    """One input's samples checked against its shape, as float32 ``[N, *input_shape[1:]]`` (float64 for
    integers too large for float32 to hold exactly)."""
    if x.dtype.kind not in "biuf":
        raise DataError(label, f"has dtype {x.dtype}; samples must be numbers (float or integer arrays).")
    if x.dtype.kind == "b":
        raise DataError(label, "is boolean; samples must be numbers.")
    if x.ndim == 0 or x.shape[0] == 0:
        raise DataError(label, "is empty: it holds no samples.")
    wanted = tuple(input_shape[1:])
    got = tuple(x.shape[1:])
    if got != wanted:
        if got + (1,) == wanted:
            x = x[..., np.newaxis]
        elif len(got) == len(wanted) + 1 and got[0] == 1 and got[1:] == wanted:
            x = x[:, 0]
        else:
            raise DataError(
                label,
                f"samples have shape {list(got)} but the model input is {list(wanted)} (batch first: "
                f"the data must be [N, {', '.join(map(str, wanted))}]).",
                ["check the preprocessing (resize, channels, flattening) that made the data"],
            )
    # float32, except whole numbers beyond float32's exact range (2**24), which an int32 input must get
    # unchanged: they stay float64
    exact = x.dtype.kind in "iu" and x.size and int(np.max(np.abs(x.astype(np.int64)))) > 2**24
    x = x.astype(np.float64 if exact else np.float32)
    bad = ~np.isfinite(x)
    if bad.any():
        samples = np.unique(np.nonzero(bad.reshape(len(x), -1))[0])
        raise DataError(
            label,
            f"contains {int(bad.sum())} NaN or infinite values in {len(samples)} samples "
            f"(first: sample {int(samples[0])}).",
            ["remove or repair those samples; calibration ranges would be meaningless"],
        )
    return x


def y_is_scalar(y: np.ndarray | None) -> bool:
    """True when labels were given as a single number instead of one per sample."""
    return y is not None and np.ndim(y) == 0


def calibration_warnings(representative: Dataset, test: Dataset | None) -> list[str]:
    """Warnings about a representative set that will calibrate the model badly.

    Few samples make the observed ranges noisy. When test data is given, its values should fall inside
    the range seen in calibration: values outside it are clipped to the int8 range, and ranges that
    differ by a large factor usually mean the two sets were normalised differently.
    """
    warnings = []
    n = len(representative)
    if n < RECOMMENDED_CALIBRATION_SAMPLES:
        warnings.append(
            f"only {n} representative samples; at least {RECOMMENDED_CALIBRATION_SAMPLES} are recommended "
            "so that calibrated ranges cover real inputs"
        )
    several = len(representative.inputs) > 1
    for i, rep_x in enumerate(representative.inputs):
        # each input is calibrated on its own range, so each is checked on its own
        where = f" of input x_{i}" if several else ""
        test_x = test.inputs[i] if test is not None and i < len(test.inputs) else None
        warnings.extend(_range_warnings(rep_x, test_x, where))
    return warnings


def _range_warnings(rep_x: np.ndarray, test_x: np.ndarray | None, where: str) -> list[str]:
    """The range warnings of :func:`calibration_warnings` for one input (``where`` names it)."""
    warnings = []
    r_lo, r_hi = float(rep_x.min()), float(rep_x.max())
    if r_hi == r_lo:
        warnings.append(f"every representative value{where} is {r_lo:.4g}; calibration cannot learn a range from that")
        return warnings
    if test_x is None:
        return warnings
    t_lo, t_hi = float(test_x.min()), float(test_x.max())
    r_span, t_span = r_hi - r_lo, t_hi - t_lo
    if r_span > 0 and t_span > 0 and max(r_span / t_span, t_span / r_span) >= 10:
        warnings.append(
            f"representative values{where} span [{r_lo:.4g}, {r_hi:.4g}] but test values span [{t_lo:.4g}, "
            f"{t_hi:.4g}]: the two sets look normalised differently (for example 0-255 against 0-1)"
        )
    elif r_span > 0:
        outside = max(r_lo - t_lo, t_hi - r_hi, 0.0) / r_span
        if outside > 0.1:
            warnings.append(
                f"test values{where} reach {outside:.0%} beyond the calibrated range [{r_lo:.4g}, {r_hi:.4g}]; "
                "those inputs will be clipped. Calibrate on data that covers what the model will see"
            )
    return warnings
