"""Single-operator models of the data-movement ops (transpose, slices, splits, packs, gathers, pads, the
space/depth/batch rearrangements), built with the flatbuffer schema, for property tests of the edgekit
runtime against the tflite-micro interpreter. Output shapes are worked out here independently of
edgekit (numpy's own slicing and padding), so a handler that computes a wrong shape fails."""

from __future__ import annotations

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tests.opmodels import Builder

OP = schema.BuiltinOperator
OPTIONS = schema.BuiltinOptions
#: The element types the data-movement ops take inside int8 models.
NUMPY = {"int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64, "bool": np.bool_,
         "float32": np.float32}


class Tensors:
    """Tensors of one type and one quantization (the data-movement ops never requantize)."""

    def __init__(self, builder: Builder, rng, dtype: str) -> None:
        self.b, self.dtype = builder, dtype
        self.scale, self.zero_point = None, None
        if dtype == "int8":
            self.scale, self.zero_point = float(rng.uniform(0.01, 0.1)), int(rng.integers(-20, 20))
        elif dtype == "int16":
            self.scale, self.zero_point = float(rng.uniform(0.0001, 0.001)), 0

    def __call__(self, shape, data=None) -> int:
        """A tensor of ``shape`` (a constant when ``data`` is given)."""
        if data is not None:
            data = np.asarray(data, dtype=NUMPY[self.dtype])
        return self.b.tensor(list(shape), self.dtype, self.scale, self.zero_point, data)


def constant(b: Builder, values, dtype: str = "int32") -> int:
    """A constant integer vector or matrix (begin, perm, paddings, ...)."""
    values = np.asarray(values, dtype=NUMPY[dtype])
    return b.tensor(list(values.shape), dtype, data=values)


def random_values(rng, shape, dtype: str) -> np.ndarray:
    """Values over a type's whole range (bools half true)."""
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if dtype == "float32":
        return rng.normal(0, 3, size=shape).astype(np.float32)
    bounds = np.iinfo(NUMPY[dtype])
    return rng.integers(bounds.min, int(bounds.max) + 1, size=shape, dtype=NUMPY[dtype])


def transpose_model(rng, shape, perm, dtype="int8") -> bytes:
    """TRANSPOSE by a constant permutation."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x, y = t(shape), t([shape[p] for p in perm])
    b.operator(OP.TRANSPOSE, [x, constant(b, perm)], [y], OPTIONS.TransposeOptions, schema.TransposeOptionsT(), 2)
    return b.finish([x], [y])


def slice_model(rng, shape, begin, size, dtype="int8", index_dtype="int32") -> bytes:
    """SLICE with constant begin and size (size -1: to the end)."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    out = [d - s if n == -1 else n for d, s, n in zip(shape, begin, size)]
    x, y = t(shape), t(out)
    b.operator(OP.SLICE, [x, constant(b, begin, index_dtype), constant(b, size, index_dtype)], [y],
               OPTIONS.SliceOptions, schema.SliceOptionsT(), 2)
    return b.finish([x], [y])


def strided_slice_shape(shape, begin, end, strides, begin_mask, end_mask, shrink_mask) -> list[int]:
    """The output shape numpy's slicing gives (TensorFlow's semantics for these masks)."""
    index = []
    for d, (lo, hi, step) in enumerate(zip(begin, end, strides)):
        if shrink_mask >> d & 1:
            index.append(lo)
        else:
            index.append(slice(None if begin_mask >> d & 1 else lo, None if end_mask >> d & 1 else hi, step))
    return list(np.empty(shape)[tuple(index)].shape)


def strided_slice_model(rng, shape, begin, end, strides, begin_mask=0, end_mask=0, shrink_mask=0,
                        dtype="int8", offset=False, ellipsis_mask=0, new_axis_mask=0, out_shape=None) -> bytes:
    """STRIDED_SLICE with constant begin, end and strides and the given masks; the output shape is
    numpy's unless ``out_shape`` says otherwise."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x = t(shape)
    y = t(out_shape if out_shape is not None
          else strided_slice_shape(shape, begin, end, strides, begin_mask, end_mask, shrink_mask))
    options = schema.StridedSliceOptionsT()
    options.beginMask, options.endMask, options.shrinkAxisMask = begin_mask, end_mask, shrink_mask
    options.offset, options.ellipsisMask, options.newAxisMask = offset, ellipsis_mask, new_axis_mask
    b.operator(OP.STRIDED_SLICE, [x, constant(b, begin), constant(b, end), constant(b, strides)], [y],
               OPTIONS.StridedSliceOptions, options, 4)
    return b.finish([x], [y])


def broadcast_to_model(rng, shape, target, dtype="int8", shape_dtype="int32") -> bytes:
    """BROADCAST_TO a constant shape."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x, y = t(shape), t(target)
    b.operator(OP.BROADCAST_TO, [x, constant(b, target, shape_dtype)], [y], OPTIONS.BroadcastToOptions,
               schema.BroadcastToOptionsT(), 2)
    return b.finish([x], [y])


def _parts(shape, axis, sizes) -> list[list[int]]:
    parts = []
    for size in sizes:
        part = list(shape)
        part[axis] = size
        parts.append(part)
    return parts


def split_model(rng, shape, axis, num, dtype="int8", outputs=None) -> bytes:
    """SPLIT into ``num`` equal parts along ``axis`` (may be negative); ``outputs`` picks which parts are
    graph outputs, in that order (the others are written and never read)."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x = t(shape)
    ys = _split(b, t, x, shape, axis, num)
    return b.finish([x], [ys[k] for k in (outputs if outputs is not None else range(num))])


def _split(b: Builder, t: Tensors, x: int, shape, axis, num) -> list[int]:
    """A SPLIT of tensor ``x`` into ``num`` equal parts along ``axis``; returns the parts."""
    parts = [t(p) for p in _parts(shape, axis % len(shape), [shape[axis] // num] * num)]
    options = schema.SplitOptionsT()
    options.numSplits = num
    b.operator(OP.SPLIT, [constant(b, [axis]), x], parts, OPTIONS.SplitOptions, options, 3)
    return parts


def split_v_model(rng, shape, axis, sizes, dtype="int8") -> bytes:
    """SPLIT_V into parts of ``sizes`` along ``axis``."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x = t(shape)
    ys = [t(p) for p in _parts(shape, axis % len(shape), sizes)]
    options = schema.SplitVOptionsT()
    options.numSplits = len(sizes)
    b.operator(OP.SPLIT_V, [x, constant(b, sizes), constant(b, [axis])], ys, OPTIONS.SplitVOptions, options, 2)
    return b.finish([x], ys)


def unpack_model(rng, shape, axis, dtype="int8") -> bytes:
    """UNPACK along ``axis``: one output per index, without that dimension."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x = t(shape)
    rest = [d for k, d in enumerate(shape) if k != axis % len(shape)]
    ys = [t(rest) for _ in range(shape[axis])]
    options = schema.UnpackOptionsT()
    options.num, options.axis = shape[axis], axis
    b.operator(OP.UNPACK, [x], ys, OPTIONS.UnpackOptions, options, 3)
    return b.finish([x], ys)


def pack_model(rng, shape, axis, count, dtype="int8") -> bytes:
    """PACK of the input and ``count - 1`` constants along a new ``axis``."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x = t(shape)
    inputs = [x] + [t(shape, random_values(rng, shape, dtype)) for _ in range(count - 1)]
    out = list(shape)
    out.insert(axis % (len(shape) + 1), count)
    y = t(out)
    options = schema.PackOptionsT()
    options.valuesCount, options.axis = count, axis
    b.operator(OP.PACK, inputs, [y], OPTIONS.PackOptions, options, 3)
    return b.finish([x], [y])


def concatenation_model(rng, shape, axis, others, dtype) -> bytes:
    """CONCATENATION of the input and constants of any type along ``axis``."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x = t(shape)
    inputs, total = [x], shape[axis]
    for _ in range(others):
        part = list(shape)
        part[axis] = int(rng.integers(1, 4))
        total += part[axis]
        inputs.append(t(part, random_values(rng, part, dtype)))
    out = list(shape)
    out[axis] = total
    y = t(out)
    options = schema.ConcatenationOptionsT()
    options.axis = axis
    b.operator(OP.CONCATENATION, inputs, [y], OPTIONS.ConcatenationOptions, options, 3)
    return b.finish([x], [y])


def reshaping_chain_model(rng, shape, axis, perm, dtype="int8") -> bytes:
    """EXPAND_DIMS at ``axis`` -> TRANSPOSE by ``perm`` -> SQUEEZE of the new dimension: the two shape
    ops share their input's bytes, the transpose between them copies."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x = t(shape)
    expanded = list(shape)
    expanded.insert(axis % (len(shape) + 1), 1)
    e = t(expanded)
    b.operator(OP.EXPAND_DIMS, [x, constant(b, [axis])], [e], OPTIONS.ExpandDimsOptions,
               schema.ExpandDimsOptionsT(), 1)
    transposed = [expanded[p] for p in perm]
    p = t(transposed)
    b.operator(OP.TRANSPOSE, [e, constant(b, perm)], [p], OPTIONS.TransposeOptions, schema.TransposeOptionsT(), 2)
    new_axis = perm.index(axis % (len(shape) + 1))
    y = t([d for k, d in enumerate(transposed) if k != new_axis])
    options = schema.SqueezeOptionsT()
    options.squeezeDims = [new_axis]
    b.operator(OP.SQUEEZE, [p], [y], OPTIONS.SqueezeOptions, options, 1)
    return b.finish([x], [y])


def dynamic_batch_flatten_model(rng, shape, dtype="int8") -> bytes:
    """A Flatten as TensorFlow's converter writes it for a model with a dynamic batch: SHAPE of the input,
    STRIDED_SLICE of its batch (a shrunk axis), PACK of that and a constant -1 into the new shape, and a
    RESHAPE of the input by that run-time shape."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x = t(shape)
    dims = b.tensor([len(shape)], "int32")
    b.operator(OP.SHAPE, [x], [dims], OPTIONS.ShapeOptions, schema.ShapeOptionsT(), 1)
    batch = b.tensor([], "int32")
    options = schema.StridedSliceOptionsT()
    options.shrinkAxisMask = 1
    b.operator(OP.STRIDED_SLICE, [dims, constant(b, [0]), constant(b, [1]), constant(b, [1])], [batch],
               OPTIONS.StridedSliceOptions, options, 4)
    new_shape = b.tensor([2], "int32")
    options = schema.PackOptionsT()
    options.valuesCount, options.axis = 2, 0
    b.operator(OP.PACK, [batch, constant(b, np.array(-1, np.int32))], [new_shape], OPTIONS.PackOptions, options, 3)
    y = t([shape[0], int(np.prod(shape[1:]))])
    b.operator(OP.RESHAPE, [x, new_shape], [y], OPTIONS.ReshapeOptions, schema.ReshapeOptionsT(), 1)
    return b.finish([x], [y])


def sample_shape(shape) -> tuple[int, ...]:
    """The shape of one sample of a graph input, as the test harness feeds it (a leading 1 dropped)."""
    return tuple(shape[1:]) if shape and shape[0] == 1 else tuple(shape)


def gather_model(rng, shape, axis, batch_dims, index_shape, constant_indices=True, dtype="int8"):
    """GATHER along ``axis`` (may be negative) after ``batch_dims`` shared dimensions, indices in range:
    constant, or a second graph input. Returns the model and ``indices(samples)``, which draws run-time
    indices for that many samples."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x = t(shape)
    axis_p = axis % len(shape)
    full = list(shape[:batch_dims]) + list(index_shape)
    indices = constant(b, rng.integers(0, shape[axis_p], size=full)) if constant_indices \
        else b.tensor(full, "int32")
    y = t(list(shape[:axis_p]) + full[batch_dims:] + list(shape[axis_p + 1:]))
    options = schema.GatherOptionsT()
    options.axis, options.batchDims = axis, batch_dims
    b.operator(OP.GATHER, [x, indices], [y], OPTIONS.GatherOptions, options, 1)
    model = b.finish([x] if constant_indices else [x, indices], [y])
    return model, lambda samples: rng.integers(0, shape[axis_p], size=(samples, *sample_shape(full))).astype(np.int32)


def gather_nd_model(rng, shape, slices_shape, nd, constant_indices=True, dtype="int8"):
    """GATHER_ND picking ``nd`` leading coordinates per index row (in range); returns the model and an
    index maker as :func:`gather_model` does."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x = t(shape)
    full = list(slices_shape) + [nd]

    def draw(rows_shape) -> np.ndarray:
        columns = [rng.integers(0, shape[j], size=(*rows_shape, 1)) for j in range(nd)]
        return np.concatenate(columns, axis=-1).astype(np.int32)

    indices = constant(b, draw(slices_shape)) if constant_indices else b.tensor(full, "int32")
    y = t(list(slices_shape) + list(shape[nd:]))
    b.operator(OP.GATHER_ND, [x, indices], [y], OPTIONS.GatherNdOptions, schema.GatherNdOptionsT(), 1)
    model = b.finish([x] if constant_indices else [x, indices], [y])
    return model, lambda samples: draw((samples, *sample_shape(full)[:-1]))


def pad_model(rng, shape, paddings, dtype="int8", value=None, v2=False) -> bytes:
    """PAD (or PADV2 with a constant ``value``) with constant paddings."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x = t(shape)
    y = t([d + lo + hi for d, (lo, hi) in zip(shape, paddings)])
    inputs = [x, constant(b, paddings)]
    if value is not None:
        inputs.append(t([], np.asarray(value, dtype=NUMPY[dtype]).reshape(())))
    if v2:
        b.operator(OP.PADV2, inputs, [y], OPTIONS.PadV2Options, schema.PadV2OptionsT(), 2)
    else:
        b.operator(OP.PAD, inputs, [y], OPTIONS.PadOptions, schema.PadOptionsT(), 2)
    return b.finish([x], [y])


def mirror_pad_model(rng, shape, paddings, symmetric: bool, dtype="int8", pad_dtype="int32") -> bytes:
    """MIRROR_PAD, REFLECT or SYMMETRIC."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x = t(shape)
    y = t([d + lo + hi for d, (lo, hi) in zip(shape, paddings)])
    options = schema.MirrorPadOptionsT()
    options.mode = schema.MirrorPadMode.SYMMETRIC if symmetric else schema.MirrorPadMode.REFLECT
    b.operator(OP.MIRROR_PAD, [x, constant(b, paddings, pad_dtype)], [y], OPTIONS.MirrorPadOptions, options, 2)
    return b.finish([x], [y])


def depth_to_space_model(rng, shape, block, dtype="int8") -> bytes:
    """DEPTH_TO_SPACE of an NHWC tensor."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    n, h, w, c = shape
    x, y = t(shape), t([n, h * block, w * block, c // (block * block)])
    options = schema.DepthToSpaceOptionsT()
    options.blockSize = block
    b.operator(OP.DEPTH_TO_SPACE, [x], [y], OPTIONS.DepthToSpaceOptions, options, 2)
    return b.finish([x], [y])


def space_to_depth_model(rng, shape, block, dtype="int8") -> bytes:
    """SPACE_TO_DEPTH of an NHWC tensor."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    n, h, w, c = shape
    x, y = t(shape), t([n, h // block, w // block, c * block * block])
    options = schema.SpaceToDepthOptionsT()
    options.blockSize = block
    b.operator(OP.SPACE_TO_DEPTH, [x], [y], OPTIONS.SpaceToDepthOptions, options, 2)
    return b.finish([x], [y])


def space_to_batch_model(rng, shape, block, paddings, dtype="int8") -> bytes:
    """SPACE_TO_BATCH_ND of a 3-D or 4-D tensor."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    spatial = [(d + lo + hi) // k for d, k, (lo, hi) in zip(shape[1:-1], block, paddings)]
    x, y = t(shape), t([shape[0] * int(np.prod(block)), *spatial, shape[-1]])
    b.operator(OP.SPACE_TO_BATCH_ND, [x, constant(b, block), constant(b, paddings)], [y],
               OPTIONS.SpaceToBatchNDOptions, schema.SpaceToBatchNDOptionsT(), 2)
    return b.finish([x], [y])


def batch_to_space_model(rng, shape, block, crops, dtype="int8") -> bytes:
    """BATCH_TO_SPACE_ND of a 3-D or 4-D tensor."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    spatial = [d * k - lo - hi for d, k, (lo, hi) in zip(shape[1:-1], block, crops)]
    x, y = t(shape), t([shape[0] // int(np.prod(block)), *spatial, shape[-1]])
    b.operator(OP.BATCH_TO_SPACE_ND, [x, constant(b, block), constant(b, crops)], [y],
               OPTIONS.BatchToSpaceNDOptions, schema.BatchToSpaceNDOptionsT(), 2)
    return b.finish([x], [y])


def split_then_concatenate_model(rng, shape, axis, num, dtype="int8") -> bytes:
    """SPLIT into ``num`` parts, then CONCATENATION of the parts in reverse order: several outputs of
    one op alive together and read by a later op."""
    b = Builder()
    t = Tensors(b, rng, dtype)
    x = t(shape)
    parts = _split(b, t, x, shape, axis, num)
    y = t(shape)
    concat = schema.ConcatenationOptionsT()
    concat.axis = axis
    b.operator(OP.CONCATENATION, parts[::-1], [y], OPTIONS.ConcatenationOptions, concat, 3)
    return b.finish([x], [y])
