"""QAT trains on a TFRecord stream (read in batches every epoch) and scores on a tf.data function's samples."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.quantization import quantize

pytestmark = pytest.mark.tf

TF_DATA_MODULE = '''
import numpy as np
import tensorflow as tf


def test_split():
    """Labelled test samples, batched, as a tf.data pipeline."""
    with np.load("test.npz") as data:
        return tf.data.Dataset.from_tensor_slices((data["x"], data["y"])).batch(100)
'''


def test_qat_trains_on_a_tfrecord_stream_and_scores_a_tf_data_function(tmp_path):
    from edgekit.qat import prefer_legacy_keras

    prefer_legacy_keras()
    from edgekit.loading import import_tensorflow

    tf = import_tensorflow()
    import keras

    rng = np.random.default_rng(1)
    centres = rng.normal(0, 1.5, size=(3, 8))
    y = rng.integers(0, 3, size=3000)
    x = (centres[y] + rng.normal(0, 1.0, size=(3000, 8))).astype(np.float32)
    np.savez(tmp_path / "test.npz", x=x[2000:], y=y[2000:])
    with tf.io.TFRecordWriter(str(tmp_path / "train.tfrecord")) as writer:
        for sample, label in zip(x[:2000], y[:2000]):
            features = {"x": tf.train.Feature(float_list=tf.train.FloatList(value=sample)),
                        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)]))}
            writer.write(tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString())
    (tmp_path / "tfdata_test.py").write_text(TF_DATA_MODULE)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])  # untrained: QAT must learn the task
    model.save(tmp_path / "blobs.keras")

    result = quantize(str(tmp_path / "blobs.keras"), str(tmp_path / "train.tfrecord"), qat=True,
                      train_data=str(tmp_path / "train.tfrecord"), test_data="tfdata_test:test_split", epochs=4,
                      learning_rate=1e-2, layer_errors=False)
    report = result.report
    assert report.test_samples == 1000
    assert report.calibration_samples == 1000  # a sample of the 2,000 records
    assert report.metric.float_model < 0.8  # the float model was never trained
    assert report.metric.int8_tflite > 0.9, report.metric
