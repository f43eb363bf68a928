"""Loading and checking representative/test data: every source format and every rejection."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.datasets import calibration_warnings, fit_to_input, fit_to_inputs, load_dataset, Dataset
from edgekit.errors import DataError

SHAPE = (1, 8, 8, 1)


def _images(n=120, low=0.0, high=1.0, seed=0):
    return np.random.default_rng(seed).uniform(low, high, size=(n, 8, 8, 1)).astype(np.float32)


def test_npy_and_npz_with_default_keys(tmp_path):
    x = _images()
    np.save(tmp_path / "a.npy", x)
    np.savez(tmp_path / "b.npz", x=x, y=np.arange(len(x)))
    assert np.array_equal(load_dataset(str(tmp_path / "a.npy")).x, x)
    data = load_dataset(str(tmp_path / "b.npz"))
    assert np.array_equal(data.x, x) and data.y is not None and len(data.y) == len(x)


def test_npz_key_selection_and_pairing(tmp_path):
    x = _images()
    np.savez(tmp_path / "c.npz", x_test=x, y_test=np.ones(len(x)), y=np.zeros(len(x)), other=np.zeros(3))
    data = load_dataset(f"{tmp_path / 'c.npz'}:x_test")
    assert data.y is not None and data.y.sum() == len(x)  # y_test pairs with x_test, not plain y
    with pytest.raises(DataError, match="no array 'nope'"):
        load_dataset(f"{tmp_path / 'c.npz'}:nope")


def test_npz_with_ambiguous_keys_names_them(tmp_path):
    np.savez(tmp_path / "d.npz", first=_images(), second=_images())
    with pytest.raises(DataError, match="first, second"):
        load_dataset(str(tmp_path / "d.npz"))


def test_callable_source(tmp_path, monkeypatch):
    (tmp_path / "mydata.py").write_text(
        "import numpy as np\n"
        "def samples():\n"
        "    for i in range(5):\n"
        "        yield [np.full((1, 8, 8, 1), i, dtype=np.float32)]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    data = load_dataset("mydata:samples")
    fitted = fit_to_input(data, SHAPE, "representative")
    assert fitted.x.shape == (5, 8, 8, 1)
    assert fitted.x[3].max() == 3


def test_image_folder_with_classes(tmp_path):
    from PIL import Image

    for label in ("cat", "dog"):
        (tmp_path / "imgs" / label).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(np.full((20, 30, 3), 255 if label == "dog" else 0, dtype=np.uint8)).save(
                tmp_path / "imgs" / label / f"{i}.png")
    data = load_dataset(str(tmp_path / "imgs"), input_shape=SHAPE, image_range="-1-1")
    assert data.x.shape == (6, 8, 8, 1)
    assert list(data.y) == [0, 0, 0, 1, 1, 1]
    assert data.x[0].max() == pytest.approx(-1.0) and data.x[-1].min() == pytest.approx(1.0)


def test_missing_and_unsupported_sources(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_dataset(str(tmp_path / "missing.npy"))
    (tmp_path / "data.csv").write_text("1,2,3\n")
    with pytest.raises(DataError, match="unsupported format"):
        load_dataset(str(tmp_path / "data.csv"))
    (tmp_path / "broken.npy").write_bytes(b"not numpy")
    with pytest.raises(DataError, match="not a readable"):
        load_dataset(str(tmp_path / "broken.npy"))


def test_adds_a_missing_channel_and_drops_a_per_sample_batch():
    assert fit_to_input(Dataset(_images()[..., 0], None, "t"), SHAPE, "test").x.shape == (120, 8, 8, 1)
    assert fit_to_input(Dataset(_images()[:, np.newaxis], None, "t"), SHAPE, "test").x.shape == (120, 8, 8, 1)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.zeros((0, 8, 8, 1), np.float32), "empty"),
        (np.zeros((10, 8, 8, 3), np.float32), r"shape \[8, 8, 3\] but the model input is \[8, 8, 1\]"),
        (np.array([["a"] * 3] * 2), "must be numbers"),
        (np.ones((10, 8, 8, 1), bool), "boolean"),
    ],
)
def test_rejections(x, message):
    with pytest.raises(DataError, match=message):
        fit_to_input(Dataset(x, None, "d"), SHAPE, "representative")


def test_nan_and_inf_are_counted():
    x = _images()
    x[3, 0, 0, 0] = np.nan
    x[7, 1, 1, 0] = np.inf
    with pytest.raises(DataError, match="2 NaN or infinite values in 2 samples"):
        fit_to_input(Dataset(x, None, "d"), SHAPE, "representative")


def test_warnings_for_few_samples_and_mismatched_ranges():
    few = Dataset(_images(n=20), None, "rep")
    assert any("only 20 representative samples" in w for w in calibration_warnings(few, None))
    rep = Dataset(_images(high=255.0), None, "rep")
    test = Dataset(_images(high=1.0), None, "test")
    assert any("normalised differently" in w for w in calibration_warnings(rep, test))
    wider = Dataset(_images(low=-0.5, high=1.5), None, "test")
    assert any("beyond the calibrated range" in w for w in calibration_warnings(Dataset(_images(), None, "r"), wider))
    assert calibration_warnings(Dataset(_images(), None, "r"), Dataset(_images(seed=1), None, "t")) == []


def test_an_npz_with_numbered_arrays_gives_one_input_per_x_and_labels_per_y(tmp_path):
    rng = np.random.default_rng(0)
    x0, x1 = rng.normal(size=(7, 6)), rng.normal(size=(7, 4, 4))
    y0, y1 = rng.integers(0, 3, size=7), rng.normal(size=(7, 1))
    np.savez(tmp_path / "multi.npz", x_0=x0, x_1=x1, y_0=y0, y_1=y1)
    data = load_dataset(str(tmp_path / "multi.npz"))
    assert len(data.inputs) == 2 and len(data.labels) == 2 and len(data) == 7
    fitted = fit_to_inputs(data, [(1, 6), (1, 4, 4, 1)], "test", outputs=2)
    assert [x.shape for x in fitted.inputs] == [(7, 6), (7, 4, 4, 1)]  # a trailing channel of 1 is added
    assert np.array_equal(fitted.labels[1], y1) and np.array_equal(fitted.x, x0.astype(np.float32))
    assert [x.shape[0] for x in fitted.take(3).inputs] == [3, 3] and len(fitted.take(3).labels[0]) == 3
    # one label array 'y' scores the first output
    np.savez(tmp_path / "plain_y.npz", x_0=x0, x_1=x1, y=y0)
    assert load_dataset(str(tmp_path / "plain_y.npz")).labels[0] is not None


@pytest.mark.parametrize("arrays, shapes, message", [
    ({"x": np.zeros((4, 6))}, [(1, 6), (1, 3)], "holds one input array, but the model has 2 inputs"),
    ({"x_0": np.zeros((4, 6)), "x_1": np.zeros((4, 3))}, [(1, 6)], "holds 2 input arrays, but the model has 1 input"),
    ({"x_0": np.zeros((4, 6)), "x_1": np.zeros((4, 5))}, [(1, 6), (1, 3)], r"input x_1\)': samples have shape \[5\]"),
    ({"x_0": np.zeros((4, 6)), "x_1": np.zeros((3, 3))}, [(1, 6), (1, 3)], "x_0 4, x_1 3"),
    ({"x_0": np.zeros((4, 6)), "x_2": np.zeros((4, 3))}, [(1, 6), (1, 3)], "has no 'x_1'"),
    ({"x_0": np.zeros((4, 6)), "x_1": np.full((4, 3), "a")}, [(1, 6), (1, 3)], "input x_1.*must be numbers"),
    ({"x_0": np.zeros((4, 6)), "x_1": np.full((4, 3), np.nan)}, [(1, 6), (1, 3)], "input x_1.*NaN"),
    ({"x_0": np.zeros((4, 6)), "x_1": np.zeros((4, 3)), "y_0": np.zeros(4), "y_1": np.zeros(4), "y_2": np.zeros(4)},
     [(1, 6), (1, 3)], "labels for 3 outputs"),
])
def test_each_input_is_checked_with_a_message_naming_it(tmp_path, arrays, shapes, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError, match=message):
        fit_to_inputs(load_dataset(str(tmp_path / "bad.npz")), shapes, "test", outputs=2)


def test_whole_numbers_beyond_float32_reach_an_integer_input_unchanged():
    big = np.array([[2**31 - 1, -2**31, 16_777_217]], dtype=np.int64)
    fitted = fit_to_input(Dataset(big, None, "t"), (1, 3), "test")
    assert np.array_equal(fitted.x.astype(np.int64), big)


def test_calibration_ranges_are_checked_per_input():
    rng = np.random.default_rng(1)
    rep = Dataset.of([rng.uniform(0, 1, (150, 3)), rng.uniform(0, 1, (150, 2))], None, "rep")
    test = Dataset.of([rng.uniform(0, 1, (20, 3)), rng.uniform(0, 255, (20, 2))], None, "test")
    warnings = calibration_warnings(rep, test)
    assert len(warnings) == 1 and "values of input x_1 span" in warnings[0]


def test_one_input_with_numbered_labels_keeps_a_label_array_per_output(tmp_path):
    """``x`` with ``y_0``, ``y_1``: a one-input model with two outputs, each output scored on its labels."""
    path = tmp_path / "data.npz"
    np.savez(path, x=np.zeros((5, 3), np.float32), y_0=np.arange(5), y_1=np.ones(5))
    data = load_dataset(path)
    assert len(data.inputs) == 1 and [label.shape for label in data.labels] == [(5,), (5,)]
