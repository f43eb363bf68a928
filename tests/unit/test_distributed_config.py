"""Bad input to the any-size and multi-worker options: one clear message, no traceback, nothing written."""

from __future__ import annotations

import json

import pytest

from edgekit.distributed import cluster_config, is_chief, start
from edgekit.errors import DataError, QuantizationError
from edgekit.streaming import tfrecord_files


def test_tf_config_that_is_not_a_cluster_is_refused_with_the_documented_form(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {}}')
    with pytest.raises(QuantizationError, match='"cluster": {"worker"'):
        cluster_config()


def test_multiworker_without_tf_config_says_what_to_set(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert cluster_config() is None
    with pytest.raises(QuantizationError, match="needs TF_CONFIG"):
        start("multiworker")


def test_only_worker_zero_or_the_chief_writes(monkeypatch):
    def config(task_type, index, chief=False):
        cluster = {"worker": ["localhost:1", "localhost:2"], **({"chief": ["localhost:3"]} if chief else {})}
        monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": task_type, "index": index}}))

    config("worker", 0)
    assert is_chief("multiworker")
    config("worker", 1)
    assert not is_chief("multiworker") and is_chief("mirrored") and is_chief(None)
    config("worker", 0, chief=True)
    assert not is_chief("multiworker")
    config("chief", 0, chief=True)
    assert is_chief("multiworker")


def test_a_tfrecord_glob_matching_nothing_is_named(tmp_path):
    with pytest.raises(DataError, match="matches no TFRecord file"):
        tfrecord_files(str(tmp_path / "shards" / "*.tfrecord"))
    assert tfrecord_files(str(tmp_path / "data.npz")) is None


def test_strategy_without_qat_is_a_usage_error(run_cli, tmp_path):
    (tmp_path / "m.keras").write_bytes(b"")
    code, out, err = run_cli("quantize", tmp_path / "m.keras", "--rep-data", "x.npz", "-o", tmp_path / "o.tflite",
                             "--strategy", "mirrored")
    assert code == 2 and "add --qat" in err and "Traceback" not in err
    assert not (tmp_path / "o.tflite").exists()


def test_usage_mistakes_are_told_before_a_strategy_starts(tmp_path, monkeypatch):
    """A multi-worker strategy waits for its peers when it starts: flags that cannot work are refused first
    (here without TF_CONFIG, which distributed.start would complain about instead)."""
    from edgekit.quantization import quantize

    monkeypatch.delenv("TF_CONFIG", raising=False)
    model = tmp_path / "m.keras"
    model.write_bytes(b"not read before the checks")
    with pytest.raises(QuantizationError, match="QAT needs labelled training data"):
        quantize(str(model), "rep.npz", qat=True, strategy="multiworker")
    with pytest.raises(QuantizationError, match="trained in one process"):
        quantize(str(model), "rep.npz", qat=True, strategy="multiworker", train_data="train.npz",
                 activations="int16")
