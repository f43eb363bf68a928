"""TFLM's integer-arithmetic set-up, done ahead of time: multipliers and shifts from scales
(``QuantizeMultiplier``), activation clamps (``CalculateActivationRangeQuantized``), padding, and the
small helpers every handler uses. Formulas: shared/research/performance.md section 4."""

from __future__ import annotations

import math

import numpy as np

from edgekit.errors import ModelError
from edgekit.reader import OperatorInfo, TensorInfo

#: TFLite's ActivationFunctionType values, for messages.
_ACTIVATION_NAMES = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}

RELU, RELU_N1_TO_1, RELU6 = 1, 2, 3
#: Saturation bounds of each integer type the kernels write.
TYPE_RANGE = {"INT8": (-128, 127), "INT16": (-32768, 32767), "UINT8": (0, 255)}


def round_half_away(value: float) -> int:
    """``std::round``: to the nearest integer, halves away from zero."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLM's ``QuantizeMultiplier``: ``real = multiplier * 2^(shift - 31)``, multiplier in [2^30, 2^31)."""
    if real == 0.0:
        return 0, 0
    fraction, shift = math.frexp(real)
    fixed = round_half_away(fraction * (1 << 31))
    if fixed == 1 << 31:
        fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return int(fixed), int(shift)


def activation_range(activation: int, tensor: TensorInfo) -> tuple[int, int]:
    """TFLM's ``CalculateActivationRangeQuantized`` for an int8 or int16 output (clamp values in float32)."""
    scale, zero_point = np.float32(tensor.quantization.scales[0]), tensor.quantization.zero_points[0]

    def quantize(value: float) -> int:
        return zero_point + round_half_away(float(np.float32(value) / scale))

    low, high = TYPE_RANGE.get(tensor.dtype, (-128, 127))
    if activation == RELU:
        low = max(low, quantize(0.0))
    elif activation == RELU6:
        low, high = max(low, quantize(0.0)), min(high, quantize(6.0))
    elif activation == RELU_N1_TO_1:
        low, high = max(low, quantize(-1.0)), min(high, quantize(1.0))
    elif activation != 0:
        name = _ACTIVATION_NAMES.get(int(activation), str(activation))
        raise ModelError(None, f"fused activation {name} is not supported by the edgekit runtime; "
                         "use --runtime tflm")
    return low, high


def padding(in_size: int, out_size: int, kernel: int, stride: int, dilation: int) -> int:
    """Leading padding as TFLM computes it (the odd remainder goes to the trailing side)."""
    effective = (kernel - 1) * dilation + 1
    return max((out_size - 1) * stride + effective - in_size, 0) // 2


def quant(tensor: TensorInfo) -> tuple[float, int]:
    """A tensor's (scale, zero point), or a :class:`ModelError` when it has none."""
    if tensor.quantization is None:
        raise ModelError(None, f"tensor '{tensor.name}' has no quantization; the edgekit runtime needs int8 tensors")
    return tensor.quantization.scales[0], tensor.quantization.zero_points[0]


def c_array(name: str, ctype: str, values) -> str:
    """A ``static const`` C array definition of ``values`` (at least one element)."""
    flat = np.asarray(values).ravel()
    body = ", ".join(str(int(v)) for v in flat) or "0"  # (ISO C has no empty initializer)
    return f"static const {ctype} {name}[{max(1, flat.size)}] = {{{body}}};"


def wrap_int32(values: np.ndarray) -> np.ndarray:
    """int64 values as the int32 an accumulator holds (two's complement wrap-around, as TFLM's int32 sums)."""
    return ((values + 2**31) % 2**32 - 2**31).astype(np.int64)


def little_endian_words(values) -> np.ndarray:
    """int8 ``values`` (flattened) as the uint32 words that hold them in memory on a little-endian core
    (every core the runtime builds for), value k in byte k, zero-padded to a whole word: a weight array
    the kernels read a word at a time, and which C aligns to a word only when it is declared as words."""
    flat = np.asarray(values).astype(np.int64).ravel()
    padded = np.zeros(-(-flat.size // 4) * 4, np.int64)
    padded[:flat.size] = flat & 0xFF
    return (padded.reshape(-1, 4) @ (1 << np.arange(0, 32, 8))).astype(np.uint32)


def c_list(values) -> str:
    """``{a, b, c}``: a brace initializer of integers."""
    return "{" + ", ".join(str(int(v)) for v in values) + "}"


def optional_input(op: OperatorInfo, position: int) -> int | None:
    """The tensor index of an optional operator input, or None when it is absent (-1 or missing)."""
    return op.inputs[position] if len(op.inputs) > position and op.inputs[position] >= 0 else None


def name_of(op: OperatorInfo) -> str:
    """How messages and comments name an operator: ``op 3: CONV_2D``."""
    return f"op {op.index}: {op.op}"


def refuse(op: OperatorInfo, why: str) -> ModelError:
    """The error for an operator whose parameters the runtime does not run, with the fix."""
    return ModelError(None, f"{name_of(op)} {why}; use --runtime tflm")


def c_div(a: int, b: int) -> int:
    """C's integer division, which truncates toward zero (Python's ``//`` floors)."""
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b > 0) else -quotient
