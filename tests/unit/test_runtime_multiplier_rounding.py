"""The requantization multipliers of FULLY_CONNECTED (per tensor) and BATCH_MATMUL are TFLM's to the last
bit: the input and filter scales multiply in double (GetQuantizedConvolutionMultipler), not in float32.

A float32 product moves the int32 multiplier by a few units in 2^31, which changes an output only when its
accumulator sits within a few parts in 10^8 of a rounding boundary: random models almost never land there
(one output in about 10^5). These tests plant accumulators exactly there, where the two multipliers give
different outputs: the interpreter's outputs there are checked against both predictions (so the planting
is known to work), then the runtime's against the interpreter's.
"""

from __future__ import annotations

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from edgekit import host
from edgekit.runtime_ops.fixedpoint import quantize_multiplier
from tests.opmodels import Builder
from tests.runtime_batch import Case, run_batch

#: Accumulators searched for a boundary, and models (scale triples with planted outputs) per test.
ACCUMULATORS = range(-15_000, 15_000)
MODELS = 12


def _requantize(acc: np.ndarray, multiplier: int, shift: int) -> np.ndarray:
    """TFLM's MultiplyByQuantizedMultiplier (gemmlowp's rounding) over int64 accumulators."""
    product = (acc << max(shift, 0)) * multiplier
    nudged = product + np.where(product >= 0, 1 << 30, 1 - (1 << 30))
    high = np.where(nudged >= 0, nudged >> 31, -((-nudged) >> 31))  # division truncating toward zero
    right = max(-shift, 0)
    mask = (1 << right) - 1
    threshold = (mask >> 1) + (high < 0)
    return (high >> right) + ((high & mask) > threshold)


def _boundaries(rng, real_range: tuple[float, float], zp_out: int):
    """Scales (s_a, s_b, s_out) whose float32 and double products give different multipliers; the
    accumulators of ACCUMULATORS (up to 8) whose int8 outputs the two make different; and both outputs of
    each, (double's, float32's)."""
    while True:
        s_a, s_b = (float(np.float32(rng.uniform(0.01, 0.05))) for _ in range(2))
        s_out = float(np.float32(s_a * s_b / rng.uniform(*real_range)))
        single = quantize_multiplier(float(np.float32(s_a) * np.float32(s_b)) / s_out)
        double = quantize_multiplier(s_a * s_b / s_out)
        if single == double:
            continue
        accumulators = np.arange(ACCUMULATORS.start, ACCUMULATORS.stop, dtype=np.int64)
        exact, other = _requantize(accumulators, *double) + zp_out, _requantize(accumulators, *single) + zp_out
        on_boundary = (exact != other) & (exact >= -128) & (exact <= 127)
        if on_boundary.any():
            return s_a, s_b, s_out, accumulators[on_boundary][:8], (exact[on_boundary][:8], other[on_boundary][:8])


def _check(cases: list[Case], predictions: list[tuple[np.ndarray, np.ndarray]], tmp_path) -> None:
    """The interpreter gives the double product's outputs and none of the float32 product's, and the
    runtime gives the interpreter's."""
    expected = host.run_tflm_batch([(c.model, list(c.inputs)) for c in cases])
    for outputs, (exact, other) in zip(expected, predictions):
        assert np.array_equal(outputs[0].ravel(), exact) and not np.any(outputs[0].ravel() == other)
    differing = run_batch(cases, "host", tmp_path, expected)
    assert sum(differing.values()) == 0, differing


def test_dense_multiplier_is_the_double_product_of_the_scales(tmp_path):
    """Per-tensor FULLY_CONNECTED, one weight of 1 per unit and the bias placing each unit's accumulator
    on a boundary."""
    rng = np.random.default_rng(5)
    cases, predictions = [], []
    for i in range(MODELS):
        zp_in, zp_out = int(rng.integers(-20, 20)), int(rng.integers(-10, 10))
        s_in, s_w, s_out, accumulators, outputs = _boundaries(rng, (0.004, 0.008), zp_out)
        units, x0 = len(accumulators), 7
        weights = np.zeros((units, 4), np.int8)
        weights[:, 0] = 1
        b = Builder()
        x = b.tensor([1, 4], "int8", s_in, zp_in)
        w = b.tensor([units, 4], "int8", s_w, 0, weights)
        bias = b.tensor([units], "int32", s_in * s_w, 0, (accumulators - (x0 - zp_in)).astype(np.int32))
        y = b.tensor([1, units], "int8", s_out, zp_out)
        b.operator(schema.BuiltinOperator.FULLY_CONNECTED, [x, w, bias], [y],
                   schema.BuiltinOptions.FullyConnectedOptions, schema.FullyConnectedOptionsT(), 4)
        inputs = (np.array([[x0, -3, 100, -128]], np.int8),)
        cases.append(Case(f"dense{i}", b.finish([x], [y]), inputs, "auto", "balanced"))
        predictions.append(outputs)
    _check(cases, predictions, tmp_path)


def test_batch_matmul_multiplier_is_the_double_product_of_the_scales(tmp_path):
    """BATCH_MATMUL of an input row (1, 127, 127) by a constant matrix whose columns place each output's
    accumulator on a boundary: (r0 - zp) + 127 * (r1 - zp)."""
    rng = np.random.default_rng(6)
    cases, predictions = [], []
    for i in range(MODELS):
        zp_r, zp_out = int(rng.integers(-5, 5)), int(rng.integers(-10, 10))
        s_l, s_r, s_out, accumulators, outputs = _boundaries(rng, (0.004, 0.008), zp_out)
        cols = len(accumulators)
        rhs = np.full((3, cols), zp_r, np.int64)
        for c, acc in enumerate(accumulators):
            coarse = round(int(acc) / 127)
            rhs[1, c], rhs[0, c] = zp_r + coarse, zp_r + int(acc) - 127 * coarse
        b = Builder()
        lhs = b.tensor([1, 1, 3], "int8", s_l, 0)
        r = b.tensor([1, 3, cols], "int8", s_r, zp_r, data=rhs.astype(np.int8))
        y = b.tensor([1, 1, cols], "int8", s_out, zp_out)
        b.operator(schema.BuiltinOperator.BATCH_MATMUL, [lhs, r], [y], schema.BuiltinOptions.BatchMatMulOptions,
                   schema.BatchMatMulOptionsT(), 1)
        cases.append(Case(f"matmul{i}", b.finish([lhs], [y]), (np.array([[[1, 127, 127]]], np.int8),), "auto",
                          "balanced"))
        predictions.append(outputs)
    _check(cases, predictions, tmp_path)
