"""Single-operator int8 .tflite models built directly with the flatbuffer schema (no TensorFlow), for
property tests of the edgekit runtime against the tflite-micro interpreter."""

from __future__ import annotations

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

SAME, VALID = 0, 1
ACTIVATIONS = (0, 1, 2, 3)  # NONE, RELU, RELU_N1_TO_1, RELU6


class Builder:
    """A one-subgraph model built tensor by tensor and operator by operator (the schema's object API)."""

    def __init__(self) -> None:
        self.model = schema.ModelT()
        self.model.version = 3
        self.model.buffers = [schema.BufferT()]  # buffer 0 is the empty sentinel
        self.model.operatorCodes = []
        self.graph = schema.SubGraphT()
        self.graph.tensors, self.graph.operators = [], []
        self.model.subgraphs = [self.graph]

    def tensor(self, shape, dtype, scales=None, zero_points=None, data=None, axis=0, variable=False) -> int:
        """Adds a tensor (a constant when ``data`` is given; a persistent state when ``variable``); returns
        its index."""
        tensor = schema.TensorT()
        tensor.isVariable = bool(variable)
        tensor.shape = list(shape)
        tensor.type = getattr(schema.TensorType, dtype.upper())  # int8, int16, int32, int64, float32, bool, ...
        tensor.name = f"t{len(self.graph.tensors)}".encode()
        if scales is not None:
            q = schema.QuantizationParametersT()
            q.scale = [float(s) for s in np.atleast_1d(scales)]
            q.zeroPoint = [int(z) for z in np.atleast_1d(zero_points if zero_points is not None else 0)]
            q.quantizedDimension = axis
            tensor.quantization = q
        tensor.buffer = 0
        if data is not None:
            buffer = schema.BufferT()
            buffer.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), dtype=np.uint8)
            self.model.buffers.append(buffer)
            tensor.buffer = len(self.model.buffers) - 1
        self.graph.tensors.append(tensor)
        return len(self.graph.tensors) - 1

    def operator(self, code: int, inputs, outputs, options_type: int = 0, options=None, version: int = 1) -> None:
        """Adds an operator with builtin ``code`` (``schema.BuiltinOperator``) and its options object."""
        op_code = schema.OperatorCodeT()
        op_code.builtinCode = code
        op_code.deprecatedBuiltinCode = min(code, 127)
        op_code.version = version
        self.model.operatorCodes.append(op_code)
        op = schema.OperatorT()
        op.opcodeIndex = len(self.model.operatorCodes) - 1
        op.inputs, op.outputs = list(inputs), list(outputs)
        op.builtinOptionsType, op.builtinOptions = options_type, options
        self.graph.operators.append(op)

    def convolution(self, inputs, output: int, depthwise: bool, depth_multiplier: int = 1, padding: int = 0,
                    stride: int = 1, dilation: int = 1, activation: int = 0) -> None:
        """Adds a CONV_2D (a DEPTHWISE_CONV_2D when ``depthwise``) of ``inputs`` (input, filter[, bias]) with
        the same stride and dilation along both axes."""
        if depthwise:
            options = schema.DepthwiseConv2DOptionsT()
            options.depthMultiplier = depth_multiplier
            code, kind = schema.BuiltinOperator.DEPTHWISE_CONV_2D, schema.BuiltinOptions.DepthwiseConv2DOptions
        else:
            options = schema.Conv2DOptionsT()
            code, kind = schema.BuiltinOperator.CONV_2D, schema.BuiltinOptions.Conv2DOptions
        options.padding, options.strideH, options.strideW = padding, stride, stride
        options.dilationHFactor, options.dilationWFactor, options.fusedActivationFunction = dilation, dilation, activation
        self.operator(code, list(inputs), [output], kind, options, 3)

    def pool(self, x: int, y: int, average: bool, k_h: int, k_w: int, stride: int, padding: int,
             activation: int = 0) -> None:
        """Adds an AVERAGE_POOL_2D (or MAX_POOL_2D) of ``x`` into ``y``, the same stride along both axes."""
        options = schema.Pool2DOptionsT()
        options.padding, options.strideH, options.strideW = padding, stride, stride
        options.filterHeight, options.filterWidth, options.fusedActivationFunction = k_h, k_w, activation
        code = schema.BuiltinOperator.AVERAGE_POOL_2D if average else schema.BuiltinOperator.MAX_POOL_2D
        self.operator(code, [x], [y], schema.BuiltinOptions.Pool2DOptions, options, 2)

    def finish(self, inputs, outputs) -> bytes:
        """The model's flatbuffer, with ``inputs`` and ``outputs`` as the graph's I/O tensors."""
        self.graph.inputs, self.graph.outputs = list(inputs), list(outputs)
        builder = flatbuffers.Builder(1024)
        builder.Finish(self.model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())


def _out_size(size: int, kernel: int, stride: int, dilation: int, padding: int) -> int:
    effective = (kernel - 1) * dilation + 1
    return (size + stride - 1) // stride if padding == SAME else (size - effective + stride) // stride


def conv_model(rng, depthwise: bool, h: int, w: int, c: int, kh: int, kw: int, stride: int, dilation: int,
               padding: int, activation: int, out_c: int = 1, depth_multiplier: int = 1,
               spread: float | None = None, batch: int = 1) -> bytes:
    """CONV_2D or DEPTHWISE_CONV_2D of ``batch`` images with per-channel int8 weights (uniform over int8, or
    normal with standard deviation ``spread``, as a trained layer's) and int32 bias."""
    b = Builder()
    oh, ow = _out_size(h, kh, stride, dilation, padding), _out_size(w, kw, stride, dilation, padding)
    channels = c * depth_multiplier if depthwise else out_c
    s_in, zp_in = float(rng.uniform(0.005, 0.05)), int(rng.integers(-20, 20))
    s_w = rng.uniform(0.001, 0.02, channels)
    s_out, zp_out = float(rng.uniform(0.02, 0.2)), int(rng.integers(-10, 10))
    x = b.tensor([batch, h, w, c], "int8", s_in, zp_in)
    shape = [1, kh, kw, channels] if depthwise else [channels, kh, kw, c]
    values = rng.integers(-127, 128, shape, dtype=np.int8) if spread is None else \
        np.clip(np.round(rng.normal(0, spread, shape)), -127, 127).astype(np.int8)
    weights = b.tensor(shape, "int8", s_w, np.zeros(channels), values, axis=3 if depthwise else 0)
    bias = b.tensor([channels], "int32", s_in * s_w, np.zeros(channels),
                    rng.integers(-2000, 2000, channels).astype(np.int32))
    y = b.tensor([batch, oh, ow, channels], "int8", s_out, zp_out)
    b.convolution([x, weights, bias], y, depthwise, depth_multiplier, padding, stride, dilation, activation)
    return b.finish([x], [y])


def fc_model(rng, batches: int, depth: int, units: int, activation: int, spread: float | None = None,
             drift: float | None = None, lead_depth: int = 0) -> bytes:
    """FULLY_CONNECTED with per-tensor int8 weights and int32 bias: uniform over int8, or normal with standard
    deviation ``spread`` per row times 0.5 to 2 (as a trained layer's, which packs in fewer bits), or with
    ``drift`` each row the one before plus normal steps of that deviation (neighbouring units alike, as a
    decoder's output bins: delta blocks). ``lead_depth``: another FULLY_CONNECTED before it, from that many
    inputs, with narrow trained-like weights (a model with enough weights for packing to pay for its
    kernel)."""
    b = Builder()
    s_in, zp_in = float(rng.uniform(0.005, 0.05)), int(rng.integers(-20, 20))
    scales = float(rng.uniform(0.001, 0.02)), float(rng.uniform(0.05, 0.3)), int(rng.integers(-10, 10))
    x = inputs = b.tensor([batches, lead_depth or depth], "int8", s_in, zp_in)
    if lead_depth:
        lead = float(rng.uniform(0.001, 0.02)), s_in, zp_in  # its output: the layer's input
        x = _fc_layer(b, rng, inputs, s_in, lead, batches, _trained_rows(rng, depth, lead_depth, 3), 0)
    if drift is not None:
        rows = np.cumsum(rng.normal(0, drift, (units, depth)), axis=0) + rng.normal(0, 30, (1, depth))
        values = np.clip(np.round(rows), -127, 127).astype(np.int8)
    elif spread is None:
        values = rng.integers(-127, 128, (units, depth), dtype=np.int8)
    else:
        values = _trained_rows(rng, units, depth, spread)
    y = _fc_layer(b, rng, x, s_in, scales, batches, values, activation)
    return b.finish([inputs], [y])


def _trained_rows(rng, units: int, depth: int, spread: float) -> np.ndarray:
    """int8 rows normal with standard deviation ``spread`` times 0.5 to 2 per row."""
    rows = rng.normal(0, 1, (units, depth)) * spread * rng.uniform(0.5, 2, (units, 1))
    return np.clip(np.round(rows), -127, 127).astype(np.int8)


def _fc_layer(b: Builder, rng, x: int, s_in: float, scales: tuple, batches: int, values: np.ndarray,
              activation: int) -> int:
    """A FULLY_CONNECTED of ``values`` [units][depth] over ``x`` (input scale ``s_in``; ``scales``: the
    weights' scale, the output's scale and zero point) with a random bias; returns its output tensor."""
    units = values.shape[0]
    s_w, s_out, zp_out = scales
    weights = b.tensor(list(values.shape), "int8", s_w, 0, values)
    bias = b.tensor([units], "int32", s_in * s_w, 0, rng.integers(-2000, 2000, units).astype(np.int32))
    y = b.tensor([batches, units], "int8", s_out, zp_out)
    options = schema.FullyConnectedOptionsT()
    options.fusedActivationFunction = activation
    b.operator(schema.BuiltinOperator.FULLY_CONNECTED, [x, weights, bias], [y],
               schema.BuiltinOptions.FullyConnectedOptions, options, 4)
    return y


def pool_model(rng, average: bool, h: int, w: int, c: int, kh: int, kw: int, stride: int, padding: int,
               activation: int, batch: int = 1, output_zero_point: int | None = None) -> bytes:
    """AVERAGE_POOL_2D or MAX_POOL_2D of ``batch`` images (input and output share scale and zero point, as
    TFLM requires, unless ``output_zero_point`` says otherwise)."""
    b = Builder()
    scale, zp = float(rng.uniform(0.01, 0.1)), int(rng.integers(-20, 20))
    oh, ow = _out_size(h, kh, stride, 1, padding), _out_size(w, kw, stride, 1, padding)
    x = b.tensor([batch, h, w, c], "int8", scale, zp)
    y = b.tensor([batch, oh, ow, c], "int8", scale, zp if output_zero_point is None else output_zero_point)
    b.pool(x, y, average, kh, kw, stride, padding, activation)
    return b.finish([x], [y])


def softmax_model(rng, rows: int, depth: int, beta: float) -> bytes:
    """SOFTMAX int8 -> int8 (output scale 1/256, zero point -128)."""
    b = Builder()
    x = b.tensor([rows, depth], "int8", float(rng.uniform(0.01, 0.3)), int(rng.integers(-20, 20)))
    y = b.tensor([rows, depth], "int8", 1.0 / 256, -128)
    options = schema.SoftmaxOptionsT()
    options.beta = beta
    b.operator(schema.BuiltinOperator.SOFTMAX, [x], [y], schema.BuiltinOptions.SoftmaxOptions, options, 2)
    return b.finish([x], [y])


def add_model(rng, shape, broadcast_scalar: bool, activation: int) -> bytes:
    """ADD of two int8 tensors (the second one a constant scalar when broadcasting)."""
    b = Builder()
    x = b.tensor(shape, "int8", float(rng.uniform(0.01, 0.1)), int(rng.integers(-20, 20)))
    if broadcast_scalar:
        other = b.tensor([1], "int8", float(rng.uniform(0.01, 0.1)), int(rng.integers(-20, 20)),
                         rng.integers(-128, 128, 1, dtype=np.int8))
    else:
        other = b.tensor(shape, "int8", float(rng.uniform(0.01, 0.1)), int(rng.integers(-20, 20)),
                         rng.integers(-128, 128, shape, dtype=np.int8))
    y = b.tensor(shape, "int8", float(rng.uniform(0.02, 0.2)), int(rng.integers(-20, 20)))
    options = schema.AddOptionsT()
    options.fusedActivationFunction = activation
    b.operator(schema.BuiltinOperator.ADD, [x, other], [y], schema.BuiltinOptions.AddOptions, options, 2)
    return b.finish([x], [y])


def mul_model(rng, shape, broadcast_scalar: bool, activation: int) -> bytes:
    """MUL of two int8 tensors (the second one a constant, a scalar when broadcasting)."""
    b = Builder()
    x = b.tensor(shape, "int8", float(rng.uniform(0.01, 0.1)), int(rng.integers(-20, 20)))
    other_shape = [1] if broadcast_scalar else shape
    other = b.tensor(other_shape, "int8", float(rng.uniform(0.01, 0.1)), int(rng.integers(-20, 20)),
                     rng.integers(-128, 128, other_shape, dtype=np.int8))
    y = b.tensor(shape, "int8", float(rng.uniform(0.001, 0.02)), int(rng.integers(-20, 20)))
    options = schema.MulOptionsT()
    options.fusedActivationFunction = activation
    b.operator(schema.BuiltinOperator.MUL, [x, other], [y], schema.BuiltinOptions.MulOptions, options, 2)
    return b.finish([x], [y])


def pad_model(rng, shape, paddings) -> bytes:
    """PAD of an int8 tensor with constant paddings; int8 pads with the output zero point."""
    b = Builder()
    scale, zp = float(rng.uniform(0.01, 0.1)), int(rng.integers(-20, 20))
    x = b.tensor(shape, "int8", scale, zp)
    pads = b.tensor([len(shape), 2], "int32", data=np.asarray(paddings, dtype=np.int32))
    out_shape = [d + lo + hi for d, (lo, hi) in zip(shape, paddings)]
    y = b.tensor(out_shape, "int8", scale, zp)
    b.operator(schema.BuiltinOperator.PAD, [x, pads], [y], schema.BuiltinOptions.PadOptions, schema.PadOptionsT(), 2)
    return b.finish([x], [y])


def concat_model(rng, shape, axis: int, others: int) -> bytes:
    """CONCATENATION of the input with constant int8 tensors along ``axis`` (all share one quantization)."""
    b = Builder()
    scale, zp = float(rng.uniform(0.01, 0.1)), int(rng.integers(-20, 20))
    x = b.tensor(shape, "int8", scale, zp)
    inputs, total = [x], shape[axis]
    for _ in range(others):
        part = list(shape)
        part[axis] = int(rng.integers(1, 4))
        total += part[axis]
        inputs.append(b.tensor(part, "int8", scale, zp, rng.integers(-128, 128, part, dtype=np.int8)))
    out_shape = list(shape)
    out_shape[axis] = total
    y = b.tensor(out_shape, "int8", scale, zp)
    options = schema.ConcatenationOptionsT()
    options.axis = axis
    b.operator(schema.BuiltinOperator.CONCATENATION, inputs, [y], schema.BuiltinOptions.ConcatenationOptions,
               options, 3)
    return b.finish([x], [y])


def activation_model(rng, kind: str, size: int) -> bytes:
    """LOGISTIC or TANH on int8, with the output quantization the converter gives them."""
    b = Builder()
    x = b.tensor([1, size], "int8", float(rng.uniform(0.005, 0.2)), int(rng.integers(-40, 40)))
    if kind == "LOGISTIC":
        y = b.tensor([1, size], "int8", 1.0 / 256, -128)
        b.operator(schema.BuiltinOperator.LOGISTIC, [x], [y], 0, None, 2)
    else:
        y = b.tensor([1, size], "int8", 1.0 / 128, 0)
        b.operator(schema.BuiltinOperator.TANH, [x], [y], 0, None, 2)
    return b.finish([x], [y])


def mean_model(rng, shape, axes, keep_dims: bool) -> bytes:
    """MEAN of an int8 tensor over constant ``axes``."""
    b = Builder()
    x = b.tensor(shape, "int8", float(rng.uniform(0.01, 0.1)), int(rng.integers(-20, 20)))
    axis = b.tensor([len(axes)], "int32", data=np.asarray(axes, dtype=np.int32))
    out_shape = [1 if d in axes else n for d, n in enumerate(shape)] if keep_dims else \
        [n for d, n in enumerate(shape) if d not in axes]
    y = b.tensor(out_shape, "int8", float(rng.uniform(0.005, 0.1)), int(rng.integers(-20, 20)))
    options = schema.ReducerOptionsT()
    options.keepDims = keep_dims
    b.operator(schema.BuiltinOperator.MEAN, [x, axis], [y], schema.BuiltinOptions.ReducerOptions, options, 2)
    return b.finish([x], [y])


def residual_model(rng, h: int, w: int, c: int) -> bytes:
    """A residual block whose ADD is the memory peak: x -> 1x1 CONV_2D -> a -> 3x3 DEPTHWISE -> b,
    ADD(a, b) -> s, LOGISTIC(s) -> y. Without in-place outputs a, b and s are alive together."""
    b = Builder()
    s_x, s_a, s_b, s_s = (float(rng.uniform(0.01, 0.05)) for _ in range(4))
    x = b.tensor([1, h, w, c], "int8", s_x, int(rng.integers(-20, 20)))
    a = b.tensor([1, h, w, c], "int8", s_a, int(rng.integers(-10, 10)))
    d = b.tensor([1, h, w, c], "int8", s_b, int(rng.integers(-10, 10)))
    s = b.tensor([1, h, w, c], "int8", s_s, int(rng.integers(-10, 10)))
    y = b.tensor([1, h, w, c], "int8", 1.0 / 256, -128)
    s_w = rng.uniform(0.001, 0.02, c)
    w1 = b.tensor([c, 1, 1, c], "int8", s_w, np.zeros(c), rng.integers(-127, 128, (c, 1, 1, c), dtype=np.int8))
    b1 = b.tensor([c], "int32", s_x * s_w, np.zeros(c), rng.integers(-2000, 2000, c).astype(np.int32))
    w2 = b.tensor([1, 3, 3, c], "int8", s_w, np.zeros(c), rng.integers(-127, 128, (1, 3, 3, c), dtype=np.int8),
                  axis=3)
    b2 = b.tensor([c], "int32", s_a * s_w, np.zeros(c), rng.integers(-2000, 2000, c).astype(np.int32))
    conv = schema.Conv2DOptionsT()
    conv.padding, conv.strideH, conv.strideW, conv.dilationHFactor, conv.dilationWFactor = SAME, 1, 1, 1, 1
    b.operator(schema.BuiltinOperator.CONV_2D, [x, w1, b1], [a], schema.BuiltinOptions.Conv2DOptions, conv, 3)
    depthwise = schema.DepthwiseConv2DOptionsT()
    depthwise.padding, depthwise.strideH, depthwise.strideW, depthwise.depthMultiplier = SAME, 1, 1, 1
    depthwise.dilationHFactor, depthwise.dilationWFactor = 1, 1
    b.operator(schema.BuiltinOperator.DEPTHWISE_CONV_2D, [a, w2, b2], [d],
               schema.BuiltinOptions.DepthwiseConv2DOptions, depthwise, 3)
    b.operator(schema.BuiltinOperator.ADD, [a, d], [s], schema.BuiltinOptions.AddOptions, schema.AddOptionsT(), 2)
    b.operator(schema.BuiltinOperator.LOGISTIC, [s], [y], 0, None, 2)
    return b.finish([x], [y])
