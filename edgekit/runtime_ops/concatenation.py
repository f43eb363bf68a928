"""CONCATENATION and PACK (``ek_concatenation.c``): for each slice before the axis, each input's chunk of
bytes in turn, whatever the element type (TFLM's concatenation.cc and pack.cc)."""

from __future__ import annotations

from math import prod

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import c_array, name_of, refuse
from edgekit.runtime_ops.shape_ops import positive_axis
from edgekit.runtime_ops.strided_copy import element_bytes


def concatenation_call(op, ctx: Context, outer: int, chunks: list[int]) -> OpCall:
    """The ek_concatenation call: ``outer`` rounds of ``chunks[i]`` bytes from input i."""
    prefix = f"k_op{op.index}"
    arrays = (c_array(f"{prefix}_chunks", "int32_t", chunks),
              f"static const int8_t* const {prefix}_inputs[{len(op.inputs)}] = {{"
              + ", ".join(f"(const int8_t*){ctx.ref(i)}" for i in op.inputs) + "};")
    params = f"{{{outer}, {len(op.inputs)}, {prefix}_chunks}}"
    return OpCall(name_of(op), "ek_concat_params", params,
                  f"ek_concatenation(P, {prefix}_inputs, (int8_t*){ctx.ref(op.outputs[0])});", arrays,
                  4 * len(chunks), ("ek_concatenation",))


@handler("CONCATENATION", code_bytes=0)  # ek_concatenation: 84 B, counted once with PACK (budget.py)
def concatenation(op, ctx: Context) -> OpCall:
    """Inputs of one type; int8 ones share the output's scale and zero point and int16 ones have zero
    point 0, as TFLM requires (it does not requantize)."""
    out = ctx.tensor(op.outputs[0])
    if int(op.option("fusedActivationFunction")):
        raise refuse(op, "has a fused activation; TFLM's concatenation takes none")
    axis = positive_axis(op, int(op.option("axis")), len(out.shape))
    for index in op.inputs:
        tensor = ctx.tensor(index)
        if tensor.dtype != out.dtype:
            raise refuse(op, f"has a {tensor.dtype} input and a {out.dtype} output")
        quantization = (tensor.quantization.scales[0], tensor.quantization.zero_points[0]) \
            if tensor.quantization else (0.0, 0)
        expected = (out.quantization.scales[0], out.quantization.zero_points[0]) if out.quantization else (0.0, 0)
        if out.dtype == "INT8" and quantization != expected:
            raise refuse(op, "has inputs whose scale or zero point differ from the output's (TFLM requires "
                         "them equal for int8)")
        if out.dtype == "INT16" and (quantization[1] or expected[1]):
            raise refuse(op, "has int16 tensors with a zero point other than 0 (TFLM requires 0)")
    element = element_bytes(op, ctx, op.outputs[0])
    chunks = [prod(ctx.tensor(i).shape[axis:]) * element for i in op.inputs]
    return concatenation_call(op, ctx, prod(out.shape[:axis]), chunks)


@handler("PACK", code_bytes=0)
def pack(op, ctx: Context) -> OpCall:
    """Stacking along a new ``axis`` is concatenating inputs that have a 1 there; TFLM copies the bytes
    without looking at the quantization."""
    out = ctx.tensor(op.outputs[0])
    axis = positive_axis(op, int(op.option("axis")), len(out.shape))
    if int(op.option("valuesCount", len(op.inputs))) != len(op.inputs) or out.shape[axis] != len(op.inputs):
        raise refuse(op, f"stacks {len(op.inputs)} inputs into an axis of size {out.shape[axis]}")
    element = element_bytes(op, ctx, op.outputs[0])
    inner = prod(out.shape[axis + 1:]) * element
    return concatenation_call(op, ctx, prod(out.shape[:axis]), [inner] * len(op.inputs))
