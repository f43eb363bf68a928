"""SVDF (``ek_svdf.c``): TFLM's integer path, with its state in a variable tensor."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import c_array, name_of, optional_input, quant, quantize_multiplier, refuse

#: TFLM's input order: input, weights_feature, weights_time, bias (optional), activation state.
STATE_INPUT = 4


@handler("SVDF", code_bytes=760)  # the larger of the int8- and int16-state kernels
def svdf(op, ctx: Context) -> OpCall:
    """TFLM's ``PrepareSvdf`` for int8: the two effective scales computed in float32 as TFLM does, the
    sizes from the weights, the state's zero point."""
    t = ctx.info.tensors
    x, features, times = t[op.inputs[0]], t[op.inputs[1]], t[op.inputs[2]]
    state, out = t[op.inputs[STATE_INPUT]], t[op.outputs[0]]
    if x.dtype != "INT8" or features.dtype != "INT8" or out.dtype != "INT8":
        raise refuse(op, f"takes {x.dtype} input and {features.dtype} features to {out.dtype}; the edgekit "
                     "runtime runs int8 SVDF")
    if times.dtype not in ("INT8", "INT16") or state.dtype != times.dtype:
        raise refuse(op, f"has {times.dtype} time weights and a {state.dtype} state; the edgekit runtime "
                     "needs both int8 or both int16")
    if not state.is_variable:
        raise refuse(op, f"keeps its state in tensor '{state.name}', which is not a variable tensor")
    rank = int(op.option("rank", 1))
    batches, input_size = x.shape
    filters, memory = features.shape[0], times.shape[1]
    if rank < 1 or filters % rank:
        raise refuse(op, f"has {filters} filters, not a multiple of its rank {rank}")
    s_in, zp_in = quant(x)
    s_state, zp_state = quant(state)
    s_out, zp_out = quant(out)
    f32 = np.float32
    # TFLM: float products and quotients, then to double for QuantizeMultiplier
    feature_scale = float(f32(f32(s_in) * f32(features.quantization.scales[0])) / f32(s_state))
    output_scale = float(f32(f32(s_state) * f32(times.quantization.scales[0])) / f32(s_out))
    m1, sh1 = quantize_multiplier(feature_scale)
    m2, sh2 = quantize_multiplier(output_scale)
    bias = optional_input(op, 3)
    prefix = f"k_op{op.index}"
    offsets = -zp_in * ctx.constant(op.inputs[1]).astype(np.int64).sum(axis=1)
    arrays = (c_array(f"{prefix}_feature_offsets", "int32_t", offsets.astype(np.int32)),)
    params = (f"{{{batches}, {input_size}, {filters}, {filters // rank}, {rank}, {memory}, "
              f"{prefix}_feature_offsets, {zp_state}, {zp_out}, {m1}, {sh1}, {m2}, {sh2}}}")
    kernel = "ek_svdf_s8_s16" if times.dtype == "INT16" else "ek_svdf_s8_s8"
    call = (f"{kernel}(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.inputs[1])}, {ctx.ref(op.inputs[2])}, "
            f"{ctx.ref(bias) if bias is not None else 'NULL'}, {ctx.ref(op.inputs[STATE_INPUT])}, "
            f"{ctx.ref(op.outputs[0])});")
    return OpCall(name_of(op), "ek_svdf_params", params, call, arrays, 4 * filters, ("ek_svdf",))
