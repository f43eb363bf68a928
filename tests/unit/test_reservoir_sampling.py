"""Calibration samples the whole data set at random (seeded), in one pass with bounded memory."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.datasets import Dataset
from edgekit.errors import DataError
from edgekit.streaming import array_batches, reservoir_sample, sample_loaded


def _stream(n: int, batch: int = 97):
    """Batches of samples whose value is their index, labels the index too."""
    for start in range(0, n, batch):
        index = np.arange(start, min(n, start + batch))
        yield index.astype(np.float32).reshape(-1, 1, 1), index


def test_sample_covers_the_whole_stream_not_its_first_samples():
    x, y, seen = reservoir_sample(_stream(20_000), 1000, seed=0)
    assert seen == 20_000 and x.shape == (1000, 1, 1)
    assert np.array_equal(x[:, 0, 0].astype(np.int64), y)  # inputs and labels stay paired
    assert len(np.unique(y)) == 1000
    # uniform over [0, 20000): the mean is 10,000 +- a few hundred, and most samples lie past the first 1000
    assert abs(y.mean() - 10_000) < 600
    assert np.mean(y >= 1000) > 0.9
    # each tenth of the stream holds about a tenth of the sample
    counts = np.bincount(y // 2000, minlength=10)
    assert counts.min() > 60 and counts.max() < 140, counts


def test_same_seed_same_sample_and_another_seed_another():
    first = reservoir_sample(_stream(5000), 300, seed=7)[1]
    again = reservoir_sample(_stream(5000, batch=256), 300, seed=7)[1]
    other = reservoir_sample(_stream(5000), 300, seed=8)[1]
    assert np.array_equal(first, again)  # batch size does not change the sample
    assert not np.array_equal(np.sort(first), np.sort(other))


def test_short_stream_is_kept_whole_in_order():
    x, y, seen = reservoir_sample(_stream(50), 300, seed=0)
    assert seen == 50 and np.array_equal(y, np.arange(50))


def test_arrays_are_sampled_exactly_like_a_stream_of_them():
    data = Dataset(np.arange(4000, dtype=np.float32).reshape(-1, 1, 1), np.arange(4000), "arrays")
    sampled = sample_loaded(data, 500, seed=3)
    streamed = reservoir_sample(array_batches(data), 500, seed=3)
    assert np.array_equal(sampled.x, streamed[0]) and np.array_equal(sampled.y, streamed[1])
    assert sample_loaded(data, 5000, seed=3) is data


def test_a_sample_size_below_one_is_refused():
    with pytest.raises(DataError, match="at least 1"):
        reservoir_sample(_stream(10), 0)


def test_several_inputs_are_sampled_together_with_their_labels():
    count = 3000
    first = np.arange(count, dtype=np.float32)[:, None]
    second = (np.arange(count) * 10).astype(np.float32)[:, None, None]
    labels = (np.arange(count) % 7, np.arange(count) * 2)
    sampled = sample_loaded(Dataset.of((first, second), labels, "two inputs"), 500, seed=3)

    positions = sampled.inputs[0][:, 0].astype(np.int64)
    assert len(positions) == 500 and positions.max() >= 2000  # a sample of the whole set, not its start
    np.testing.assert_array_equal(sampled.inputs[1][:, 0, 0], positions * 10)
    np.testing.assert_array_equal(sampled.labels[0], positions % 7)
    np.testing.assert_array_equal(sampled.labels[1], positions * 2)
    # the same samples as the one-input path (and a stream of the same data) picks
    alone = sample_loaded(Dataset(first, labels[0], "one input"), 500, seed=3)
    np.testing.assert_array_equal(alone.x, sampled.x)
