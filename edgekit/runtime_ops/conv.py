"""CONV_2D and DEPTHWISE_CONV_2D (``ek_conv.c``, ``ek_depthwise_conv.c``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edgekit.runtime_ops import KERNEL_CODE_BYTES, Context, OpCall, handler
from edgekit.runtime_ops.conv_chain import stage_arguments
from edgekit.runtime_ops.packed_weights import packed_bases, packed_call
from edgekit.runtime_ops.fixedpoint import (
    activation_range,
    c_array,
    little_endian_words,
    name_of,
    optional_input,
    padding,
    quant,
    quantize_multiplier,
    refuse,
    wrap_int32,
)

#: ek_conv.h's EK_IM2COL_BYTES: CONV_2D windows up to this many bytes run through im2col columns.
IM2COL_BYTES = 256
#: ek_depthwise_conv.c's EK_DW_WINDOW_BYTES: ek_depthwise_conv2d_quads_s8 copies a border pixel's window of
#: four channels at least, so it runs filters of up to a quarter of this many taps.
DW_WINDOW_BYTES = 576
#: ek_conv.h's EK_BLOCKED_COLUMN_BYTES: ek_conv2d_blocked_s8 copies windows up to this many bytes.
BLOCKED_COLUMN_BYTES = 576


#: CONV_2D's code is counted by the kernel its calls name (ek_conv.c, arm-none-eabi-gcc 12.2 -O2 Cortex-M4F,
#: -ffunction-sections, symbol sizes from nm): the channel-blocked kernel's shared finishing code, its im2col
#: form and its filter-row form (each linked only when a call names one of its wrappers), and ek_conv2d_s8
#: with its 1x1, im2col and filter-row paths; --gc-sections drops the rest.
KERNEL_CODE_BYTES["CONV_2D"] = ((r"\bek_conv2d_blocked_\w*s8\b", {"default": 1_056, "riscv32": 1_312}),
                               (r"\bek_conv2d_blocked_im2col\w*_s8\b", {"default": 1_290, "riscv32": 1_698}),
                               (r"\bek_conv2d_blocked_rows\w*_s8\b", {"default": 1_432, "riscv32": 1_628}),
                               (r"\bek_conv2d_s8\b", {"default": 8_564, "riscv32": 7_760}))


#: DEPTHWISE_CONV_2D's likewise (ek_depthwise_conv.c; RV32IMC: riscv64-unknown-elf-gcc 12.2 -O2, picolibc): the
#: four-channel kernel's row driver and border copy, the run of each of its forms, and the general kernel.
KERNEL_CODE_BYTES["DEPTHWISE_CONV_2D"] = (
    (r"\bek_depthwise_conv2d_quads\w*_s8\b", {"default": 830, "riscv32": 944}),
    (r"\bek_depthwise_conv2d_quads_narrow_full_s8\b", {"default": 624, "riscv32": 1_048}),
    (r"\bek_depthwise_conv2d_quads_narrow_s8\b", {"default": 670, "riscv32": 1_010}),
    (r"\bek_depthwise_conv2d_quads_s8\b", {"default": 1_376, "riscv32": 2_152}),
    (r"\bek_depthwise_conv2d_s8\b", {"default": 3_988, "riscv32": 4_026}))


@handler("CONV_2D", "DEPTHWISE_CONV_2D", code_bytes={"CONV_2D": 0, "DEPTHWISE_CONV_2D": 0})
def convolution(op, ctx: Context) -> OpCall:
    """Per-channel multipliers and shifts, clamps, padding; for CONV_2D the filter's tap and total sums, so
    the kernel applies the input offset once per tap instead of once per multiply."""
    t = ctx.info.tensors
    x, w, out = t[op.inputs[0]], t[op.inputs[1]], t[op.outputs[0]]
    bias = optional_input(op, 2)
    s_in, zp_in = quant(x)
    s_out, zp_out = quant(out)
    filter_scales = w.quantization.scales
    channels = out.shape[3]
    scales = [filter_scales[c] if len(filter_scales) > 1 else filter_scales[0] for c in range(channels)]
    # TFLM: double(input_scale) * double(filter_scale) / double(output_scale), per output channel
    pairs = [quantize_multiplier(float(s_in) * float(s) / float(s_out)) for s in scales]
    low, high = activation_range(int(op.option("fusedActivationFunction")), out)
    k_h, k_w = (w.shape[1], w.shape[2])
    stride_h, stride_w = int(op.option("strideH", 1)), int(op.option("strideW", 1))
    dil_h, dil_w = int(op.option("dilationHFactor", 1)), int(op.option("dilationWFactor", 1))
    depthwise = op.op == "DEPTHWISE_CONV_2D"
    depth_multiplier = int(op.option("depthMultiplier", 1)) if depthwise else 1
    if depthwise and depth_multiplier != channels // max(1, x.shape[3]):
        depth_multiplier = channels // max(1, x.shape[3])  # TFLM derives it from the shapes
    if not depthwise and w.shape[3] != x.shape[3]:
        raise refuse(op, "is a grouped convolution, which the edgekit runtime does not run")
    if x.dtype != "INT8":
        raise refuse(op, f"takes {x.dtype} input; the edgekit runtime's convolutions take int8")
    prefix = f"k_op{op.index}"
    arrays = [c_array(f"{prefix}_mult", "int32_t", [m for m, _ in pairs])]
    tap_sums = right_shift = shift_array = "NULL"
    if all(shift < 0 for _, shift in pairs):  # the short requantization (ek_requantize_right) applies
        arrays.append(c_array(f"{prefix}_right", "int8_t", [-shift - 1 for _, shift in pairs]))
        right_shift = f"{prefix}_right"
    else:
        arrays.append(c_array(f"{prefix}_shift", "int32_t", [s for _, s in pairs]))
        shift_array = f"{prefix}_shift"
    base, packed = "NULL", None
    if ctx.is_constant(op.inputs[1]) and (bias is None or ctx.is_constant(bias)):
        weights = ctx.constant(op.inputs[1]).astype(np.int64)
        bias_values = ctx.constant(bias).astype(np.int64).ravel() if bias is not None else np.zeros(channels, np.int64)
        # every weight of an output channel (depthwise: [1][k_h][k_w][channels])
        channel_sums = weights.sum(axis=(0, 1, 2)) if depthwise else weights.sum(axis=(1, 2, 3))
        base_values = wrap_int32(bias_values - zp_in * channel_sums)
        packed = ctx.packed_weights.get(op.index)  # (a pointwise layer run as a packed dense layer)
        arrays.append(c_array(f"{prefix}_base", "int32_t", packed_bases(base_values, packed)))
        base = f"{prefix}_base"
    pad_top, pad_left = padding(x.shape[1], out.shape[1], k_h, stride_h, dil_h), padding(x.shape[2], out.shape[2],
                                                                                          k_w, stride_w, dil_w)
    # ek_conv2d_blocked_s8 (every CONV_2D whose filter the generator can lay out, 1x1 included: measured
    # 2.23 -> 1.94 instructions per MAC on kws_ref_model's 1x1 layers on the M4) takes the base only.
    # ek_conv2d_s8's paths, for the rest: 1x1 rows and im2col columns take everything from the base; only
    # the tap-by-tap path (windows longer than the im2col column, or no base) reads the bias and tap sums.
    pointwise = (k_h, k_w, stride_h, stride_w, pad_top, pad_left) == (1, 1, 1, 1, 0, 0) and \
        x.shape[1:3] == out.shape[1:3]
    mode = None
    # A depthwise convolution of one input channel is a CONV_2D of depth_multiplier output channels over
    # that channel (filter [1][k_h][k_w][m] read as [m][k_h][k_w][1]): the same sums, so the blocked kernel
    # runs it (micro_speech's 10x8 layer: 4.92 -> 2.99 instructions per MAC on the M4, benchmarks/profile_ops.py).
    as_conv = depthwise and x.shape[3] == 1
    if (not depthwise or as_conv) and base != "NULL" and used_once(ctx, op.inputs[1]):
        mode = blocked_mode(x.shape[3], channels, k_h, k_w, (dil_h, dil_w))
    tap_path = mode is None and (base == "NULL" or (not pointwise and k_h * k_w * x.shape[3] > IM2COL_BYTES))
    if not depthwise and tap_path:
        weights = ctx.constant(op.inputs[1]).astype(np.int64)
        arrays.append(c_array(f"{prefix}_taps", "int32_t", weights.sum(axis=3).ravel()))
        tap_sums = f"{prefix}_taps"
    # ek_depthwise_conv2d_quads_s8: depth multiplier 1, whole groups of four channels, windows that fit its
    # stack copy; its blocks hold the filter, bases, multipliers and shifts, in place of the arrays
    quads = depthwise and depth_multiplier == 1 and channels % 4 == 0 and base != "NULL" and \
        right_shift != "NULL" and 4 * k_h * k_w <= DW_WINDOW_BYTES and used_once(ctx, op.inputs[1])
    constants = ("NULL", "NULL", "NULL") if quads else (f"{prefix}_mult", right_shift, base)
    params = (f"{{{x.shape[1]}, {x.shape[2]}, {x.shape[3]}, {out.shape[1]}, {out.shape[2]}, {out.shape[3]}, "
              f"{k_h}, {k_w}, {stride_h}, {stride_w}, {dil_h}, {dil_w}, "
              f"{pad_top}, {pad_left}, {depth_multiplier}, {-zp_in}, {zp_out}, "
              f"{low}, {high}, {constants[0]}, {shift_array}, {tap_sums}, {constants[1]}, {constants[2]}}}")
    table = len(pairs) * (4 + (1 if right_shift != "NULL" else 4) + (4 if base != "NULL" else 0)) + \
        (4 * channels * k_h * k_w if tap_sums != "NULL" else 0)
    # a 1x1 layer run as a dense layer over its pixels (packed, or in the dense kernel's base path): its
    # ek_fc_params, per-channel multipliers and the base
    dense_params = (f"{{{x.num_elements // x.shape[3]}, {x.shape[3]}, {channels}, {-zp_in}, 0, {zp_out}, {low}, "
                    f"{high}, {prefix}_mult, {shift_array}, 1, NULL, {base}, {right_shift}, 0, 0}}")
    if packed is not None:
        # a dense layer over the pixels with its weights in 4 to 6 bits (packed_layers takes only pointwise
        # layers whose weights and bias are constants: the base above is the packed layout's)
        return packed_call(op, ctx, packed, dense_params, tuple(arrays), table)
    if mode is not None:
        # the filter in blocks of four output channels, in place of the model's array (a few bytes more
        # when a segment is not a multiple of 4); the bias is in the base
        weights = ctx.constant(op.inputs[1]).astype(np.int64)
        if as_conv:
            weights = weights.transpose(3, 1, 2, 0)
        blocked = blocked_filter(weights, im2col=mode == "im2col")
        # as words: the assembly of Thumb-2 DSP builds loads them two at a time (LDRD), which needs them
        # word-aligned, and an int8_t array is aligned to a byte only (GCC's -Os leaves it there)
        arrays.append(c_array(f"{prefix}_w", "uint32_t", little_endian_words(blocked)))
        flags = ["EK_BLOCKED_IM2COL"] if mode == "im2col" else []
        if narrow_accumulators(weights.reshape(channels, -1), base_values):
            flags.append("EK_BLOCKED_NARROW")
        # the blocked kernel's wrapper for these flags, in ek_conv2d_s8's signature, to run in bands
        wrapper = "ek_conv2d_blocked_" + ("im2col" if mode == "im2col" else "rows") + \
            ("_narrow" if "EK_BLOCKED_NARROW" in flags else "") + "_s8"
        call, families = convolution_call(op, ctx, wrapper, f"(const int8_t*){prefix}_w, NULL", ("ek_conv",))
        return OpCall(name_of(op), "ek_conv_params", params, call, tuple(arrays), table + blocked.size, families)
    if (not depthwise and pointwise and base != "NULL" and used_once(ctx, op.inputs[1])
            and not {op.index} & (set(ctx.in_place) | set(ctx.dense_fusions) | set(ctx.chains) | set(ctx.conv_adds))):
        # a 1x1 layer whose output channels the blocked kernel does not take (a classifier's last layer) is
        # a dense layer over its pixels with per-channel multipliers: the same sums, in the dense kernel's
        # base path (2.8 KB of code where ek_conv2d_s8 takes 8.7 KB)
        call = (f"ek_fully_connected_base_s8(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.inputs[1])}, NULL, "
                f"{ctx.ref(op.outputs[0])});")
        return OpCall(name_of(op), "ek_fc_params", dense_params, call, tuple(arrays), table, ("ek_fully_connected",))
    kernel = "ek_depthwise_conv2d_s8" if depthwise else "ek_conv2d_s8"
    if quads:
        # four channels at a time, each group's weights and constants in one block: kws_ref_model's 3x3
        # layers from 7.90 to 5.5 instructions per MAC on the M4 (benchmarks/profile_ops.py)
        weights = ctx.constant(op.inputs[1]).astype(np.int64)
        multipliers = np.array([m for m, _ in pairs], np.int64)
        rights = np.array([-shift - 1 for _, shift in pairs], np.int64)
        narrow = narrow_accumulators(np.abs(weights.reshape(-1, channels)).T, base_values)
        # (narrow: the kernel doubles the accumulator and adds twice the base in one instruction)
        blocks = quads_blocks(weights, base_values * (2 if narrow else 1), multipliers, rights)
        kernel = "ek_depthwise_conv2d_quads" + ("_narrow" if narrow else "") + \
            ("_full" if narrow and (low, high) == (-128, 127) else "") + "_s8"
        arrays = [c_array(f"{prefix}_w", "int32_t", blocks)]
        table = 4 * blocks.size
        constants_refs = f"(const int8_t*){prefix}_w, NULL"
    else:
        bias_ref = ctx.ref(bias) if bias is not None and (depthwise or tap_path) else "NULL"
        constants_refs = f"{ctx.ref(op.inputs[1])}, {bias_ref}"
    call, families = convolution_call(op, ctx, kernel, constants_refs,
                                      ("ek_depthwise_conv",) if depthwise else ("ek_conv",))
    return OpCall(name_of(op), "ek_conv_params", params, call, tuple(arrays), table, families)


def convolution_call(op, ctx: Context, kernel: str, constants: str,
                     families: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """How a convolution runs, and the kernel families that takes: ``kernel`` (in ek_conv2d_s8's
    signature, with ``constants`` its filter and bias arguments) fused with the dense layer after it,
    as one stage of a chain (runtime_ops/conv_chain.py), in bands over its own input, or in
    one call."""
    inp, out = ctx.ref(op.inputs[0]), ctx.ref(op.outputs[0])
    chain = ctx.chains.get(op.index)
    if op.index in ctx.dense_fusions:
        call, extra = fused_dense_call(op, ctx, kernel, f"{inp}, {constants}")
        return call, families + extra
    if op.index in ctx.conv_adds:
        # the ADD's call runs this one, a row at a time (runtime_ops/conv_add.py; its families are added there)
        ctx.chain_kernels[op.index] = (kernel, f"{inp}, {constants}", families)
        # (the comment names the kernel, which the flash budget counts by the names in the calls)
        return f"/* computed with op {ctx.conv_adds[op.index].add}'s sum (ek_conv_add_s8, {kernel}) */", families
    if chain is not None and chain.last != op.index:
        # the last convolution's call runs this one, row by row (its own families are added there)
        ctx.chain_kernels[op.index] = (kernel, f"{inp}, {constants}", families)
        return f"/* computed with op {chain.last}'s convolution (ek_conv_chain_s8) */", families
    if chain is not None:
        stages = chain.stages[:-1]
        # (in a block of its own: the compound literals' stack is freed after the call)
        call = (f"{{ ek_conv_chain_s8(P, {kernel}, {constants}, {stage_arguments(ctx, stages, chain.tensors)}, "
                f"{out}); }}")
        inner = tuple(family for i in stages for family in ctx.chain_kernels[i][2])
        return call, families + inner + ("ek_conv_chain", "ek_conv_in_place")
    if op.index in ctx.in_place:
        # the planner put the output over the input (in_place_layout): the kernel runs in bands
        return f"ek_conv_in_place_s8(P, {kernel}, {inp}, {constants}, {out});", families + ("ek_conv_in_place",)
    x, y = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.shape and x.shape[0] > 1:
        # the kernels run one image (and fusions and bands take batch 1 only): one call per image
        in_image, out_image = x.nbytes // x.shape[0], y.nbytes // y.shape[0]
        return (f"for (int32_t b = 0; b < {x.shape[0]}; ++b) "
                f"{kernel}(P, {inp} + b * {in_image}, {constants}, {out} + b * {out_image});"), families
    return f"{kernel}(P, {inp}, {constants}, {out});", families


def fused_dense_call(op, ctx: Context, kernel: str, sources: str) -> tuple[str, tuple[str, ...]]:
    """The call of a convolution fused with its dense layer (runtime_ops/conv_dense.py): ``kernel`` in
    ek_conv2d_s8's signature and its ``sources`` (input, filter, bias) run in bands into the start of the
    output's bytes, the dense layer's accumulators after them; and the kernel families it needs."""
    fusion = ctx.dense_fusions[op.index]
    dense = ctx.info.operators[fusion.dense]
    band = ctx.ref(op.outputs[0])
    call = (f"ek_conv_dense_s8(P, {kernel}, {sources}, {band}, {fusion.band_rows}, &k_p{dense.index}, "
            f"{ctx.ref(dense.inputs[1])}, (int32_t*)(void*)({band} + {fusion.band_bytes}), "
            f"{ctx.ref(dense.outputs[0])});")
    return call, ("ek_conv_dense", "ek_conv_in_place", "ek_fully_connected")


#: A 1x1 convolution runs in place in bands of at least this many input bytes (ek_conv_in_place.h): the
#: shorter the band the fewer bytes the overlap costs, but each band is a kernel call that loads every
#: channel's constants again.
POINTWISE_BAND_BYTES = 256
#: ek_conv.c's EK_POINTWISE_SHORT_DEPTH: 1x1 layers up to this input depth loop over channel pairs outside,
#: so that each band loads every channel's constants again.
POINTWISE_SHORT_DEPTH = 32
#: Extra Cortex-M4 instructions per band of an in-place convolution (the driver's arithmetic and a kernel
#: call), and per output channel and band on the 1x1 short-depth path, as benchmarks/profile_ops.py
#: --in-place=above measured them against --in-place=none on vww_96_int8 and kws_ref_model.
BAND_INSTRUCTIONS = 120
BAND_CHANNEL_INSTRUCTIONS = 40


def kernel_size(op, info) -> tuple[int, int]:
    """(height, width) of a convolution's filter or a pool's window."""
    if op.op in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return int(op.option("filterHeight", 1)), int(op.option("filterWidth", 1))
    shape = info.tensors[op.inputs[1]].shape
    return shape[1], shape[2]


@dataclass(frozen=True)
class BandGeometry:
    """A convolution as ek_conv_in_place_s8 sees it: rows of output and input (a 1x1 layer: pixels), their
    bytes, and where each output row's window starts and how far it reaches in the input."""

    rows: int
    in_rows: int
    in_row: int
    out_row: int
    stride: int
    pad_top: int
    reach: int
    pointwise: bool

    def low(self, first: int) -> int:
        """The first input row that output rows from ``first`` on read."""
        return max(0, first * self.stride - self.pad_top)

    def high(self, end: int) -> int:
        """One past the last input row that output rows before ``end`` read."""
        return min(self.in_rows, (end - 1) * self.stride - self.pad_top + self.reach)


def band_geometry(op, info, pixels: bool = True) -> BandGeometry | None:
    """The band geometry of a CONV_2D or DEPTHWISE_CONV_2D (or a pool, a chain's stage), or None for one
    that ek_conv_in_place_s8 does not run (batches, non-int8 tensors). ``pixels``: a 1x1 layer's rows are
    its pixels, as ek_conv_in_place_s8 sees it (False: image rows, as ek_conv_band_s8 runs every layer)."""
    t = info.tensors
    x, out = t[op.inputs[0]], t[op.outputs[0]]
    if (x.dtype != "INT8" or out.dtype != "INT8" or len(x.shape) != 4 or len(out.shape) != 4
            or x.shape[0] != 1 or out.shape[0] != 1):
        return None
    k_h, k_w = kernel_size(op, info)
    stride_h, stride_w = int(op.option("strideH", 1)), int(op.option("strideW", 1))
    dil_h, dil_w = int(op.option("dilationHFactor", 1)), int(op.option("dilationWFactor", 1))
    pad_top = padding(x.shape[1], out.shape[1], k_h, stride_h, dil_h)
    pad_left = padding(x.shape[2], out.shape[2], k_w, stride_w, dil_w)
    if pixels and (k_h, k_w, stride_h, stride_w, pad_top, pad_left) == (1, 1, 1, 1, 0, 0) \
            and x.shape[1:3] == out.shape[1:3]:
        # ek_conv_in_place_s8 treats every pixel as a row of its own
        pixels = x.shape[1] * x.shape[2]
        return BandGeometry(pixels, pixels, x.shape[3], out.shape[3], 1, 0, 1, True)
    return BandGeometry(out.shape[1], x.shape[1], x.shape[2] * x.shape[3], out.shape[2] * out.shape[3], stride_h,
                        pad_top, (k_h - 1) * dil_h + 1, False)


def in_place_layout(op, info) -> tuple[int, int] | None:
    """Where the input of a CONV_2D or DEPTHWISE_CONV_2D may start relative to its output for
    ``ek_conv_in_place_s8`` to run it with the two overlapping: ``(above, below)``, the input's start
    minus the output's in bytes (multiples of 16) with the bands running from the top (the input starting
    at or above the output) and from the bottom (the input starting below it); None for a convolution it
    does not run (batches, non-int8 tensors). The tensors span ``max(out, shift + in) - min(0, shift)``
    bytes together; which direction is better depends on the neighbours, so the planner gets both.

    The rule is ek_conv_in_place.h's, for bands of the minimum length (one output row; for a 1x1 layer
    ``POINTWISE_BAND_BYTES`` of input): the kernel writes a band's output rows while it reads that band's
    input rows, so with bands from the top every band's writes must end before the first input row it
    reads (``shift >= max(end * R_out - low(first) * R_in)``), and with bands from the bottom every band's
    writes must start after the last input row it or an earlier band reads
    (``shift <= min(first * R_out - high(end - 1) * R_in)``).
    """
    g = band_geometry(op, info)
    if g is None:
        return None
    band = min(g.rows, max(2, -(-POINTWISE_BAND_BYTES // g.in_row))) if g.pointwise else 1
    forward = max(min(first + band, g.rows) * g.out_row - g.low(first) * g.in_row for first in range(g.rows))
    backward = min(max(0, end - band) * g.out_row - g.high(end) * g.in_row for end in range(1, g.rows + 1))
    # rounded away from the output: still safe, and 16-byte aligned; bands from the top need the input at
    # or above the output's start, from the bottom below it
    return max(0, -(-forward // 16) * 16), min(-16, backward // 16 * 16)


def in_place_bands(op, info, shift: int) -> list[tuple[int, int]]:
    """The bands, ``(first, end)`` output rows (a 1x1 layer: pixels), that ek_conv_in_place_s8 runs in, in
    its order, with the input starting ``shift`` bytes after the output (the same arithmetic as the C)."""
    g = band_geometry(op, info)
    bands = []
    if shift >= 0:
        first = 0
        while first < g.rows:
            end = min(g.rows, max(first + 1, (shift + g.low(first) * g.in_row) // g.out_row))
            if end < g.rows and end - first > 2 and (end - first) % 2:
                end -= 1  # even, as the kernels take pixels in pairs
            bands.append((first, end))
            first = end
    else:
        end = g.rows
        while end > 0:
            first = min(end - 1, max(0, -(-(shift + g.high(end) * g.in_row) // g.out_row)))
            if first > 0 and end - first > 2 and (end - first) % 2:
                first += 1
            bands.append((first, end))
            end = first
    return bands


def in_place_cost(op, info, shift: int) -> int:
    """Estimated extra Cortex-M4 instructions of running the convolution in place with ``shift``
    (``BAND_INSTRUCTIONS`` per band beyond the first; on the 1x1 short-depth path also
    ``BAND_CHANNEL_INSTRUCTIONS`` per output channel and band)."""
    g = band_geometry(op, info)
    per_band = BAND_INSTRUCTIONS
    if g.pointwise and g.in_row <= POINTWISE_SHORT_DEPTH:
        per_band += BAND_CHANNEL_INSTRUCTIONS * g.out_row
    return per_band * (len(in_place_bands(op, info, shift)) - 1)


def blocked_mode(in_c: int, out_c: int, k_h: int, k_w: int, dilation: tuple[int, int]) -> str | None:
    """How ek_conv2d_blocked_s8 runs a CONV_2D (base folded): "im2col" when the window
    fits an im2col column, "rows" when filter rows can be read in place (in_c a multiple of 4, no
    dilation), None when it does not run it (out_c not a multiple of 4, or neither applies)."""
    if out_c % 4:
        return None
    if k_h * k_w * in_c <= BLOCKED_COLUMN_BYTES:
        return "im2col"
    if in_c % 4 == 0 and dilation == (1, 1):
        return "rows"
    return None


def blocked_filter(weights: np.ndarray, im2col: bool) -> np.ndarray:
    """A CONV_2D filter [out_c][k_h][k_w][in_c] in ek_conv2d_blocked_s8's order: blocks of four output
    channels, each of segments (the whole window with im2col, else one per filter row), each of groups of
    four values [group][channel][4], the last group zero-padded."""
    out_c = weights.shape[0]
    segments = 1 if im2col else weights.shape[1]
    flat = weights.reshape(out_c // 4, 4, segments, -1)
    length = flat.shape[-1]
    groups = -(-length // 4)
    padded = np.zeros((out_c // 4, 4, segments, groups * 4), dtype=weights.dtype)
    padded[..., :length] = flat
    # [block][channel][segment][group][4] -> [block][segment][group][channel][4]
    return padded.reshape(out_c // 4, 4, segments, groups, 4).transpose(0, 2, 3, 1, 4).ravel()


def quads_blocks(weights: np.ndarray, base: np.ndarray, multipliers: np.ndarray, rights: np.ndarray) -> np.ndarray:
    """A DEPTHWISE_CONV_2D's constants [1][k_h][k_w][channels] in ek_depthwise_conv2d_quads_s8's blocks of
    int32 words, one per four channels: a word per tap holding its four int8 weights (channel c in byte c,
    little-endian), then each channel's base and multiplier in turn, then a word of the four right shifts - 1."""
    taps = weights.shape[1] * weights.shape[2]
    quads = weights.shape[3] // 4
    # (the words as int32, as the array's other values)
    words = little_endian_words(weights).view(np.int32).reshape(taps, quads).T  # [quad][tap]
    pairs = np.stack([base.reshape(quads, 4), multipliers.reshape(quads, 4)], axis=2).reshape(quads, 8)
    shifts = little_endian_words(rights).view(np.int32).reshape(quads, 1)
    return np.concatenate([words, pairs, shifts], axis=1).ravel()


def narrow_accumulators(weights: np.ndarray, base: np.ndarray) -> bool:
    """True when every accumulator of a kernel that starts each output at ``base`` [units] and adds
    weights [units][n] times int8 inputs stays below 2^30 in magnitude, whatever the inputs
    (ek_requantize_right_narrow's condition)."""
    bound = np.abs(base.astype(np.int64)) + 128 * np.abs(weights.astype(np.int64)).sum(axis=1)
    return bool(bound.max(initial=0) < 2**30)


def used_once(ctx: Context, tensor: int) -> bool:
    """True when no other operator of the model reads ``tensor`` (its data may be laid out for one kernel)."""
    return sum(tensor in op.inputs for op in ctx.info.operators) == 1
