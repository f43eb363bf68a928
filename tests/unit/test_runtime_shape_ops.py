"""The data-movement ops in edgekit's runtime are bit-exact with the tflite-micro interpreter: random
shapes, ranks, axes (negative ones too), masks, strides (negative ones too), paddings, blocks, several
outputs, run-time indices and every element type TFLM takes for each op, one batch per op family and
target (the host, QEMU's Cortex-M4 and Cortex-M3). Models the runtime refuses are ones TFLM refuses or
cannot run either, and the refusal names the fix."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgekit import host
from edgekit.codegen import generate, inplace_aliases
from edgekit.errors import InterpreterCrash, ModelError
from edgekit.reader import read_model
from tests import opmodels_shape as m
from tests.runtime_batch import TARGETS, Case, assert_batch_bit_exact, case, fresh_tflm_outputs

PROPERTY = settings(max_examples=1, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def seeds(count: int):
    """``count`` seeds, one per case. Case k takes its rank and element type from k, so every rank and
    type an op takes is in the batch even at hypothesis's first (simplest, all seeds 0) draw, and draws
    everything else (shapes, axes, masks, strides, paddings, blocks, indices) from (seed, k)."""
    return st.lists(st.integers(0, 2**31 - 1), min_size=count, max_size=count)


def _rng(k: int, seed: int):
    return np.random.default_rng([seed, k])


def _pick(k: int, choices):
    return choices[k % len(choices)]


def batch(*families) -> list[Case]:
    """The cases of (case maker, seeds) pairs, in order."""
    return [maker(k, seed) for maker, seed_list in families for k, seed in enumerate(seed_list)]


def _shape(rng, rank: int, low: int = 1, high: int = 5) -> list[int]:
    return [int(v) for v in rng.integers(low, high, size=rank)]


# --- transpose, slices, broadcast, the aliased shape ops --------------------------------------------------

def transpose_case(k, seed) -> Case:
    rng, rank = _rng(k, seed), 1 + k % 5
    model = m.transpose_model(rng, _shape(rng, rank), rng.permutation(rank).tolist(),
                              _pick(k, ["int8", "int16", "float32"]))
    return case(f"transpose{k}", model, seed=seed)


def slice_case(k, seed) -> Case:
    rng, rank = _rng(k, seed), 1 + k % 5
    shape = _shape(rng, rank, 1, 6)
    begin = [int(rng.integers(0, d)) for d in shape]
    size = [-1 if rng.random() < 0.3 else int(rng.integers(1, d - b + 1)) for d, b in zip(shape, begin)]
    model = m.slice_model(rng, shape, begin, size, _pick(k, ["int8", "int16", "int32", "bool"]),
                          _pick(k // 4, ["int32", "int64"]))
    return case(f"slice{k}", model, seed=seed)


def strided_slice_case(k, seed) -> Case:
    """Random masks, begin and end (negative and past the ends) and strides (negative too); shrunk axes
    take an index inside the axis with stride 1 and no begin or end mask, as TensorFlow writes them."""
    rng, rank = _rng(k, seed), 1 + k % 4
    full = (1 << rank) - 1
    shrink_mask = int(rng.integers(0, 16)) & full if rng.random() < 0.5 else 0
    begin_mask = int(rng.integers(0, 16)) & full & ~shrink_mask
    end_mask = int(rng.integers(0, 16)) & full & ~shrink_mask
    while True:
        shape = _shape(rng, rank, 1, 7)
        strides = [int(rng.choice([-3, -2, -1, 1, 2, 3])) for _ in shape]
        begin = [int(rng.integers(-d - 2, d + 3)) for d in shape]
        end = [int(rng.integers(-d - 2, d + 3)) for d in shape]
        for d in range(rank):
            if shrink_mask >> d & 1:
                strides[d], begin[d] = 1, int(rng.integers(-shape[d], shape[d]))
        if all(m.strided_slice_shape(shape, begin, end, strides, begin_mask, end_mask, shrink_mask)):
            break
    model = m.strided_slice_model(rng, shape, begin, end, strides, begin_mask, end_mask, shrink_mask,
                                  _pick(k // 4, ["int8", "int16", "int32", "bool"]))
    return case(f"strided_slice{k}", model, seed=seed)


def broadcast_case(k, seed) -> Case:
    rng, rank = _rng(k, seed), 1 + k % 5
    target = _shape(rng, rank, 1, 5)
    kept = int(rng.integers(0, rank + 1))  # the input has the last `kept` dimensions, some of them 1
    shape = [d if rng.random() < 0.5 else 1 for d in target[rank - kept:]] or [1]
    model = m.broadcast_to_model(rng, shape, target, _pick(k, ["int8", "int16", "int32", "bool"]),
                                 _pick(k // 4, ["int32", "int64"]))
    return case(f"broadcast{k}", model, seed=seed)


def chain_case(k, seed) -> Case:
    rng, rank = _rng(k, seed), 1 + k % 4
    axis = int(rng.integers(-rank - 1, rank + 1))
    model = m.reshaping_chain_model(rng, _shape(rng, rank), axis, rng.permutation(rank + 1).tolist(),
                                    _pick(k, ["int8", "int16"]))
    return case(f"chain{k}", model, seed=seed)


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(transposes=seeds(10), slices=seeds(10), strided=seeds(20), broadcasts=seeds(10), chains=seeds(4))
def test_transpose_slices_and_broadcast_are_bit_exact_with_tflm(target, transposes, slices, strided, broadcasts,
                                                                 chains, tmp_path):
    cases = batch((transpose_case, transposes), (slice_case, slices), (strided_slice_case, strided),
                  (broadcast_case, broadcasts), (chain_case, chains))
    # edge values named outright: a negative stride over everything with both masks, shrinking two
    # axes, and TFLM ignoring the offset flag (end read as an index, not a length from begin)
    rng = np.random.default_rng(7)
    cases.append(case("strided_reverse", m.strided_slice_model(rng, [2, 5, 3], [0, 0, 0], [0, 0, 0], [1, -1, -2],
                                                              begin_mask=7, end_mask=7)))
    cases.append(case("strided_shrink", m.strided_slice_model(rng, [3, 4, 2], [-1, 2, 0], [0, 3, 2], [1, 1, 1],
                                                             shrink_mask=3)))
    cases.append(case("strided_offset", m.strided_slice_model(rng, [1, 8], [0, 2], [1, 5], [1, 1], offset=True,
                                                             out_shape=[1, 3])))
    # a Flatten converted with a dynamic batch: SHAPE, STRIDED_SLICE and PACK make the RESHAPE's shape
    cases.append(case("dynamic_flatten", m.dynamic_batch_flatten_model(rng, [1, 3, 4, 5])))
    assert_batch_bit_exact(cases, target, tmp_path)


# --- several outputs and inputs: splits, unpack, pack, concatenation ----------------------------------------

SPLIT_TYPES = ["int8", "int16", "int32"]


def _split_shape(rng, rank, axis, multiple) -> list[int]:
    shape = _shape(rng, rank, 1, 4)
    shape[axis] = multiple
    return shape


def split_case(k, seed) -> Case:
    rng, rank = _rng(k, seed), 1 + k % 4
    axis, num = int(rng.integers(-rank, rank)), int(rng.integers(1, 4))
    shape = _split_shape(rng, rank, axis, num * int(rng.integers(1, 3)))
    return case(f"split{k}", m.split_model(rng, shape, axis, num, _pick(k, SPLIT_TYPES)), seed=seed)


def split_v_case(k, seed) -> Case:
    rng, rank = _rng(k, seed), 1 + k % 4
    axis = int(rng.integers(-rank, rank))
    sizes = [int(v) for v in rng.integers(1, 4, size=int(rng.integers(1, 4)))]
    shape = _split_shape(rng, rank, axis, sum(sizes))
    return case(f"split_v{k}", m.split_v_model(rng, shape, axis, sizes, _pick(k, SPLIT_TYPES)), seed=seed)


def unpack_case(k, seed) -> Case:
    rng, rank = _rng(k, seed), 1 + k % 4
    axis = int(rng.integers(-rank, rank))
    return case(f"unpack{k}", m.unpack_model(rng, _shape(rng, rank, 1, 4), axis, _pick(k, SPLIT_TYPES)), seed=seed)


def pack_case(k, seed) -> Case:
    rng, rank = _rng(k, seed), 1 + k % 3
    axis = int(rng.integers(-rank - 1, rank + 1))
    model = m.pack_model(rng, _shape(rng, rank, 1, 4), axis, int(rng.integers(1, 4)),
                         _pick(k, ["int8", "int16", "int32", "int64"]))
    return case(f"pack{k}", model, seed=seed)


def concatenation_case(k, seed) -> Case:
    rng, rank = _rng(k, seed), 1 + k % 4
    axis = int(rng.integers(0, rank))
    model = m.concatenation_model(rng, _shape(rng, rank, 1, 4), axis, int(rng.integers(1, 3)),
                                  _pick(k, ["int8", "int16", "int32", "int64", "bool"]))
    return case(f"concat{k}", model, seed=seed)


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(splits=seeds(9), split_vs=seeds(9), unpacks=seeds(6), packs=seeds(8), concats=seeds(10))
def test_splits_packs_and_concatenations_are_bit_exact_with_tflm(target, splits, split_vs, unpacks, packs, concats,
                                                                  tmp_path):
    cases = batch((split_case, splits), (split_v_case, split_vs), (unpack_case, unpacks), (pack_case, packs),
                  (concatenation_case, concats))
    # outputs that are never read, graph outputs in another order, parts read by a later op
    rng = np.random.default_rng(11)
    cases.append(case("split_some_outputs", m.split_model(rng, [2, 6, 3], 1, 3, outputs=[2, 0])))
    cases.append(case("split_then_concatenate", m.split_then_concatenate_model(rng, [1, 4, 6, 2], -2, 3)))
    assert_batch_bit_exact(cases, target, tmp_path)


# --- pads ------------------------------------------------------------------------------------------------

def pad_case(k, seed) -> Case:
    """PAD with the zero point (int8) or 0, PAD and PADV2 with a constant value, ranks 1 to 5."""
    rng, rank = _rng(k, seed), 1 + k % 5
    dtype, v2 = _pick(k, ["int8", "int16", "int32"]), bool(k // 3 % 2)
    shape = _shape(rng, rank, 1, 4)
    paddings = [[int(v) for v in rng.integers(0, 3, size=2)] for _ in shape]
    value = m.random_values(rng, [], dtype).item() if v2 or rng.random() < 0.3 else None
    return case(f"pad{k}", m.pad_model(rng, shape, paddings, dtype, value, v2), seed=seed)


def mirror_pad_case(k, seed) -> Case:
    rng, rank = _rng(k, seed), 1 + k % 4
    symmetric = bool(k // 4 % 2)
    shape = _shape(rng, rank, 2, 6)
    limit = [d if symmetric else d - 1 for d in shape]
    paddings = [[int(rng.integers(0, n + 1)), int(rng.integers(0, n + 1))] for n in limit]
    model = m.mirror_pad_model(rng, shape, paddings, symmetric, "int8", _pick(k, ["int32", "int64"]))
    return case(f"mirror{k}", model, seed=seed)


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(pads=seeds(18), mirrors=seeds(10))
def test_pads_are_bit_exact_with_tflm(target, pads, mirrors, tmp_path):
    cases = batch((pad_case, pads), (mirror_pad_case, mirrors))
    # the zero point on every side, and a mirror as wide as REFLECT allows on both sides
    rng = np.random.default_rng(13)
    cases.append(case("pad_zero_point", m.pad_model(rng, [1, 2, 2, 1], [[0, 0], [1, 1], [1, 1], [0, 0]])))
    cases.append(case("mirror_full", m.mirror_pad_model(rng, [1, 3, 4, 2], [[0, 0], [2, 2], [3, 3], [0, 0]], False)))
    assert_batch_bit_exact(cases, target, tmp_path)


# --- depth, space and batch ------------------------------------------------------------------------------

SPACE_TYPES = ["int8", "int8", "float32"]


def depth_to_space_case(k, seed) -> Case:
    rng, block = _rng(k, seed), 1 + k % 3
    n, h, w, c = _shape(rng, 4, 1, 4)
    model = m.depth_to_space_model(rng, [n, h, w, c * block * block], block, _pick(k // 3, SPACE_TYPES))
    return case(f"d2s{k}", model, seed=seed)


def space_to_depth_case(k, seed) -> Case:
    rng, block = _rng(k, seed), 1 + k % 3
    n, h, w, c = _shape(rng, 4, 1, 4)
    model = m.space_to_depth_model(rng, [n, h * block, w * block, c], block, _pick(k // 3, SPACE_TYPES))
    return case(f"s2d{k}", model, seed=seed)


def space_to_batch_case(k, seed) -> Case:
    rng, rank = _rng(k, seed), 3 + k % 2
    block = [int(v) for v in rng.integers(1, 4, size=rank - 2)]
    spatial, paddings = [], []
    for size in block:  # paddings that make the padded extent a multiple of the block
        extent, before = int(rng.integers(1, 6)), int(rng.integers(0, 3))
        spatial.append(extent)
        paddings.append([before, (-(before + extent)) % size + size * int(rng.integers(0, 2))])
    shape = [int(rng.integers(1, 3)), *spatial, int(rng.integers(1, 4))]
    model = m.space_to_batch_model(rng, shape, block, paddings, _pick(k // 2, SPACE_TYPES))
    return case(f"s2b{k}", model, seed=seed)


def batch_to_space_case(k, seed) -> Case:
    rng, rank = _rng(k, seed), 3 + k % 2
    block = [int(v) for v in rng.integers(1, 4, size=rank - 2)]
    spatial = [int(v) for v in rng.integers(1, 4, size=rank - 2)]
    crops = []
    for size, extent in zip(block, spatial):
        total = int(rng.integers(0, size * extent))  # crop less than the whole
        top = int(rng.integers(0, total + 1))
        crops.append([top, total - top])
    shape = [int(rng.integers(1, 3)) * int(np.prod(block)), *spatial, int(rng.integers(1, 4))]
    model = m.batch_to_space_model(rng, shape, block, crops, _pick(k // 2, SPACE_TYPES))
    return case(f"b2s{k}", model, seed=seed)


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(d2s=seeds(6), s2d=seeds(6), s2b=seeds(6), b2s=seeds(8))
def test_depth_space_and_batch_ops_are_bit_exact_with_tflm(target, d2s, s2d, s2b, b2s, tmp_path):
    cases = batch((depth_to_space_case, d2s), (space_to_depth_case, s2d), (batch_to_space_case, b2s))
    padded = batch((space_to_batch_case, s2b))
    # TFLM pads SPACE_TO_BATCH_ND with a value it never sets: 0 in a fresh arena, an earlier model's
    # bytes in a reused one; so those cases each get an interpreter process of their own
    expected = host.run_tflm_batch([(c.model, list(c.inputs)) for c in cases]) + fresh_tflm_outputs(padded)
    assert_batch_bit_exact(cases + padded, target, tmp_path, expected)


# --- gathers ---------------------------------------------------------------------------------------------

GATHER_TYPES = ["int8", "int8", "float32"]


def _with_indices(name, model, indices, seed) -> Case:
    """A case whose run-time indices (a second graph input) lie inside the input."""
    drawn = case(name, model, seed=seed)
    if len(drawn.inputs) == 1:
        return drawn
    return Case(name, model, (drawn.inputs[0], indices(len(drawn.inputs[0]))))


def gather_case(k, seed) -> Case:
    """Constant and run-time indices, negative axes, batch dimensions."""
    rng, rank = _rng(k, seed), 1 + k % 4
    shape = _shape(rng, rank, 1, 5)
    axis = int(rng.integers(-rank, rank))
    batch_dims = int(rng.integers(0, axis % rank + 1))
    index_shape = _shape(rng, int(rng.integers(1, 3)), 1, 4)
    model, indices = m.gather_model(rng, shape, axis, batch_dims, index_shape, bool(k // 4 % 2),
                                    _pick(k // 2, GATHER_TYPES))
    return _with_indices(f"gather{k}", model, indices, seed)


def gather_nd_case(k, seed) -> Case:
    rng, rank = _rng(k, seed), 1 + k % 4
    shape = _shape(rng, rank, 1, 5)
    model, indices = m.gather_nd_model(rng, shape, _shape(rng, int(rng.integers(1, 3)), 1, 4),
                                       int(rng.integers(1, rank + 1)), bool(k // 4 % 2), _pick(k // 2, GATHER_TYPES))
    return _with_indices(f"gather_nd{k}", model, indices, seed)


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(gathers=seeds(12), gather_nds=seeds(10))
def test_gathers_are_bit_exact_with_tflm(target, gathers, gather_nds, tmp_path):
    cases = batch((gather_case, gathers), (gather_nd_case, gather_nds))
    assert_batch_bit_exact(cases, target, tmp_path)


# --- a model TensorFlow's converter made ------------------------------------------------------------------

@pytest.fixture(scope="module")
def converted_data_movement() -> bytes:
    """A Keras model of data movement, converted to full int8 by TensorFlow's converter through
    edgekit.quantize: PAD, TRANSPOSE, SPLIT, CONCATENATION, STRIDED_SLICE (a negative stride),
    MIRROR_PAD, GATHER, UNPACK, PACK, SPACE_TO_DEPTH and RESHAPE, as the converter writes them."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from edgekit.loading import import_tensorflow
    from edgekit.quantization import quantize

    tf = import_tensorflow()
    import keras
    from keras import layers

    x = keras.Input((8, 8, 4))
    padded = layers.ZeroPadding2D(((1, 0), (0, 1)))(x)
    swapped = layers.Permute((2, 1, 3))(padded)
    first, second = layers.Lambda(lambda v: tf.split(v, 2, axis=-1))(swapped)
    joined = layers.Concatenate(axis=-1)([second, first])
    strided = layers.Lambda(lambda v: v[:, 1:9:2, ::-1, :])(joined)
    mirrored = layers.Lambda(lambda v: tf.pad(v, [[0, 0], [1, 1], [2, 0], [0, 0]], mode="REFLECT"))(strided)
    gathered = layers.Lambda(lambda v: tf.gather(v, [3, 1, 2, 0], axis=-1))(mirrored)
    restacked = layers.Lambda(lambda v: tf.stack(tf.unstack(v, axis=1)[::-1], axis=1))(gathered)
    out = layers.Reshape((3, 5, 16))(layers.Lambda(lambda v: tf.nn.space_to_depth(v[:, :, :10, :], 2))(restacked))
    data = np.random.default_rng(5).normal(size=(100, 8, 8, 4)).astype(np.float32)
    return quantize(keras.Model(x, out), data, layer_errors=False).tflite


@pytest.mark.parametrize("target", TARGETS)
def test_a_converted_model_of_data_movement_is_bit_exact(converted_data_movement, target, tmp_path):
    info = read_model(converted_data_movement)
    ops = {op.op for op in info.operators}
    assert {"PAD", "TRANSPOSE", "SPLIT", "CONCATENATION", "STRIDED_SLICE", "MIRROR_PAD", "GATHER", "UNPACK", "PACK",
            "SPACE_TO_DEPTH"} <= ops, ops
    assert all(info.tensors[t].dtype == "INT8" for op in info.operators for t in op.outputs)
    assert_batch_bit_exact([case("converted_data_movement", converted_data_movement, samples=6)], target, tmp_path)


# --- the plan and the refusals ---------------------------------------------------------------------------

def test_squeeze_and_expand_dims_share_their_input_bytes():
    model = m.reshaping_chain_model(np.random.default_rng(0), [2, 3, 4], 1, [0, 2, 1, 3])
    info = read_model(model)
    aliases = inplace_aliases(info)
    expand, transpose, squeeze = info.operators
    assert aliases[expand.outputs[0]] == expand.inputs[0]
    assert aliases[squeeze.outputs[0]] == squeeze.inputs[0]
    assert transpose.outputs[0] not in aliases  # a real copy: its own bytes
    calls = generate(model, info).calls
    assert "nothing to do" in calls[0].call and "nothing to do" in calls[2].call


def test_split_outputs_each_get_their_own_arena_bytes():
    model = m.split_model(np.random.default_rng(0), [2, 6, 3], 1, 3)
    info = read_model(model)
    offsets = dict(generate(model, info).offsets)
    spans = sorted((offsets[t], offsets[t] + info.tensors[t].nbytes) for t in info.operators[0].outputs)
    assert all(end <= start for (_, end), (start, _) in zip(spans, spans[1:]))
    x = info.inputs[0]
    assert all(not (offsets[x] < end and start < offsets[x] + info.tensors[x].nbytes) for start, end in spans)


def _refusal(model: bytes) -> str:
    with pytest.raises(ModelError) as error:
        generate(model, read_model(model))
    return str(error.value)


def test_strided_slice_masks_tflm_ignores_are_refused_like_tflm_refuses_them():
    """TFLM zeroes the ellipsis and new-axis masks, then finds the output shape wrong and refuses."""
    rng = np.random.default_rng(0)
    model = m.strided_slice_model(rng, [2, 3], [0, 1], [0, 2], [1, 1], ellipsis_mask=1, out_shape=[2, 1])
    message = _refusal(model)
    assert "STRIDED_SLICE" in message and "ellipsisMask" in message and "--runtime tflm" in message
    with pytest.raises(InterpreterCrash):
        host.run_tflm_batch([(model, [np.zeros((1, 2, 3), np.int8)])])


def test_inputs_tflm_reads_as_constants_must_be_constants():
    b = m.Builder()
    x = b.tensor([2, 3], "int8", 0.1, 0)
    perm = b.tensor([2], "int32")
    y = b.tensor([3, 2], "int8", 0.1, 0)
    b.operator(m.OP.TRANSPOSE, [x, perm], [y], m.OPTIONS.TransposeOptions, m.schema.TransposeOptionsT(), 2)
    message = _refusal(b.finish([x, perm], [y]))
    assert "TRANSPOSE" in message and "a permutation computed at run time" in message
    assert "--runtime tflm" in message


def test_gather_with_int64_indices_is_refused_as_tflm_refuses_it():
    b = m.Builder()
    x = b.tensor([4, 3], "int8", 0.1, 0)
    indices = b.tensor([2], "int64", data=np.array([0, 3], np.int64))
    y = b.tensor([2, 3], "int8", 0.1, 0)
    b.operator(m.OP.GATHER, [x, indices], [y], m.OPTIONS.GatherOptions, m.schema.GatherOptionsT(), 1)
    assert "int32 indices" in _refusal(b.finish([x], [y]))


def test_shape_with_an_int64_output_is_refused_as_tflm_refuses_it():
    b = m.Builder()
    x = b.tensor([1, 4, 3], "int8", 0.1, 0)
    dims = b.tensor([3], "int64")
    options = m.schema.ShapeOptionsT()
    options.outType = m.schema.TensorType.INT64
    b.operator(m.OP.SHAPE, [x], [dims], m.OPTIONS.ShapeOptions, options, 1)
    model = b.finish([x], [dims])
    message = _refusal(model)
    assert "SHAPE" in message and "int32 only" in message and "--runtime tflm" in message
    with pytest.raises(InterpreterCrash):
        host.run_tflm_batch([(model, [np.zeros((1, 4, 3), np.int8)])])
