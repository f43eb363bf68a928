"""Single-operator SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM models with their state in variable tensors, built
with :class:`tests.opmodels.Builder`, and a helper that exposes a model's intermediate tensors as outputs
(so a test compares every layer, not only a saturated final softmax)."""

from __future__ import annotations

import math

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tests.opmodels import Builder

#: rms of a random int8 value over the whole range, for scales that keep products off the rails.
_RMS8 = 74.0


def svdf_model(rng, batches: int, input_size: int, units: int, rank: int, memory: int, state_type: str) -> bytes:
    """SVDF with int8 input and features, int8 or int16 time weights and state (a variable tensor), int32
    bias and int8 output; scales chosen so the state and the output use a good part of their range."""
    b = Builder()
    filters = units * rank
    state_max = 127 if state_type == "int8" else 32767
    s_in, zp_in = float(rng.uniform(0.005, 0.05)), int(rng.integers(-30, 30))
    s_wf = float(rng.uniform(0.002, 0.02))
    # a feature dot product has an rms near RMS8^2 sqrt(n); put it at a third of the state's range
    s_state = s_in * s_wf * _RMS8 * _RMS8 * math.sqrt(input_size) / (state_max / 3)
    zp_state = int(rng.integers(-10, 10)) if state_type == "int8" else 0
    s_wt = float(rng.uniform(0.001, 0.01))
    time_dot = (state_max / 3) * (state_max / 2) * math.sqrt(memory * rank)
    s_out, zp_out = s_state * s_wt * time_dot / 60, int(rng.integers(-20, 20))
    x = b.tensor([batches, input_size], "int8", s_in, zp_in)
    features = b.tensor([filters, input_size], "int8", s_wf, 0,
                        rng.integers(-127, 128, (filters, input_size), dtype=np.int8))
    dtype = np.int8 if state_type == "int8" else np.int16
    times = b.tensor([filters, memory], state_type, s_wt, 0,
                     rng.integers(-state_max, state_max + 1, (filters, memory)).astype(dtype))
    bias = b.tensor([units], "int32", s_state * s_wt, 0,
                    rng.integers(-int(time_dot), int(time_dot) + 1, units).astype(np.int32))
    state = b.tensor([batches, filters * memory], state_type, s_state, zp_state, variable=True)
    y = b.tensor([batches, units], "int8", s_out, zp_out)
    options = schema.SVDFOptionsT()
    options.rank = rank
    options.fusedActivationFunction = int(rng.integers(0, 2))  # TFLM's integer path ignores it
    b.operator(schema.BuiltinOperator.SVDF, [x, features, times, bias, state], [y],
               schema.BuiltinOptions.SVDFOptions, options, 4)
    return b.finish([x], [y])


def lstm_model(rng, batches: int, steps: int, input_size: int, state_size: int, time_major: bool,
               cell_clip: float, cell_power: int) -> bytes:
    """UNIDIRECTIONAL_SEQUENCE_LSTM as the TFLite converter writes an int8 one: int8 input, four gates'
    int8 input and recurrent weights, int32 biases, an int8 hidden state and an int16 cell state with
    scale 2^cell_power (both variable), int8 output; scales chosen so the gates' Q3.12 sums spread over a
    few units."""
    b = Builder()
    s_in, zp_in = float(rng.uniform(0.004, 0.04)), int(rng.integers(-30, 30))
    s_hidden, zp_hidden = float(rng.uniform(0.004, 0.012)), int(rng.integers(-10, 10))
    shape = [steps, batches, input_size] if time_major else [batches, steps, input_size]
    x = b.tensor(shape, "int8", s_in, zp_in)
    inputs = [x] + [-1] * 23
    for gate in range(4):  # input, forget, cell, output gate
        # a dot product has an rms near RMS8^2 sqrt(n); aim it at about 2.0 in Q3.12 (real units)
        s_w = 2.0 / (_RMS8 * _RMS8 * math.sqrt(input_size) * s_in)
        s_r = 1.0 / (_RMS8 * _RMS8 * math.sqrt(state_size) * s_hidden)
        inputs[1 + gate] = b.tensor([state_size, input_size], "int8", s_w, 0,
                                    rng.integers(-127, 128, (state_size, input_size), dtype=np.int8))
        inputs[5 + gate] = b.tensor([state_size, state_size], "int8", s_r, 0,
                                    rng.integers(-127, 128, (state_size, state_size), dtype=np.int8))
        bias_scale = s_in * s_w
        inputs[12 + gate] = b.tensor([state_size], "int32", bias_scale, 0,
                                     rng.integers(-int(1.0 / bias_scale), int(1.0 / bias_scale) + 1,
                                                  state_size).astype(np.int32))
    inputs[18] = b.tensor([batches, state_size], "int8", s_hidden, zp_hidden, variable=True)
    inputs[19] = b.tensor([batches, state_size], "int16", 2.0 ** cell_power, 0, variable=True)
    y = b.tensor([*shape[:2], state_size], "int8", s_hidden, zp_hidden)
    options = schema.UnidirectionalSequenceLSTMOptionsT()
    options.fusedActivationFunction = 4  # TANH for the cell gate (the schema's only choice TFLM runs)
    options.cellClip = float(cell_clip)
    options.timeMajor = bool(time_major)
    b.operator(schema.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM, inputs, [y],
               schema.BuiltinOptions.UnidirectionalSequenceLSTMOptions, options, 3)
    return b.finish([x], [y])


def with_outputs(model: bytes, outputs) -> bytes:
    """``model`` with the tensors ``outputs`` as its graph outputs (intermediate tensors included)."""
    tree = schema.ModelT.InitFromObj(schema.Model.GetRootAs(model, 0))
    tree.subgraphs[0].outputs = list(outputs)
    builder = flatbuffers.Builder(len(model) + 1024)
    builder.Finish(tree.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())
