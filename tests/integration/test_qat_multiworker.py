"""QAT under tf.distribute: two local workers (MultiWorkerMirroredStrategy, two processes on localhost), one
killed mid-training, the job resumed from the last epoch's checkpoint; the accuracy matches a one-process run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from edgekit.distributed import read_progress

pytestmark = pytest.mark.tf

EPOCHS = 8
CLASSES = 3
FEATURES = 16


@pytest.fixture(scope="module")
def task(tmp_path_factory) -> Path:
    """A trained float classifier of overlapping Gaussian blobs (about 95% accurate) and its data."""
    from edgekit.loading import import_tensorflow

    import_tensorflow()
    import keras

    folder = tmp_path_factory.mktemp("blobs")
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1.0, size=(CLASSES, FEATURES))

    def draw(n):
        y = rng.integers(0, CLASSES, size=n)
        return (centres[y] + rng.normal(0, 1.0, size=(n, FEATURES))).astype(np.float32), y

    (x_train, y_train), (x_test, y_test) = draw(4000), draw(1000)
    np.savez(folder / "train.npz", x=x_train, y=y_train)
    np.savez(folder / "test.npz", x=x_test, y=y_test)
    np.savez(folder / "calib.npz", x=x_train[:500])
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(CLASSES, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=5, batch_size=64, verbose=0)
    model.save(folder / "blobs.keras")
    return folder


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _quantize(task: Path, out: Path, *extra: str, env: dict | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "edgekit", "quantize", str(task / "blobs.keras"), "--rep-data",
               str(task / "calib.npz"), "--test-data", str(task / "test.npz"), "--qat", "--train-data",
               str(task / "train.npz"), "--epochs", str(EPOCHS), "--learning-rate", "1e-3", "--no-layer-report",
               "--json", "-o", str(out), *extra]
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", **(env or {})}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)


def _workers(task: Path, out: Path, checkpoints: Path) -> list[subprocess.Popen]:
    ports = _free_ports(2)
    cluster = {"worker": [f"localhost:{port}" for port in ports]}  # loopback only
    return [_quantize(task, out, "--strategy", "multiworker", "--checkpoint-dir", str(checkpoints),
                      env={"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})})
            for i in range(2)]


def _accuracy(process: subprocess.Popen, timeout: float = 900) -> float:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out)["metric"]["int8_tflite"]


def test_two_workers_survive_a_killed_worker_and_match_one_process(task, tmp_path):
    checkpoints = tmp_path / "checkpoints"
    single = _quantize(task, tmp_path / "single.tflite", "--strategy", "mirrored")  # all local devices: one CPU
    first = _workers(task, tmp_path / "multi.tflite", checkpoints)
    deadline = time.monotonic() + 900
    while not read_progress(checkpoints):  # wait for the first finished epoch
        assert all(p.poll() is None for p in first), first[0].stderr.read()[-3000:] + first[1].stderr.read()[-3000:]
        assert time.monotonic() < deadline, "no epoch finished"
        time.sleep(0.1)
    first[1].send_signal(signal.SIGKILL)  # a worker dies mid-training
    first[1].wait()
    try:  # the chief cannot go on without it; a cluster manager would restart the job, as we do here
        first[0].wait(timeout=30)
    except subprocess.TimeoutExpired:
        first[0].send_signal(signal.SIGKILL)
        first[0].wait()
    for p in first:
        p.communicate()
    before = read_progress(checkpoints)
    finished_before = max(line["epoch"] for line in before)
    assert 1 <= finished_before < EPOCHS
    assert first[0].returncode != 0 and not (tmp_path / "multi.tflite").exists()

    second = _workers(task, tmp_path / "multi.tflite", checkpoints)
    multi = _accuracy(second[0])
    worker_out, worker_err = second[1].communicate(timeout=120)
    assert second[1].returncode == 0, worker_err[-3000:]
    assert worker_out == ""  # only the chief reports and writes
    resumed = read_progress(checkpoints)[len(before):]
    # the restarted job began at the last checkpoint, not at epoch 0, and ran to the end
    assert resumed[0]["first_epoch"] == finished_before
    assert [line["epoch"] for line in resumed] == list(range(finished_before + 1, EPOCHS + 1))
    assert (tmp_path / "multi.tflite").exists()

    one_process = _accuracy(single)
    print(f"\nint8 accuracy: one process {one_process:.4f}, two workers resumed {multi:.4f}")
    assert one_process > 0.8
    assert abs(multi - one_process) <= 0.01
