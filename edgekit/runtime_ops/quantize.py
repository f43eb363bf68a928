"""QUANTIZE and DEQUANTIZE between float32 and int8 (``ek_quantize.c``)."""

from __future__ import annotations

from edgekit import cgen
from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import name_of, quant, refuse


@handler("QUANTIZE", code_bytes=184)
def quantize(op, ctx: Context) -> OpCall:
    """float32 -> int8 with TFLite's AffineQuantize rounding."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    s_out, zp_out = quant(out)
    if x.dtype != "FLOAT32" or out.dtype != "INT8":
        raise refuse(op, f"requantizes {x.dtype} to {out.dtype}; the edgekit runtime quantizes float32 to int8")
    return OpCall(name_of(op), "", "", f"ek_quantize_f32_s8({ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])}, "
                  f"{out.num_elements}, {cgen.c_float(s_out)}, {zp_out});", (), 0, ("ek_quantize",))


@handler("DEQUANTIZE", code_bytes=60)
def dequantize(op, ctx: Context) -> OpCall:
    """int8 -> float32, in double then to float as TFLM."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    s_in, zp_in = quant(x)
    if x.dtype != "INT8" or out.dtype != "FLOAT32":
        raise refuse(op, f"dequantizes {x.dtype} to {out.dtype}; the edgekit runtime dequantizes int8 to float32")
    return OpCall(name_of(op), "", "", f"ek_dequantize_s8_f32({ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])}, "
                  f"{x.num_elements}, (double){cgen.c_float(s_in)}, {zp_in});", (), 0, ("ek_quantize",))
