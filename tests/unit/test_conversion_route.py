"""Which in-memory Keras models may travel to the conversion child through a .keras file."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.tf


def test_a_layer_class_of_the_callers_keeps_the_model_in_process():
    from edgekit.loading import import_tensorflow

    import_tensorflow()
    import keras

    from edgekit.quantization import _keras_layers_only

    class Doubling(keras.layers.Layer):  # defined here: a child process could not import it
        def call(self, x):
            return x * 2

    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    inner = keras.Sequential([keras.Input((4,)), Doubling()])
    nested = keras.Sequential([keras.Input((4,)), inner, keras.layers.Dense(3)])
    assert _keras_layers_only(plain)
    assert not _keras_layers_only(keras.Sequential([keras.Input((4,)), Doubling(), keras.layers.Dense(3)]))
    assert not _keras_layers_only(nested)  # found inside a nested model too
