"""Data of any size: calibration from a 20,000-image folder in bounded memory, and TFRecord, tf.data and
arrays holding the same samples give byte-identical int8 models."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from edgekit.quantization import quantize

pytestmark = pytest.mark.tf

INPUT = (32, 32, 3)
#: Decoding 20,000 32x32 RGB images whole would hold 20,000 x 12 KB = 245 MB of float32 (twice that while
#: numpy stacks them); a stream holds a few 256-image batches and the 1000-sample reservoir (12 MB).
STREAMING_OVERHEAD_BOUND_MB = 80

# Runs a command and prints the peak RSS of the largest process in its tree (getrusage of the waited-for
# children: the edgekit process and its TFLM child), in a fresh process so that no earlier child counts.
_PEAK_RSS = textwrap.dedent("""
    import resource, subprocess, sys
    code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if code.returncode:
        sys.exit(code.stderr[-3000:])
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
""")


@pytest.fixture(scope="module")
def small_cnn(tmp_path_factory) -> Path:
    from edgekit.loading import import_tensorflow

    import_tensorflow()
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(INPUT),
        keras.layers.Conv2D(8, 3, strides=2, activation="relu"),
        keras.layers.Conv2D(16, 3, strides=2, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(4, activation="softmax"),
    ])
    path = tmp_path_factory.mktemp("cnn") / "cnn.keras"
    model.save(path)
    return path


def _image_folder(folder: Path, count: int, seed: int) -> Path:
    from PIL import Image

    rng = np.random.default_rng(seed)
    folder.mkdir()
    for i in range(count):
        # smooth gradients plus noise: realistic PNG sizes, and values that differ from image to image
        base = np.linspace(0, 255, 32, dtype=np.float32)[None, :, None] * rng.uniform(0.2, 1.0, size=(1, 1, 3))
        pixels = np.clip(base + rng.normal(0, 20, size=INPUT), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"img{i:05d}.png", compress_level=1)
    return folder


def _peak_rss_mb(model: Path, folder: Path, out: Path) -> float:
    command = [sys.executable, "-m", "edgekit", "quantize", str(model), "--rep-data", str(folder), "--rep-samples",
               "1000", "--no-layer-report", "-o", str(out)]
    result = subprocess.run([sys.executable, "-c", _PEAK_RSS, *command], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    assert out.exists()
    return int(result.stdout.strip()) / 1024


def test_calibration_from_a_20000_image_folder_stays_within_a_memory_bound(small_cnn, tmp_path):
    small = _image_folder(tmp_path / "small", 300, seed=1)
    large = _image_folder(tmp_path / "large", 20_000, seed=2)
    small_peak = _peak_rss_mb(small_cnn, small, tmp_path / "small.tflite")
    large_peak = _peak_rss_mb(small_cnn, large, tmp_path / "large.tflite")
    print(f"\npeak RSS: {small_peak:.0f} MB from 300 images, {large_peak:.0f} MB from 20,000 images")
    assert large_peak - small_peak < STREAMING_OVERHEAD_BOUND_MB, (small_peak, large_peak)
    assert large_peak < 2048
    report = json.loads((tmp_path / "large.quant.json").read_text())
    assert report["calibration_samples"] == 1000


TF_DATA_MODULE = '''
import numpy as np
import tensorflow as tf


def samples():
    """The same samples as the test's TFRecord file, as a tf.data pipeline (per sample, with labels)."""
    with np.load("arrays.npz") as data:
        x, y = data["x"], data["y"]
    return tf.data.Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a * 1.0, b))
'''


def test_tfrecord_tf_data_and_arrays_give_identical_int8_bytes(small_cnn, tmp_path):
    import tensorflow as tf

    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, size=(1500,) + INPUT).astype(np.float32)
    x[rng.random(1500) < 0.05] *= 3.0  # a few outliers, so which samples are drawn changes the scales
    y = rng.integers(0, 4, size=1500)
    np.savez(tmp_path / "arrays.npz", x=x, y=y)
    with tf.io.TFRecordWriter(str(tmp_path / "data.tfrecord")) as writer:
        for sample, label in zip(x, y):
            features = {"x": tf.train.Feature(float_list=tf.train.FloatList(value=sample.ravel())),
                        "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)]))}
            writer.write(tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString())
    (tmp_path / "tfdata_source.py").write_text(TF_DATA_MODULE)

    def int8(source: str, seed: int = 0) -> bytes:
        return quantize(str(small_cnn), source, rep_samples=400, seed=seed, layer_errors=False).tflite

    from_tfrecord = int8(str(tmp_path / "data.tfrecord"))
    assert from_tfrecord == int8("tfdata_source:samples")
    assert from_tfrecord == int8(str(tmp_path / "arrays.npz"))
    # the sample is drawn at random: another seed draws other samples, hence other scales
    assert from_tfrecord != int8(str(tmp_path / "data.tfrecord"), seed=1)
