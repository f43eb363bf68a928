"""Layers that TensorFlow lowers to ops TFLM lacks are rewritten before conversion, outputs checked equal."""

from __future__ import annotations

import numpy as np
import pytest

from tests.integration.quantize_models import conv_batchnorm, digits_8x8

pytestmark = pytest.mark.tf


def test_upsampling2d_rewrite_keeps_float_outputs_equal(tmp_path):
    import keras

    from edgekit.rewrites import rewrite_for_tflm

    keras.utils.set_random_seed(1)
    inputs = keras.Input((5, 7, 3))
    hidden = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    up = keras.layers.UpSampling2D((2, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(2, 1)(up(hidden)))
    probe = np.random.default_rng(0).normal(size=(4, 5, 7, 3)).astype(np.float32)

    rewritten, done, warnings = rewrite_for_tflm(model, probe)

    assert done == [f"UpSampling2D '{up.name}' -> Resizing(10, 21, nearest)"] and warnings == []
    assert [type(layer).__name__ for layer in rewritten.layers].count("Resizing") == 1
    assert np.array_equal(np.asarray(model(probe)), np.asarray(rewritten(probe)))


def test_bilinear_upsampling_is_left_alone(tmp_path):
    import keras

    from edgekit.rewrites import rewrite_for_tflm

    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.UpSampling2D(interpolation="bilinear")])
    rewritten, done, _ = rewrite_for_tflm(model, np.zeros((1, 4, 4, 1), np.float32))
    assert rewritten is model and done == []


@pytest.mark.slow
def test_an_upsampling2d_model_converts_and_runs_on_tflm(tmp_path):
    from edgekit.quantization import quantize

    model = conv_batchnorm(tmp_path, upsample=True)
    result = quantize(str(model), str(tmp_path / "calib.npz"), test_data=str(tmp_path / "test.npz"), layer_errors=False)

    assert "RESIZE_NEAREST_NEIGHBOR" in result.info.ops and "TILE" not in result.info.ops
    [rewrite] = result.report.extra["rewrites"]  # Keras numbers layer names per session: match the rest
    assert rewrite.startswith("UpSampling2D 'up_sampling2d") and rewrite.endswith("-> Resizing(16, 16, nearest)")
    metric = result.report.metric
    assert metric.int8_tflm is not None and metric.int8_tflm >= metric.float_model - 0.02, metric
    assert result.report.tflite_tflm_agreement >= 0.99
    assert len(digits_8x8()[0]) - 1200 == result.report.test_samples
