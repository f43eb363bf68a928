"""RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR (``ek_resize.c``): the source rows and columns of every
output pixel, worked out here with TFLM's own arithmetic (float32 scales for nearest neighbour, 10-bit
fixed point for int8 bilinear), become two small tables."""

from __future__ import annotations

import math

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import c_array, c_div, name_of, refuse, round_half_away

ONE = 1 << 10  # TFLM's ResizeBilinearInteger: positions in fixed point with 10 fractional bits


def nearest_source(index: int, in_size: int, out_size: int, align_corners: bool, half_pixel: bool) -> int:
    """TFLM's GetNearestNeighbor, in its float32 arithmetic."""
    f32 = np.float32
    if align_corners and out_size > 1:
        scale = f32(in_size - 1) / f32(out_size - 1)
    else:
        scale = f32(in_size) / f32(out_size)
    position = (f32(index) + f32(0.5 if half_pixel else 0.0)) * scale
    source = round_half_away(float(position)) if align_corners else int(math.floor(float(position)))
    source = min(source, in_size - 1)
    return max(0, source) if half_pixel else source


def bilinear_sources(index: int, in_size: int, out_size: int, align_corners: bool,
                     half_pixel: bool) -> tuple[int, int, int]:
    """TFLM's ComputeInterpolationValuesInteger: the lower and upper source index and the position's
    distance from the lower one, in 1/1024ths."""
    scale = c_div(ONE * in_size + out_size // 2, out_size)
    if align_corners and out_size > 1:
        scale = c_div(ONE * (in_size - 1) + (out_size - 1) // 2, out_size - 1)
    position = index * scale + c_div(scale, 2) - (1 << 9) if half_pixel else index * scale
    lower = max(c_div(position, ONE), 0)
    upper = min(c_div(position + ONE - 1, ONE), in_size - 1)
    return lower, upper, position - ONE * lower


@handler("RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR",
         code_bytes={"RESIZE_NEAREST_NEIGHBOR": 104, "RESIZE_BILINEAR": 320})
def resize(op, ctx: Context) -> OpCall:
    """A constant output size (TFLM requires one); the output keeps the input's values and quantization."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    bilinear = op.op == "RESIZE_BILINEAR"
    allowed = ("INT8",) if bilinear else ("INT8", "INT16")
    if x.dtype not in allowed or out.dtype != x.dtype:
        raise refuse(op, f"takes {x.dtype}; the edgekit runtime resizes {' and '.join(allowed).lower()}")
    if len(x.shape) != 4 or not ctx.is_constant(op.inputs[1]):
        raise refuse(op, "needs a 4-D input and a constant size, as TFLM does")
    align, half = bool(op.option("alignCorners")), bool(op.option("halfPixelCenters"))
    if align and half:
        raise refuse(op, "sets both align_corners and half_pixel_centers, which TFLM refuses")
    out_h, out_w = (int(v) for v in ctx.constant(op.inputs[1]).ravel()[:2])
    batches, in_h, in_w, depth = x.shape
    element = 2 if x.dtype == "INT16" else 1
    row_stride, pixel = in_w * depth, depth
    prefix = f"k_op{op.index}"
    if bilinear:
        rows = [bilinear_sources(y, in_h, out_h, align, half) for y in range(out_h)]
        cols = [bilinear_sources(x_, in_w, out_w, align, half) for x_ in range(out_w)]
        for lower, upper, fraction in rows + cols:
            if lower > upper or not -ONE <= fraction <= ONE:
                raise refuse(op, "maps an output pixel outside its input, where TFLM reads past the tensor")
        row_table = [v for lo, hi, f in rows for v in (lo * row_stride, hi * row_stride, f)]
        col_table = [v for lo, hi, f in cols for v in (lo * pixel, hi * pixel, f)]
        kernel = "ek_resize_bilinear_s8"
    else:
        row_table = [nearest_source(y, in_h, out_h, align, half) * row_stride * element for y in range(out_h)]
        col_table = [nearest_source(x_, in_w, out_w, align, half) * pixel * element for x_ in range(out_w)]
        depth *= element
        kernel = "ek_resize_nearest"
    arrays = (c_array(f"{prefix}_rows", "int32_t", row_table), c_array(f"{prefix}_cols", "int32_t", col_table))
    batch_stride = in_h * in_w * depth
    params = f"{{{batches}, {out_h}, {out_w}, {depth}, {batch_stride}, {prefix}_rows, {prefix}_cols}}"
    return OpCall(name_of(op), "ek_resize_params", params,
                  f"{kernel}(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.outputs[0])});", arrays,
                  4 * (len(row_table) + len(col_table)), ("ek_resize",))
