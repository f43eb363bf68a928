"""edgekit's own runtime, generated ahead of time: ``ModelInfo`` -> C99 that calls the int8 kernel library.

Everything TFLM works out at run time is worked out here, in Python, with TFLM's own formulas
(shared/research/performance.md section 4): per-channel multipliers and shifts from the scales in double
precision (``QuantizeMultiplier``), activation clamps (``CalculateActivationRangeQuantized``), padding,
softmax's fixed-point scaling, ADD's rescaling. They become ``const`` arrays that stay in flash. Tensors live
at offsets of one arena planned here (:mod:`edgekit.arena`), and ``ek_model_invoke`` is straight-line code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from edgekit import cgen
from edgekit.arena import activation_buffers, best_plan
from edgekit.errors import ModelError
from edgekit.reader import ModelInfo, OperatorInfo, TensorInfo, numpy_dtype

#: Ops the edgekit runtime implements (bit-exact with TFLM's reference kernels).
SUPPORTED_OPS = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D",
                           "RESHAPE", "SOFTMAX", "ADD", "MUL", "PAD", "CONCATENATION", "LOGISTIC", "TANH",
                           "MEAN", "QUANTIZE", "DEQUANTIZE"})
_RELU, _RELU_N1_TO_1, _RELU6 = 1, 2, 3
#: Elementwise kernels that may write their output over an input of the same size: each output byte is
#: written after the input bytes at the same index are read, and no later index reads it.
IN_PLACE_OPS = frozenset({"ADD", "MUL", "LOGISTIC", "TANH"})


def inplace_aliases(info: ModelInfo) -> dict[int, int]:
    """Tensors that share another tensor's arena bytes, mapped to that tensor: a RESHAPE's output is its
    input (the same bytes, so no copy), and an elementwise op writes over an input of its output's size
    that nothing reads afterwards. Graph inputs are never written over (the caller may still need them)
    and graph outputs never lent out."""
    last_use = {b.tensor: b.last for b in activation_buffers(info)}
    owner: dict[int, int] = {}
    members: dict[int, set[int]] = {}

    def root(index: int) -> int:
        return owner.get(index, index)

    def join(tensor: int, into: int) -> None:
        owner[tensor] = into
        members.setdefault(into, {into}).add(tensor)

    graph_inputs, graph_outputs = set(info.inputs), set(info.outputs)
    for op in info.operators:
        if not op.outputs or op.outputs[0] not in last_use:
            continue
        out = op.outputs[0]
        candidates = [i for i in op.inputs if i >= 0 and i in last_use]
        if op.op == "RESHAPE" and candidates:
            join(out, root(candidates[0]))
            continue
        if op.op not in IN_PLACE_OPS:
            continue
        size = info.tensors[out].nbytes
        for index in candidates:
            group = members.get(root(index), {root(index)})
            tensor = info.tensors[index]
            if (tensor.nbytes == size
                    and not group & (graph_inputs | graph_outputs)
                    and max(last_use[m] for m in group) == op.index):
                join(out, root(index))
                break
    return owner



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
    """TFLM's ``CalculateActivationRangeQuantized`` for an int8 output (clamp values in float32)."""
    scale, zero_point = np.float32(tensor.quantization.scales[0]), tensor.quantization.zero_points[0]

    def quantize(value: float) -> int:
        return zero_point + round_half_away(float(np.float32(value) / scale))

    low, high = -128, 127
    if activation == _RELU:
        low = max(low, quantize(0.0))
    elif activation == _RELU6:
        low, high = max(low, quantize(0.0)), min(high, quantize(6.0))
    elif activation == _RELU_N1_TO_1:
        low, high = max(low, quantize(-1.0)), min(high, quantize(1.0))
    elif activation != 0:
        raise ModelError(None, f"fused activation {activation} is not supported by the edgekit runtime; "
                         "use --runtime tflm")
    return low, high


def padding(in_size: int, out_size: int, kernel: int, stride: int, dilation: int) -> int:
    """Leading padding as TFLM computes it (the odd remainder goes to the trailing side)."""
    effective = (kernel - 1) * dilation + 1
    return max((out_size - 1) * stride + effective - in_size, 0) // 2


@dataclass(frozen=True)
class OpCall:
    """One kernel call of the generated ``ek_model_invoke``: a params struct and the call itself."""

    comment: str
    params_type: str
    params: str  # C initializer of the params struct
    call: str  # the call, with P standing for the params struct's address
    arrays: tuple[str, ...]  # const array definitions this call needs
    table_bytes: int = 0  # bytes of those arrays (per-channel multipliers and shifts)


@dataclass(frozen=True)
class GeneratedModel:
    """The C of one model for edgekit's runtime, and what the budget needs to know about it."""

    calls: tuple[OpCall, ...]
    constants: tuple[str, ...]  # weight and bias arrays
    arena_bytes: int
    offsets: tuple[tuple[int, int], ...]  # tensor -> arena offset
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    constant_bytes: int


def unsupported_ops(info: ModelInfo) -> list[str]:
    """The model's ops the edgekit runtime does not implement."""
    return sorted(set(info.ops) - SUPPORTED_OPS)


def _constant_data(model: bytes) -> dict[int, bytes]:
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    tree = schema.Model.GetRootAs(model, 0)
    graph = tree.Subgraphs(0)
    data = {}
    for index in range(graph.TensorsLength()):
        buffer = tree.Buffers(graph.Tensors(index).Buffer())
        if buffer is not None and buffer.DataLength() > 0:
            data[index] = buffer.DataAsNumpy().tobytes()
    return data


def _array(name: str, ctype: str, values: np.ndarray) -> str:
    body = ", ".join(str(int(v)) for v in np.asarray(values).ravel())
    return f"static const {ctype} {name}[{max(1, np.asarray(values).size)}] = {{{body}}};"


def generate(model: bytes, info: ModelInfo) -> GeneratedModel:
    """C for ``ek_model_invoke`` and its constants.

    :raises ModelError: naming an op or a tensor type the edgekit runtime does not support.
    """
    missing = unsupported_ops(info)
    if missing:
        raise ModelError(None, f"op {', '.join(missing)} is not supported by the edgekit runtime; use --runtime tflm")
    for tensor in info.tensors:
        if not tensor.is_constant and tensor.dtype not in ("INT8", "FLOAT32"):
            raise ModelError(None, f"tensor '{tensor.name}' is {tensor.dtype}; the edgekit runtime runs int8 "
                             "models (with float32 at the edges); use --runtime tflm")
    constants = _constant_data(model)
    plan = best_plan(info, aliases=inplace_aliases(info))
    offsets = dict(plan.offsets)
    arrays: dict[int, str] = {}
    constant_defs: list[str] = []

    def tensor_ref(index: int) -> str:
        tensor = info.tensors[index]
        if index in constants:
            if index not in arrays:
                name = f"k_t{index}"
                dtype = numpy_dtype(tensor.dtype)
                values = np.frombuffer(constants[index], dtype=dtype)
                ctype = {"INT8": "int8_t", "INT32": "int32_t", "INT16": "int16_t", "UINT8": "uint8_t",
                         "FLOAT32": "float"}.get(tensor.dtype)
                if ctype is None or ctype == "float":
                    raise ModelError(None, f"constant tensor '{tensor.name}' is {tensor.dtype}; the edgekit "
                                     "runtime takes int8 weights and int32 biases; use --runtime tflm")
                constant_defs.append(f"/* {cgen.c_comment(tensor.name)} */\n" + _array(name, ctype, values))
                arrays[index] = name
            return arrays[index]
        ctype = "float" if tensor.dtype == "FLOAT32" else "int8_t"
        return f"(({ctype}*)(ek_arena + {offsets[index]}))"

    calls = [_call(op, info, tensor_ref, constants) for op in info.operators]
    return GeneratedModel(calls=tuple(c for c in calls if c is not None), constants=tuple(constant_defs),
                          arena_bytes=max(plan.head, 16), offsets=plan.offsets, inputs=info.inputs,
                          outputs=info.outputs, constant_bytes=sum(len(constants[i]) for i in arrays))


def _q(tensor: TensorInfo) -> tuple[float, int]:
    if tensor.quantization is None:
        raise ModelError(None, f"tensor '{tensor.name}' has no quantization; the edgekit runtime needs int8 tensors")
    return tensor.quantization.scales[0], tensor.quantization.zero_points[0]


def _call(op: OperatorInfo, info: ModelInfo, ref, constants: dict[int, bytes]) -> OpCall | None:
    t = info.tensors
    name = f"op {op.index}: {op.op}"
    if op.op in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        x, w, out = t[op.inputs[0]], t[op.inputs[1]], t[op.outputs[0]]
        bias = op.inputs[2] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
        s_in, zp_in = _q(x)
        s_out, zp_out = _q(out)
        filter_scales = w.quantization.scales
        channels = out.shape[3]
        scales = [filter_scales[c] if len(filter_scales) > 1 else filter_scales[0] for c in range(channels)]
        # TFLM: double(input_scale) * double(filter_scale) / double(output_scale), per output channel
        pairs = [quantize_multiplier(float(s_in) * float(s) / float(s_out)) for s in scales]
        low, high = activation_range(int(op.option("fusedActivationFunction")), out)
        k_h, k_w = (w.shape[1], w.shape[2])
        stride_h, stride_w = int(op.option("strideH", 1)), int(op.option("strideW", 1))
        dil_h, dil_w = int(op.option("dilationHFactor", 1)), int(op.option("dilationWFactor", 1))
        depth_multiplier = int(op.option("depthMultiplier", 1)) if op.op == "DEPTHWISE_CONV_2D" else 1
        if op.op == "CONV_2D" and w.shape[3] != x.shape[3]:
            raise ModelError(None, f"{name} is a grouped convolution, which the edgekit runtime does not run; "
                             "use --runtime tflm")
        prefix = f"k_op{op.index}"
        arrays = [_array(f"{prefix}_mult", "int32_t", [m for m, _ in pairs]),
                  _array(f"{prefix}_shift", "int32_t", [s for _, s in pairs])]
        tap_sums = filter_sums = "NULL"
        if op.op == "CONV_2D":
            weights = np.frombuffer(constants[op.inputs[1]], dtype=np.int8).reshape(w.shape).astype(np.int64)
            arrays.append(_array(f"{prefix}_taps", "int32_t", weights.sum(axis=3).ravel()))
            tap_sums = f"{prefix}_taps"
            if k_h * k_w > 1:  # a 1x1 filter's sum is its tap sum
                arrays.append(_array(f"{prefix}_sums", "int32_t", weights.sum(axis=(1, 2, 3))))
                filter_sums = f"{prefix}_sums"
            else:
                filter_sums = tap_sums
        params = (f"{{{x.shape[1]}, {x.shape[2]}, {x.shape[3]}, {out.shape[1]}, {out.shape[2]}, {out.shape[3]}, "
                  f"{k_h}, {k_w}, {stride_h}, {stride_w}, {dil_h}, {dil_w}, "
                  f"{padding(x.shape[1], out.shape[1], k_h, stride_h, dil_h)}, "
                  f"{padding(x.shape[2], out.shape[2], k_w, stride_w, dil_w)}, {depth_multiplier}, {-zp_in}, {zp_out}, "
                  f"{low}, {high}, {prefix}_mult, {prefix}_shift, {tap_sums}, {filter_sums}}}")
        kernel = "ek_conv2d_s8" if op.op == "CONV_2D" else "ek_depthwise_conv2d_s8"
        call = f"{kernel}(P, {ref(op.inputs[0])}, {ref(op.inputs[1])}, {ref(bias) if bias is not None else 'NULL'}, {ref(op.outputs[0])});"
        table = 8 * len(pairs) + (4 * channels * k_h * k_w if op.op == "CONV_2D" else 0)
        return OpCall(name, "ek_conv_params", params, call, tuple(arrays), table)
    if op.op == "FULLY_CONNECTED":
        x, w, out = t[op.inputs[0]], t[op.inputs[1]], t[op.outputs[0]]
        bias = op.inputs[2] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
        s_in, zp_in = _q(x)
        s_out, zp_out = _q(out)
        w_scales = w.quantization.scales
        per_channel = len(w_scales) > 1
        if per_channel:
            pairs = [quantize_multiplier(float(s_in) * float(s) / float(s_out)) for s in w_scales]
        else:
            # TFLM: the input and filter scales multiply in float32 first, then divide in double
            pairs = [quantize_multiplier(float(np.float32(s_in) * np.float32(w_scales[0])) / float(s_out))]
        low, high = activation_range(int(op.option("fusedActivationFunction")), out)
        in_depth, out_depth = w.shape[1], w.shape[0]
        batches = x.num_elements // in_depth
        prefix = f"k_op{op.index}"
        filter_offset = -w.quantization.zero_points[0]
        weights = np.frombuffer(constants[op.inputs[1]], dtype=np.int8).reshape(w.shape).astype(np.int64)
        arrays = (_array(f"{prefix}_mult", "int32_t", [m for m, _ in pairs]),
                  _array(f"{prefix}_shift", "int32_t", [s for _, s in pairs]),
                  _array(f"{prefix}_rows", "int32_t", (weights + filter_offset).sum(axis=1)))
        params = (f"{{{batches}, {in_depth}, {out_depth}, {-zp_in}, {filter_offset}, {zp_out}, "
                  f"{low}, {high}, {prefix}_mult, {prefix}_shift, {int(per_channel)}, {prefix}_rows}}")
        call = f"ek_fully_connected_s8(P, {ref(op.inputs[0])}, {ref(op.inputs[1])}, {ref(bias) if bias is not None else 'NULL'}, {ref(op.outputs[0])});"
        return OpCall(name, "ek_fc_params", params, call, arrays, 8 * len(pairs) + 4 * out_depth)
    if op.op in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        x, out = t[op.inputs[0]], t[op.outputs[0]]
        low, high = activation_range(int(op.option("fusedActivationFunction")), out)
        k_h, k_w = int(op.option("filterHeight", 1)), int(op.option("filterWidth", 1))
        stride_h, stride_w = int(op.option("strideH", 1)), int(op.option("strideW", 1))
        params = (f"{{{x.shape[1]}, {x.shape[2]}, {x.shape[3]}, {out.shape[1]}, {out.shape[2]}, {k_h}, {k_w}, "
                  f"{stride_h}, {stride_w}, {padding(x.shape[1], out.shape[1], k_h, stride_h, 1)}, "
                  f"{padding(x.shape[2], out.shape[2], k_w, stride_w, 1)}, {low}, {high}}}")
        kernel = "ek_average_pool_s8" if op.op == "AVERAGE_POOL_2D" else "ek_max_pool_s8"
        return OpCall(name, "ek_pool_params", params, f"{kernel}(P, {ref(op.inputs[0])}, {ref(op.outputs[0])});", ())
    if op.op == "RESHAPE":
        x, out = t[op.inputs[0]], t[op.outputs[0]]
        size = x.nbytes
        if ref(op.outputs[0]) == ref(op.inputs[0]):
            return OpCall(name, "", "", "/* the output shares the input's bytes: nothing to do */", ())
        return OpCall(name, "", "", f"memmove({ref(op.outputs[0])}, {ref(op.inputs[0])}, {size});", ())
    if op.op == "SOFTMAX":
        x, out = t[op.inputs[0]], t[op.outputs[0]]
        s_in, _ = _q(x)
        s_out, zp_out = _q(out)
        if zp_out != -128 or np.float32(s_out) != np.float32(1.0 / 256):
            raise ModelError(None, f"{name}: the edgekit runtime needs softmax outputs with scale 1/256 and zero "
                             "point -128 (as TFLM does); use --runtime tflm")
        beta = float(np.float32(op.option("beta", 1.0)))
        real = min(beta * float(s_in) * (1 << (31 - 5)), (1 << 31) - 1.0)
        multiplier, left_shift = quantize_multiplier(real)
        diff_min = -math.floor(1.0 * ((1 << 5) - 1) * (1 << (31 - 5)) / (1 << left_shift))
        depth = x.shape[-1]
        params = f"{{{x.num_elements // depth}, {depth}, {multiplier}, {left_shift}, {diff_min}}}"
        return OpCall(name, "ek_softmax_params", params, f"ek_softmax_s8(P, {ref(op.inputs[0])}, {ref(op.outputs[0])});", ())
    if op.op == "ADD":
        a, b, out = t[op.inputs[0]], t[op.inputs[1]], t[op.outputs[0]]
        (s1, zp1), (s2, zp2), (s_out, zp_out) = _q(a), _q(b), _q(out)
        left_shift = 20
        twice_max = 2 * max(float(s1), float(s2))
        # TFLM's QuantizeMultiplierSmallerThanOneExp is QuantizeMultiplier for reals below one
        m1, sh1 = quantize_multiplier(float(s1) / twice_max)
        m2, sh2 = quantize_multiplier(float(s2) / twice_max)
        mo, sho = quantize_multiplier(twice_max / ((1 << left_shift) * float(s_out)))
        low, high = activation_range(int(op.option("fusedActivationFunction")), out)
        if a.num_elements != out.num_elements and a.num_elements != 1 or \
                b.num_elements != out.num_elements and b.num_elements != 1:
            raise ModelError(None, f"{name} broadcasts in a way the edgekit runtime does not; use --runtime tflm")
        params = (f"{{{out.num_elements}, {-zp1}, {-zp2}, {zp_out}, {left_shift}, {m1}, {sh1}, {m2}, {sh2}, {mo}, "
                  f"{sho}, {low}, {high}, {a.num_elements}, {b.num_elements}}}")
        return OpCall(name, "ek_add_params", params,
                      f"ek_add_s8(P, {ref(op.inputs[0])}, {ref(op.inputs[1])}, {ref(op.outputs[0])});", ())
    if op.op == "MUL":
        a, b, out = t[op.inputs[0]], t[op.inputs[1]], t[op.outputs[0]]
        (s1, zp1), (s2, zp2), (s_out, zp_out) = _q(a), _q(b), _q(out)
        multiplier, shift = quantize_multiplier(float(s1) * float(s2) / float(s_out))  # TFLM: in double
        low, high = activation_range(int(op.option("fusedActivationFunction")), out)
        if a.num_elements not in (1, out.num_elements) or b.num_elements not in (1, out.num_elements):
            raise ModelError(None, f"{name} broadcasts in a way the edgekit runtime does not; use --runtime tflm")
        params = (f"{{{out.num_elements}, {a.num_elements}, {b.num_elements}, {-zp1}, {-zp2}, {zp_out}, "
                  f"{multiplier}, {shift}, {low}, {high}}}")
        return OpCall(name, "ek_mul_params", params,
                      f"ek_mul_s8(P, {ref(op.inputs[0])}, {ref(op.inputs[1])}, {ref(op.outputs[0])});", ())
    if op.op == "PAD":
        x, out = t[op.inputs[0]], t[op.outputs[0]]
        if op.inputs[1] not in constants or len(x.shape) > 4:
            raise ModelError(None, f"{name} needs constant paddings on at most 4 dimensions in the edgekit runtime; "
                             "use --runtime tflm")
        pads = np.frombuffer(constants[op.inputs[1]], dtype=np.int32).reshape(-1, 2)
        rank = len(x.shape)
        dims = [1] * (4 - rank) + list(x.shape)
        before = [0] * (4 - rank) + [int(v) for v in pads[:, 0]]
        after = [0] * (4 - rank) + [int(v) for v in pads[:, 1]]
        value = _q(out)[1]  # TFLM pads int8 with the output zero point unless a constant value is given
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            value = int(np.frombuffer(constants[op.inputs[2]], dtype=np.int8)[0])
        params = (f"{{{{{', '.join(map(str, dims))}}}, {{{', '.join(map(str, before))}}}, "
                  f"{{{', '.join(map(str, after))}}}, {value}}}")
        return OpCall(name, "ek_pad_params", params, f"ek_pad_s8(P, {ref(op.inputs[0])}, {ref(op.outputs[0])});", ())
    if op.op == "CONCATENATION":
        out = t[op.outputs[0]]
        axis = int(op.option("axis"))
        axis = axis + len(out.shape) if axis < 0 else axis
        for index in op.inputs:
            if _q(t[index]) != _q(out):
                raise ModelError(None, f"{name}: TFLM requires int8 concatenation inputs to share the output's "
                                 "scale and zero point")
        outer = int(np.prod(out.shape[:axis])) if axis else 1
        chunks = [int(np.prod(t[i].shape[axis:])) for i in op.inputs]
        prefix = f"k_op{op.index}"
        arrays = (_array(f"{prefix}_chunks", "int32_t", chunks),
                  f"static const int8_t* const {prefix}_inputs[{len(op.inputs)}] = {{"
                  + ", ".join(ref(i) for i in op.inputs) + "};")
        params = f"{{{outer}, {len(op.inputs)}, {prefix}_chunks}}"
        return OpCall(name, "ek_concat_params", params,
                      f"ek_concatenation(P, {prefix}_inputs, {ref(op.outputs[0])});", arrays, 4 * len(chunks))
    if op.op in ("LOGISTIC", "TANH"):
        x, out = t[op.inputs[0]], t[op.outputs[0]]
        s_in, zp_in = _q(x)
        # TFLM: frexp of input_scale * 2^27 rounded to 31 bits, without QuantizeMultiplier's renormalisation
        fraction, left_shift = math.frexp(float(s_in) * float(1 << (31 - 4)))
        multiplier = round_half_away(fraction * (1 << 31))
        if multiplier == 1 << 31:
            multiplier = -(1 << 31)  # what the int32 cast gives there
        radius = math.floor(1.0 * ((1 << 4) - 1) * (1 << (31 - 4)) / (1 << left_shift))
        params = f"{{{x.num_elements}, {zp_in}, {radius}, {multiplier}, {left_shift}}}"
        kernel = "ek_logistic_s8" if op.op == "LOGISTIC" else "ek_tanh_s8"
        return OpCall(name, "ek_activation_params", params, f"{kernel}(P, {ref(op.inputs[0])}, {ref(op.outputs[0])});", ())
    if op.op == "MEAN":
        x, out = t[op.inputs[0]], t[op.outputs[0]]
        if op.inputs[1] not in constants or len(x.shape) > 4:
            raise ModelError(None, f"{name} needs constant axes on at most 4 dimensions in the edgekit runtime; "
                             "use --runtime tflm")
        rank = len(x.shape)
        axes = {int(a) % rank for a in np.frombuffer(constants[op.inputs[1]], dtype=np.int32)}
        dims = [1] * (4 - rank) + list(x.shape)
        reduce = [0] * (4 - rank) + [int(d in axes) for d in range(rank)]
        count = int(np.prod([x.shape[d] for d in axes]))
        (s_in, zp_in), (s_out, zp_out) = _q(x), _q(out)
        multiplier, shift = quantize_multiplier(float(s_in) / float(s_out))
        # TFLM folds 1/count into the multiplier (reference QuantizedMeanOrSum)
        count_shift = min(count.bit_length() - 1, 32, 31 + shift)
        multiplier = int((multiplier << count_shift) // count)
        shift -= count_shift
        params = (f"{{{{{', '.join(map(str, dims))}}}, {{{', '.join(map(str, reduce))}}}, {count}, {zp_in}, "
                  f"{zp_out}, {multiplier}, {shift}}}")
        return OpCall(name, "ek_mean_params", params, f"ek_mean_s8(P, {ref(op.inputs[0])}, {ref(op.outputs[0])});", ())
    if op.op == "QUANTIZE":
        x, out = t[op.inputs[0]], t[op.outputs[0]]
        s_out, zp_out = _q(out)
        if x.dtype != "FLOAT32":
            raise ModelError(None, f"{name} requantizes {x.dtype}; the edgekit runtime quantizes float32 only")
        return OpCall(name, "", "", f"ek_quantize_f32_s8({ref(op.inputs[0])}, {ref(op.outputs[0])}, "
                      f"{out.num_elements}, {cgen.c_float(s_out)}, {zp_out});", ())
    if op.op == "DEQUANTIZE":
        x, out = t[op.inputs[0]], t[op.outputs[0]]
        s_in, zp_in = _q(x)
        return OpCall(name, "", "", f"ek_dequantize_s8_f32({ref(op.inputs[0])}, {ref(op.outputs[0])}, "
                      f"{x.num_elements}, (double){cgen.c_float(s_in)}, {zp_in});", ())
    raise ModelError(None, f"op {op.op} is not supported by the edgekit runtime; use --runtime tflm")


def runtime_context(model: bytes, info: ModelInfo) -> dict:
    """The values the runtime templates (firmware_templates/runtime) render: arena, constants, calls."""
    generated = generate(model, info)
    offsets = dict(generated.offsets)
    calls = []
    for number, call in enumerate(generated.calls):
        statement = call.call.replace("(P, ", f"(&k_p{number}, ", 1) if call.params_type else call.call
        calls.append({"comment": cgen.c_comment(call.comment), "params_type": call.params_type,
                      "params": call.params, "arrays": list(call.arrays), "statement": statement})
    return {
        "arena_bytes": generated.arena_bytes,
        "constant_bytes": generated.constant_bytes + sum(call.table_bytes for call in generated.calls),
        "constants": list(generated.constants),
        "calls": calls,
        "input_offsets": [offsets[i] for i in info.inputs],
        "output_offsets": [offsets[i] for i in info.outputs],
    }


def render_runtime_sources(model: bytes, info: ModelInfo, banner: str) -> dict[str, str]:
    """ek_model.{h,c} and ek_kernels.{h,c} as text, keyed by file name (for tests and the templates)."""
    from edgekit.render import _ENV

    context = {"banner": banner, "runtime": runtime_context(model, info)}
    return {name: _ENV.get_template(f"runtime/src/{name}.j2").render(context)
            for name in ("ek_model.h", "ek_model.c", "ek_kernels.h", "ek_kernels.c")}
