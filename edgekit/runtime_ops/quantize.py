"""QUANTIZE and DEQUANTIZE between float32 and int8 (``ek_quantize.c``)."""

from __future__ import annotations

from edgekit import cgen
from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import name_of, quant, quantize_multiplier, refuse


@handler("QUANTIZE", code_bytes=184)
def quantize(op, ctx: Context) -> OpCall:
    """float32 -> int8 with TFLite's AffineQuantize rounding."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    s_out, zp_out = quant(out)
    if x.dtype == "INT16" and out.dtype in ("INT8", "INT32"):
        return _requantize_int16(op, ctx)
    if x.dtype != "FLOAT32" or out.dtype != "INT8":
        raise refuse(op, f"requantizes {x.dtype} to {out.dtype}; the edgekit runtime quantizes float32 to int8")
    return OpCall(name_of(op), "", "", f"ek_quantize_f32_s8({ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])}, "
                  f"{out.num_elements}, {cgen.c_float(s_out)}, {zp_out});", (), 0, ("ek_quantize",))


def _requantize_int16(op, ctx: Context) -> OpCall:
    """int16 -> int8 or int32 (TFLM's Requantize), the scale ratio in double as TFLM's PrepareQuantize."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    (s_in, zp_in), (s_out, zp_out) = quant(x), quant(out)
    multiplier, shift = quantize_multiplier(float(s_in) / float(s_out))
    kernel = "ek_requantize_s16_s8" if out.dtype == "INT8" else "ek_requantize_s16_s32"
    return OpCall(name_of(op), "", "", f"{kernel}({ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])}, "
                  f"{out.num_elements}, {zp_in}, {multiplier}, {shift}, {zp_out});", (), 0, ("ek_quantize",))


@handler("DEQUANTIZE", code_bytes=60)
def dequantize(op, ctx: Context) -> OpCall:
    """int8 -> float32, in double then to float as TFLM."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    s_in, zp_in = quant(x)
    if x.dtype != "INT8" or out.dtype != "FLOAT32":
        raise refuse(op, f"dequantizes {x.dtype} to {out.dtype}; the edgekit runtime dequantizes int8 to float32")
    return OpCall(name_of(op), "", "", f"ek_dequantize_s8_f32({ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])}, "
                  f"{x.num_elements}, (double){cgen.c_float(s_in)}, {zp_in});", (), 0, ("ek_quantize",))
