"""A model with state (SVDF memory) validates identical on the device: the firmware's boot self-test
advances the state, so the application puts it back (ek_engine_reset) before serving, and the host's
samples run on the device from the same fresh state as on the host's tflite-micro interpreter."""

from __future__ import annotations

import json

import numpy as np
import pytest

from edgekit import platformio
from edgekit.reader import read_model
from tests.opmodels_recurrent import svdf_model

pytestmark = [pytest.mark.slow]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(platformio.CACHE_VARIABLE, str(tmp_path_factory.getbasetemp() / "edgekit-cache"))


def test_an_svdf_model_validates_identical_after_its_self_test(run_cli, tmp_path):
    model = svdf_model(np.random.default_rng(4), 1, 24, 6, 2, 8, "int16")
    path = tmp_path / "svdf.tflite"
    path.write_bytes(model)
    tensor = read_model(model).input_tensors[0]
    scale, zero_point = tensor.quantization.scales[0], tensor.quantization.zero_points[0]
    # real values that quantize over the whole int8 range, 30 samples in sequence
    q = np.random.default_rng(5).integers(-128, 128, size=(30, *tensor.shape[1:]))
    np.savez(tmp_path / "test.npz", x=((q - zero_point) * scale).astype(np.float32))
    code, _, err = run_cli("build", path, "-b", "qemu_m4", "--selftest-samples", "3", "-o", tmp_path / "b")
    assert code == 0, err
    code, out, err = run_cli("validate", "-b", "qemu_m4", "--build-dir", tmp_path / "b", "--test-data",
                             tmp_path / "test.npz", "--n", "30", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["identical"] == 30 and result["max_abs_diff"] == 0
