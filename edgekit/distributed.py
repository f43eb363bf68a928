"""QAT beyond one process: ``tf.distribute`` strategies, checkpoints each epoch, and resuming after a failure.

edgekit does not schedule anything itself. ``--strategy mirrored`` trains on every local device with
``tf.distribute.MirroredStrategy``; ``--strategy multiworker`` runs one copy of the same ``edgekit quantize``
command per worker under ``tf.distribute.MultiWorkerMirroredStrategy``, each told its place by the
``TF_CONFIG`` environment variable exactly as TensorFlow documents it::

    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'

With ``--checkpoint-dir`` (on storage every worker can reach) Keras' ``BackupAndRestore`` saves the model
and optimizer at the end of every epoch; when a worker dies the job fails, and starting every worker again
with the same command resumes from the last finished epoch instead of from scratch (TensorFlow's own
fault-tolerance model: the cluster manager restarts the job). The chief (worker 0, or the ``chief`` task)
also appends one line per epoch to ``progress.jsonl`` there, and is the one that writes the int8 model.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from edgekit.errors import QuantizationError

log = logging.getLogger(__name__)

STRATEGIES = ("mirrored", "multiworker")
PROGRESS_FILE = "progress.jsonl"


def cluster_config() -> dict | None:
    """``TF_CONFIG`` parsed, or None when it is not set.

    :raises QuantizationError: when it is set but is not the JSON TensorFlow expects.
    """
    text = os.environ.get("TF_CONFIG")
    if not text:
        return None
    try:
        config = json.loads(text)
        workers = config["cluster"]["worker"]
        task = config["task"]
        if not isinstance(workers, list) or task["type"] not in ("worker", "chief") or int(task["index"]) < 0:
            raise ValueError("bad task")
    except (ValueError, KeyError, TypeError) as exc:
        raise QuantizationError(
            f"TF_CONFIG is not a valid cluster description ({type(exc).__name__}: {exc}).\nThings to try:\n"
            '  - set it as TensorFlow documents: {"cluster": {"worker": ["host:port", ...]}, '
            '"task": {"type": "worker", "index": N}}'
        ) from exc
    return config


def is_chief(strategy: str | None) -> bool:
    """True for the process that writes results: always, except for the non-chief workers of a multi-worker job."""
    if strategy != "multiworker":
        return True
    config = cluster_config() or {}
    task = config.get("task", {})
    if "chief" in config.get("cluster", {}):
        return task.get("type") == "chief"
    return task.get("type") == "worker" and int(task.get("index", 0)) == 0


def start(strategy: str | None):
    """Create the ``tf.distribute`` strategy named by ``strategy`` (None: no strategy).

    Must run before TensorFlow does anything else (loading a model included): a multi-worker strategy
    configures the collective ops of the whole process when it is created.

    :raises QuantizationError: for an unknown strategy name, or ``multiworker`` without a valid ``TF_CONFIG``.
    """
    if strategy is None:
        return None
    if strategy not in STRATEGIES:
        raise QuantizationError(f"unknown strategy '{strategy}'; choose one of {', '.join(STRATEGIES)}.")
    if strategy == "multiworker" and cluster_config() is None:  # said before the seconds TensorFlow takes to load
        raise QuantizationError(
            "--strategy multiworker needs TF_CONFIG, which tells each worker the cluster and its own place "
            "in it.\nThings to try:\n"
            '  - on each worker set TF_CONFIG=\'{"cluster": {"worker": ["host1:port", "host2:port"]}, '
            '"task": {"type": "worker", "index": N}}\' and run the same command\n'
            "  - or use --strategy mirrored on one machine"
        )
    from edgekit.loading import import_tensorflow

    tf = import_tensorflow()
    made = tf.distribute.MirroredStrategy() if strategy == "mirrored" else tf.distribute.MultiWorkerMirroredStrategy()
    log.info("QAT under %s: %d replica(s) in sync", type(made).__name__, made.num_replicas_in_sync)
    return made


def model_scope(strategy: Any):
    """The scope models must be built and compiled in (a no-op without a strategy)."""
    return strategy.scope() if strategy is not None else contextlib.nullcontext()


def training_pipeline(train: Any, batch_size: int, shuffle_seed: int = 0):
    """The training data as a ``tf.data`` pipeline of ``(x, y)`` batches, sharded by element across workers.

    :param train: an in-memory :class:`~edgekit.datasets.Dataset` or an :class:`edgekit.streaming.Stream`
        (read in batches, never whole).
    """
    from edgekit.loading import import_tensorflow
    from edgekit.streaming import Stream

    tf = import_tensorflow()
    if isinstance(train, Stream):
        x, y = train.first_batch()
        signature = (tf.TensorSpec((None,) + x.shape[1:], tf.float32), tf.TensorSpec((None,) + y.shape[1:], y.dtype))
        samples = tf.data.Dataset.from_generator(lambda: ((bx, by) for bx, by in train.batches()),
                                                 output_signature=signature).unbatch()
        # a shuffle buffer, not a full shuffle: memory stays bounded whatever the data set's size
        samples = samples.shuffle(10 * batch_size, seed=shuffle_seed, reshuffle_each_iteration=True)
    else:
        samples = tf.data.Dataset.from_tensor_slices((train.x, train.y))
        samples = samples.shuffle(len(train), seed=shuffle_seed, reshuffle_each_iteration=True)
    options = tf.data.Options()
    # every worker reads the same source and keeps its share of the batches (files need not be split)
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return samples.batch(batch_size).prefetch(2).with_options(options)


def fit(model: Any, train: Any, epochs: int, batch_size: int, callbacks: list, strategy: Any = None,
        strategy_name: str | None = None, checkpoint_dir: str | Path | None = None) -> None:
    """Train ``model`` on ``train`` (arrays or a stream) for ``epochs``, checkpointing each epoch to
    ``checkpoint_dir`` and resuming from it when an earlier run of the same job stopped part-way."""
    import tf_keras

    callbacks = list(callbacks)
    if checkpoint_dir is not None:
        checkpoint_dir = Path(checkpoint_dir)
        checkpoint_dir.mkdir(parents=True, exist_ok=True)
        # BackupAndRestore restores the weights, the optimizer and the epoch counter, then saves at the end of
        # every epoch; under a multi-worker strategy only the chief's copy lands in the folder itself.
        callbacks.insert(0, tf_keras.callbacks.BackupAndRestore(str(checkpoint_dir / "backup"), save_freq="epoch",
                                                                delete_checkpoint=True))
        if is_chief(strategy_name):
            callbacks.append(_ProgressFile(tf_keras, checkpoint_dir / PROGRESS_FILE, epochs))
    model.fit(training_pipeline(train, batch_size), epochs=epochs, verbose=0, callbacks=callbacks)


def without_strategy(trained: Any, build: Callable[[], Any]) -> Any:
    """A copy of a model trained under a strategy, rebuilt outside it (plain variables, which the TFLite
    converter can freeze) with the trained weights."""
    plain = build()
    plain.set_weights(trained.get_weights())
    return plain


def read_progress(checkpoint_dir: str | Path) -> list[dict]:
    """The chief's per-epoch lines: ``{"epoch", "epochs", "first_epoch", "loss", ..., "time"}``."""
    path = Path(checkpoint_dir) / PROGRESS_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class _ProgressFile:
    """A Keras callback appending one JSON line per finished epoch, naming the epoch this run started at
    (above 0 after a resume)."""

    def __new__(cls, tf_keras: Any, path: Path, epochs: int):
        class Progress(tf_keras.callbacks.Callback):
            first_epoch = None

            def on_epoch_begin(self, epoch, logs=None):
                if self.first_epoch is None:
                    self.first_epoch = epoch
                    if epoch:
                        log.info("QAT resumed from the checkpoint at epoch %d of %d", epoch, epochs)

            def on_epoch_end(self, epoch, logs=None):
                line = {"epoch": epoch + 1, "epochs": epochs, "first_epoch": self.first_epoch, "time": time.time()}
                line.update({k: float(np.asarray(v)) for k, v in (logs or {}).items()})
                with open(path, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(line) + "\n")

        return Progress()
