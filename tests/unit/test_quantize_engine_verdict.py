"""The engine quantize's report names is the one the runtime's code generator allows, as in `edgekit check`."""

from __future__ import annotations

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from edgekit.quantization import engine_for
from edgekit.reader import read_model
from tests import opmodels


def test_an_op_the_runtime_has_with_parameters_it_refuses_stays_on_tflm():
    # ADD is a runtime op; fused TANH on it is not (TFLite allows it, the runtime's kernels do not).
    model = opmodels.add_model(np.random.default_rng(0), [1, 8], False, schema.ActivationFunctionType.TANH)
    verdict = engine_for("int8", model, read_model(model))
    assert verdict.startswith("TFLM (edgekit's runtime: ") and "TANH" in verdict, verdict


def test_a_model_the_runtime_generates_runs_on_either_engine():
    model = opmodels.add_model(np.random.default_rng(0), [1, 8], False, schema.ActivationFunctionType.RELU)
    assert engine_for("int8", model, read_model(model)) == "TFLM or edgekit's runtime"
    assert engine_for("int16", model, read_model(model)).startswith("TFLM (")
