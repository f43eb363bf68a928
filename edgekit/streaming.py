"""Data of any size: sources read in batches with bounded memory, and seeded random samples of them.

Three sources are streamed rather than loaded whole:

* **TFRecord files** (``data.tfrecord``, ``.tfrecords``, ``.tfrec``, or a glob such as ``shards/*.tfrecord``)
  of ``tf.train.Example`` records: the input under ``x`` (or ``image``, ``inputs``...) as a float list of the
  sample's values or as an encoded image (PNG, JPEG...), the label under ``y`` (or ``label``...) as an
  int64 or float list;
* **tf.data datasets** returned by a ``package.module:function``: elements ``x`` or ``(x, y)``, per sample
  or already batched;
* **image folders** of any size (sub-folders are classes, in sorted order).

Calibration keeps a seeded uniform random sample of the stream (reservoir sampling, Vitter's Algorithm R:
every sample has the same chance, in one pass, holding only the sample), so ``--rep-samples N`` sees the
whole data set, not its first N files. Arrays (``.npy``, ``.npz``) are sampled the same way, so a data set
gives the same calibration set whichever way it is stored. Training data is handed to Keras as a
``tf.data`` pipeline over the stream.
"""

from __future__ import annotations

import glob
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from edgekit.datasets import IMAGE_RANGES, Dataset, fit_to_input
from edgekit.errors import DataError

log = logging.getLogger(__name__)

#: Samples decoded and checked at a time: memory stays at a few batches whatever the data set's size.
STREAM_BATCH = 256
#: Default seed of the random calibration sample (the same sample on every run and every machine).
DEFAULT_SEED = 0
#: Test data from a stream is a seeded sample of at most this many samples (scored in memory).
MAX_STREAMED_TEST_SAMPLES = 10_000

TFRECORD_SUFFIXES = (".tfrecord", ".tfrecords", ".tfrec")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
_X_FEATURES = ("x", "image", "inputs", "input", "features", "data", "image/encoded")
_Y_FEATURES = ("y", "label", "labels", "target", "image/class/label")

Batches = Iterator[tuple[np.ndarray, "np.ndarray | None"]]


@dataclass(frozen=True)
class Stream:
    """A data set read in batches: ``batches()`` starts a new pass each time it is called."""

    source: str
    batches: Callable[[], Batches]

    def first_batch(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The first batch (to probe shapes and labels before a pass)."""
        for batch in self.batches():
            return batch
        raise DataError(self.source, "holds no samples.")


# --- which sources stream -------------------------------------------------------------------------------

def tfrecord_files(source: Any) -> list[str] | None:
    """The TFRecord files ``source`` names (a file or a glob), or None when it names none."""
    if not isinstance(source, (str, Path)):
        return None
    text = str(source)
    if not text.lower().endswith(TFRECORD_SUFFIXES):
        return None
    files = sorted(glob.glob(text)) if any(c in text for c in "*?[") else [text]
    missing = [f for f in files if not Path(f).is_file()]
    if not files or missing:
        raise DataError(text, "matches no TFRecord file." if not files else f"not found: {missing[0]}.",
                        ["check the path; a glob such as 'shards/*.tfrecord' reads every shard"])
    return files


def open_stream(source: Any, input_shape: tuple[int, ...], image_range: str = "0-1", role: str = "data",
                ) -> Stream | None:
    """A :class:`Stream` over ``source`` when it is a TFRecord file or an image folder; None for every
    other source (functions are called by :func:`load_sample` / :func:`open_training`, which see what they
    return).

    Every batch is checked against the model input (:func:`edgekit.datasets.fit_to_input`).
    """
    files = tfrecord_files(source)
    if files is not None:
        return _checked(Stream(str(source), lambda: _tfrecord_batches(files, input_shape, image_range)),
                        input_shape, role)
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        folder = Path(source)
        listed = image_files(folder, input_shape, image_range)
        return _checked(Stream(str(folder), lambda: _image_batches(listed, input_shape, image_range)),
                        input_shape, role)
    return None


def _tf_data_stream(dataset: Any, label: str, input_shape: tuple[int, ...], role: str) -> Stream:
    """A checked stream over a ``tf.data.Dataset`` (a dataset can be iterated again for every pass)."""
    return _checked(Stream(label, lambda: _tf_data_batches(dataset, label, len(input_shape))), input_shape, role)


def _checked(stream: Stream, input_shape: tuple[int, ...], role: str) -> Stream:
    """The stream with every batch checked and shaped like the model input (float32)."""
    def batches() -> Batches:
        for x, y in stream.batches():
            fitted = fit_to_input(Dataset(x, y, stream.source), input_shape, role)
            yield fitted.x, fitted.y

    return Stream(stream.source, batches)


def _call_data_function(source: Any) -> tuple[Any, str] | None:
    """Call a ``module:function`` spec or a callable once: ``(what it returned, its label)``; None when
    ``source`` is neither. Called once only: a user's generator function may be slow or not repeatable."""
    from edgekit import datasets

    if isinstance(source, str) and datasets._CALLABLE_SPEC.match(source) and not Path(source).exists():
        func, label = datasets._import_callable(source), source
    elif callable(source) and not isinstance(source, (np.ndarray, Dataset)):
        func, label = source, getattr(source, "__name__", "callable")
    else:
        return None
    try:
        return func(), label
    except Exception as exc:  # noqa: BLE001 - user code; report what it raised
        raise DataError(label, f"raised {type(exc).__name__}: {exc}") from exc


def _is_tf_data(obj: Any) -> bool:
    return type(obj).__module__.startswith("tensorflow") and hasattr(obj, "element_spec")


# --- the three readers ----------------------------------------------------------------------------------

def _tf_data_batches(dataset, label: str, input_rank: int) -> Batches:
    """Numpy batches from a tf.data dataset of ``x`` or ``(x, y)`` elements, per sample or batched.

    An element with as many dimensions as the model input (batch included) is taken as a batch; one
    dimension fewer, as one sample, and samples are batched here.
    """
    spec = dataset.element_spec
    x_spec = spec[0] if isinstance(spec, tuple) else spec
    if isinstance(spec, tuple) and len(spec) not in (1, 2):
        raise DataError(label, f"yields tuples of {len(spec)}; yield x or (x, y).")
    rank = x_spec.shape.rank
    if rank == input_rank - 1:
        dataset = dataset.batch(STREAM_BATCH)
    elif rank not in (input_rank, None):
        raise DataError(label, f"yields inputs of rank {rank}; the model takes rank {input_rank} (batch first) "
                               f"or rank {input_rank - 1} per sample.")
    for element in dataset.as_numpy_iterator():
        if isinstance(element, tuple):
            yield np.asarray(element[0]), (np.asarray(element[1]) if len(element) > 1 else None)
        else:
            yield np.asarray(element), None


def _tfrecord_batches(files: list[str], input_shape: tuple[int, ...], image_range: str) -> Batches:
    """Numpy batches parsed from ``tf.train.Example`` records (the feature layout is read from the first)."""
    from edgekit.loading import import_tensorflow

    tf = import_tensorflow()
    label = files[0] if len(files) == 1 else f"{len(files)} TFRecord files"
    try:
        first = next(iter(tf.data.TFRecordDataset(files[:1]).take(1)), None)
    except Exception as exc:  # noqa: BLE001 - DataLossError for a file that is not a TFRecord
        raise DataError(files[0], f"is not a readable TFRecord file ({type(exc).__name__}).") from exc
    if first is None:
        raise DataError(label, "holds no records.")
    try:
        example = tf.train.Example.FromString(first.numpy())
    except Exception as exc:  # noqa: BLE001 - DecodeError
        raise DataError(files[0], "holds records that are not tf.train.Example protos.") from exc
    features = example.features.feature
    x_key = next((k for k in _X_FEATURES if k in features), None)
    if x_key is None:
        raise DataError(label, f"records hold no input feature (looked for {', '.join(_X_FEATURES[:3])}); they hold: "
                               f"{', '.join(sorted(features)) or 'nothing'}.",
                        ["write each sample's values as a float list under 'x', its label under 'y'"])
    y_key = next((k for k in _Y_FEATURES if k in features), None)
    sample_shape = tuple(input_shape[1:])
    low, high = IMAGE_RANGES[image_range]
    x_kind = features[x_key].WhichOneof("kind")
    spec = {}
    if x_kind == "float_list":
        spec[x_key] = tf.io.FixedLenFeature([len(features[x_key].float_list.value)], tf.float32)
    elif x_kind == "bytes_list":
        spec[x_key] = tf.io.FixedLenFeature([], tf.string)
    else:
        raise DataError(label, f"feature '{x_key}' is a {x_kind}; give the input as a float list or encoded image.")
    if y_key is not None:
        y_kind = features[y_key].WhichOneof("kind")
        values = getattr(features[y_key], y_kind).value
        dtype = tf.int64 if y_kind == "int64_list" else tf.float32
        spec[y_key] = tf.io.FixedLenFeature([] if len(values) == 1 else [len(values)], dtype)

    def parse(record):
        parsed = tf.io.parse_single_example(record, spec)
        x = parsed[x_key]
        if x_kind == "bytes_list":  # an encoded image, resized and scaled like an image folder
            height, width, channels = sample_shape if len(sample_shape) == 3 else (None, None, None)
            if channels is None:
                raise DataError(label, "holds images, but the model input is not an image [1, H, W, C].")
            image = tf.io.decode_image(x, channels=channels, expand_animations=False)
            image = tf.image.resize(tf.cast(image, tf.float32), (height, width), method="bilinear")
            x = image / 255.0 * (high - low) + low
        return (x, parsed[y_key]) if y_key is not None else (x,)

    dataset = tf.data.TFRecordDataset(files).map(parse).batch(STREAM_BATCH)
    try:
        for element in dataset.as_numpy_iterator():
            x = element[0]
            if x_kind == "float_list":
                if x.shape[1] != int(np.prod(sample_shape)):
                    raise DataError(label, f"feature '{x_key}' holds {x.shape[1]} values per sample; the model "
                                           f"input {list(sample_shape)} needs {int(np.prod(sample_shape))}.")
                x = x.reshape((len(x),) + sample_shape)
            yield x, (element[1] if y_key is not None else None)
    except tf.errors.OpError as exc:
        raise DataError(label, f"could not be read: {exc.message.splitlines()[0]}",
                        ["every record must hold the same features as the first"]) from exc


def image_files(folder: Path, input_shape: tuple[int, ...] | None, image_range: str) -> list[tuple[str, int | None]]:
    """Every image in ``folder`` (sub-folders are classes, in sorted order) as ``(path, class id or None)``,
    in a fixed order; checks that the model takes images and the range is known.

    :raises DataError: when the folder holds no images or the model input is not an image.
    """
    if input_shape is None or len(input_shape) != 4:
        raise DataError(str(folder), "a folder of images needs a model with an image input [1, H, W, C].")
    if image_range not in IMAGE_RANGES:
        raise DataError(str(folder), f"unknown image range '{image_range}'; use one of {', '.join(IMAGE_RANGES)}.")
    if input_shape[3] not in (1, 3):
        raise DataError(str(folder), f"images can fill 1 or 3 channels, but the model input has {input_shape[3]}.")
    classes = sorted(e.name for e in os.scandir(folder) if e.is_dir() and not e.name.startswith("."))
    if classes:
        listed = [(p, label) for label, c in enumerate(classes) for p in sorted(_images_in(folder / c))]
    else:
        listed = [(p, None) for p in sorted(_images_in(folder))]
    if not listed:
        raise DataError(str(folder), "holds no images (.png, .jpg, .bmp, ...).")
    return listed


def _images_in(folder: Path) -> Iterator[str]:
    # os.scandir, not Path.iterdir: a 100,000-file folder lists in a fraction of the time.
    for entry in os.scandir(folder):
        if entry.is_file() and os.path.splitext(entry.name)[1].lower() in IMAGE_SUFFIXES:
            yield entry.path


def read_image(path: str, input_shape: tuple[int, ...], image_range: str) -> np.ndarray:
    """One image file resized to the model input (bilinear) and scaled to ``image_range``, as float32 [H, W, C]."""
    from PIL import Image, UnidentifiedImageError  # only image folders need Pillow

    _, height, width, channels = input_shape
    low, high = IMAGE_RANGES[image_range]
    try:
        with Image.open(path) as img:
            img = img.convert("L" if channels == 1 else "RGB").resize((width, height), Image.BILINEAR)
            pixels = np.asarray(img, dtype=np.float32)
    except (OSError, UnidentifiedImageError) as exc:
        raise DataError(path, f"is not a readable image ({exc}).") from exc
    return pixels.reshape(height, width, channels) / 255.0 * (high - low) + low


def _image_batches(listed: list[tuple[str, int | None]], input_shape: tuple[int, ...], image_range: str) -> Batches:
    labelled = listed[0][1] is not None
    for start in range(0, len(listed), STREAM_BATCH):
        chunk = listed[start:start + STREAM_BATCH]
        x = np.stack([read_image(path, input_shape, image_range) for path, _ in chunk]).astype(np.float32)
        yield x, (np.asarray([label for _, label in chunk], dtype=np.int64) if labelled else None)


def array_batches(data: Dataset) -> Batches:
    """An in-memory data set as batches (so that arrays are sampled exactly like streams)."""
    for start in range(0, len(data), STREAM_BATCH):
        yield data.x[start:start + STREAM_BATCH], (None if data.y is None else data.y[start:start + STREAM_BATCH])


# --- sampling -------------------------------------------------------------------------------------------

def reservoir_sample(batches: Batches, size: int, seed: int = DEFAULT_SEED) -> tuple[np.ndarray, np.ndarray | None, int]:
    """A uniform random sample of ``size`` samples from a stream of batches, in one pass (Algorithm R).

    The first ``size`` samples fill the reservoir; sample ``t`` (0-based) after that replaces a random slot
    with probability ``size / (t + 1)``. The draws come from ``numpy.random.default_rng(seed)`` in stream
    order, so the same data in the same order gives the same sample on any machine. Memory: the reservoir
    and one batch.

    :returns: ``(x, y or None, samples seen)``; fewer than ``size`` samples when the stream holds fewer.
    """
    if size < 1:
        raise DataError(None, f"the sample size must be at least 1, not {size}.")
    rng = np.random.default_rng(seed)
    x_res = y_res = None
    seen = 0
    for x, y in batches:
        if x_res is None:
            x_res = np.empty((size,) + x.shape[1:], dtype=x.dtype)
            y_res = None if y is None else np.empty((size,) + y.shape[1:], dtype=y.dtype)
        n = len(x)
        fill = max(0, min(size - seen, n))
        if fill:
            x_res[seen:seen + fill] = x[:fill]
            if y_res is not None:
                y_res[seen:seen + fill] = y[:fill]
        if n > fill:
            # one draw per later sample, in order: slot j in [0, t] is kept only when j < size
            positions = np.arange(seen + fill, seen + n)
            slots = rng.integers(0, positions + 1)
            for i in np.nonzero(slots < size)[0]:  # later replacements of a slot win, as in Algorithm R
                x_res[slots[i]] = x[fill + i]
                if y_res is not None:
                    y_res[slots[i]] = y[fill + i]
        seen += n
    if x_res is None or seen == 0:
        raise DataError(None, "the data holds no samples.")
    kept = min(size, seen)
    return x_res[:kept], (None if y_res is None else y_res[:kept]), seen


def load_sample(source: Any, input_shape: tuple[int, ...], size: int | None, seed: int = DEFAULT_SEED,
                image_range: str = "0-1", role: str = "representative", sample_arrays: bool = True) -> Dataset:
    """``source`` as a :class:`Dataset` of at most ``size`` samples: a seeded random sample (one pass, see
    :func:`reservoir_sample`) of a stream, a tf.data function or, with ``sample_arrays``, of in-memory
    arrays; any other source is loaded whole by :func:`edgekit.datasets.load_dataset`.

    :param size: samples to keep; None keeps every sample of an in-memory source (streams need a size).
    """
    opened = _open(source, input_shape, image_range, role)
    if isinstance(opened, Dataset):
        return sample_loaded(opened, size, seed) if sample_arrays and size is not None else opened
    x, y, seen = reservoir_sample(opened.batches(), size or MAX_STREAMED_TEST_SAMPLES, seed)
    if size is None and seen > len(x):
        log.warning("%s data: scored on a random %d of its %d samples", role, len(x), seen)
    log.info("%s data: %d of %d samples of %s (seed %d)", role, len(x), seen, opened.source, seed)
    return Dataset(x, y, opened.source)


def sample_loaded(data: Dataset, size: int, seed: int = DEFAULT_SEED) -> Dataset:
    """The same seeded sample of an in-memory data set as :func:`load_sample` takes of a stream, of every
    input and label array alike (a model with several inputs keeps its samples whole)."""
    if len(data) <= size:
        return data
    # The reservoir's draws depend only on sample positions, so sampling the positions picks exactly the
    # samples a stream of the same data would give, and one choice serves every array.
    positions = Dataset(np.arange(len(data)), None, data.source)
    chosen, _, _ = reservoir_sample(array_batches(positions), size, seed)
    labels = tuple(None if y is None else y[chosen] for y in data.labels)
    return Dataset.of(tuple(x[chosen] for x in data.inputs), labels, data.source)


def open_training(source: Any, input_shape: tuple[int, ...], image_range: str = "0-1"):
    """Training data: a :class:`Stream` for TFRecords, image folders and tf.data functions (read in batches
    every epoch), else the whole :class:`Dataset` in memory, checked against the model input."""
    opened = _open(source, input_shape, image_range, "training")
    return opened if isinstance(opened, Stream) else fit_to_input(opened, input_shape, "training")


def _open(source: Any, input_shape: tuple[int, ...], image_range: str, role: str) -> Stream | Dataset:
    """A :class:`Stream` for the sources that stream (a function's tf.data dataset included), else the
    source loaded whole by :func:`edgekit.datasets.load_dataset` (a function is called only once)."""
    from edgekit import datasets

    stream = open_stream(source, input_shape, image_range, role)
    if stream is not None:
        return stream
    called = _call_data_function(source)
    if called is not None and _is_tf_data(called[0]):
        return _tf_data_stream(called[0], called[1], input_shape, role)
    if called is not None:
        produced, label = called
        source = datasets._from_callable(lambda: produced, label)
    return datasets.load_dataset(source, input_shape=input_shape, image_range=image_range)
