"""QUANTIZE and DEQUANTIZE (``ek_quantize.c``): float32 to int8 or int16, integer requantization between
the type pairs TFLM's QUANTIZE takes, and int8, int16 or uint8 to float32."""

from __future__ import annotations

from edgekit import cgen
from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import name_of, quant, quantize_multiplier, refuse

#: Kernel name part of each tensor type.
SUFFIX = {"INT8": "s8", "UINT8": "u8", "INT16": "s16", "INT32": "s32", "FLOAT32": "f32"}
#: (input, output) type pairs TFLM's QUANTIZE requantizes (quantize_common.cc).
REQUANTIZED = frozenset({("INT8", "INT8"), ("INT8", "UINT8"), ("UINT8", "INT8"), ("INT8", "INT16"),
                         ("INT8", "INT32"), ("INT16", "INT8"), ("INT16", "INT16"), ("INT16", "INT32"),
                         ("INT32", "INT8"), ("INT32", "INT16")})


@handler("QUANTIZE", code_bytes=184)
def quantize(op, ctx: Context) -> OpCall:
    """float32 -> int8/int16 with TFLite's AffineQuantize rounding; between integer types TFLM's
    Requantize with the multiplier of s_in / s_out (double)."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    s_out, zp_out = quant(out)
    if out.quantization.per_channel:
        raise refuse(op, "quantizes per channel, which TFLM's QUANTIZE does not")
    refs = f"{ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])}"
    if x.dtype == "FLOAT32" and out.dtype in ("INT8", "INT16"):
        return OpCall(name_of(op), "", "", f"ek_quantize_f32_{SUFFIX[out.dtype]}({refs}, {out.num_elements}, "
                      f"{cgen.c_float(s_out)}, {zp_out});", (), 0, ("ek_quantize",))
    if (x.dtype, out.dtype) not in REQUANTIZED:
        raise refuse(op, f"quantizes {x.dtype} to {out.dtype}, which TFLM's QUANTIZE does not")
    s_in, zp_in = quant(x)
    multiplier, shift = quantize_multiplier(float(s_in) / float(s_out))
    kernel = f"ek_requantize_{SUFFIX[x.dtype]}_{SUFFIX[out.dtype]}"
    params = f"{{{out.num_elements}, {zp_in}, {zp_out}, {multiplier}, {shift}}}"
    return OpCall(name_of(op), "ek_requantize_params", params, f"{kernel}(P, {refs});", (), 0, ("ek_quantize",))


@handler("DEQUANTIZE", code_bytes=60)
def dequantize(op, ctx: Context) -> OpCall:
    """int8, int16 or uint8 -> float32, in double then to float as TFLM."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    s_in, zp_in = quant(x)
    if x.dtype not in ("INT8", "INT16", "UINT8") or out.dtype != "FLOAT32":
        raise refuse(op, f"dequantizes {x.dtype} to {out.dtype}; TFLM dequantizes int8, int16 and uint8 to float32")
    return OpCall(name_of(op), "", "", f"ek_dequantize_{SUFFIX[x.dtype]}_f32({ctx.ref(op.inputs[0])}, "
                  f"{ctx.ref(op.outputs[0])}, {x.num_elements}, (double){cgen.c_float(s_in)}, {zp_in});", (), 0,
                  ("ek_quantize",))
