"""TRANSPOSE_CONV (``ek_transpose_conv.c``)."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import (activation_range, c_array, c_div, name_of, optional_input, quant,
                                            quantize_multiplier, refuse)

SAME, VALID = 0, 1


def transpose_padding(out_size: int, kernel: int, stride: int, padding: int) -> int:
    """TFLM's padding for TRANSPOSE_CONV: ComputePaddingHeightWidth run on the *output* size, as for a
    convolution from the output back to the input (an impossible size gives 0, as TFLM's checked
    helpers do)."""
    if padding == SAME:
        size = c_div(out_size + stride - 1, stride)
    else:
        size = c_div(out_size + stride - kernel, stride)
    if size < 0:
        return 0
    return max((size - 1) * stride + kernel - out_size, 0) // 2


@handler("TRANSPOSE_CONV", code_bytes=860)
def transpose_conv(op, ctx: Context) -> OpCall:
    """Inputs as TFLM numbers them: output shape, filter [out_c, k_h, k_w, in_c], input, optional bias.
    Per-channel multipliers as for CONV_2D (PopulateConvolutionQuantizationParams), padding from the output
    size, and each tap's filter sum so that the input offset costs one multiply per tap."""
    w, x, out = ctx.tensor(op.inputs[1]), ctx.tensor(op.inputs[2]), ctx.tensor(op.outputs[0])
    bias = optional_input(op, 3)
    if x.dtype != "INT8" or w.dtype != "INT8" or out.dtype != "INT8":
        raise refuse(op, f"takes {x.dtype} input and {w.dtype} weights; the edgekit runtime's TRANSPOSE_CONV is "
                     "int8 x int8")
    if bias is not None and ctx.tensor(bias).dtype != "INT32":
        raise refuse(op, f"has a {ctx.tensor(bias).dtype} bias; the edgekit runtime takes int32")
    if len(x.shape) != 4 or len(out.shape) != 4:
        raise refuse(op, "needs 4-D input and output")
    (s_in, zp_in), (s_out, zp_out) = quant(x), quant(out)
    out_c, k_h, k_w, in_c = w.shape
    scales = list(w.quantization.scales)
    pairs = [quantize_multiplier(float(s_in) * float(scales[c] if len(scales) > 1 else scales[0]) / float(s_out))
             for c in range(out_c)]
    low, high = activation_range(int(op.option("fusedActivationFunction")), out)
    stride_h, stride_w = int(op.option("strideH", 1)), int(op.option("strideW", 1))
    padding = int(op.option("padding"))
    pad_top = transpose_padding(out.shape[1], k_h, stride_h, padding)
    pad_left = transpose_padding(out.shape[2], k_w, stride_w, padding)
    weights = ctx.constant(op.inputs[1]).astype(np.int64)
    prefix = f"k_op{op.index}"
    arrays = (c_array(f"{prefix}_mult", "int32_t", [m for m, _ in pairs]),
              c_array(f"{prefix}_shift", "int32_t", [s for _, s in pairs]),
              c_array(f"{prefix}_taps", "int32_t", weights.sum(axis=3).ravel()))
    params = (f"{{{x.shape[0]}, {x.shape[1]}, {x.shape[2]}, {in_c}, {out.shape[1]}, {out.shape[2]}, {out_c}, "
              f"{k_h}, {k_w}, {stride_h}, {stride_w}, {pad_top}, {pad_left}, {-zp_in}, {zp_out}, {low}, {high}, "
              f"{prefix}_mult, {prefix}_shift, {prefix}_taps}}")
    call = (f"ek_transpose_conv_s8(P, {ctx.ref(op.inputs[2])}, {ctx.ref(op.inputs[1])}, "
            f"{ctx.ref(bias) if bias is not None else 'NULL'}, {ctx.ref(op.outputs[0])});")
    return OpCall(name_of(op), "ek_transpose_conv_params", params, call, arrays,
                  8 * out_c + 4 * out_c * k_h * k_w, ("ek_transpose_conv",))
