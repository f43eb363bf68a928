"""Run a ``.tflite`` model on the host: TensorFlow Lite, and the real TFLM interpreter in a child process.

The ``tflite-micro`` package is TFLM itself, built for the host. Its kernels ``abort()`` the whole
process when a check in a prepare step fails, on some models that convert fine, so it never runs in
edgekit's own process: :func:`run_tflm` starts ``python -m edgekit.tflm_worker`` and turns a crash into an
:class:`~edgekit.errors.InterpreterCrash` that says what happened.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgekit.errors import InterpreterCrash
from edgekit.model_metadata import resets_state_each_inference
from edgekit.reader import ModelInfo, TensorInfo, numpy_dtype

#: Seconds one TFLM child process may take before it is stopped.
TFLM_TIMEOUT_S = 600


def quantize_values(x: np.ndarray, tensor: TensorInfo) -> np.ndarray:
    """Quantize real values for an integer input tensor: ``q = round(x / scale) + zero_point``, clamped.

    Rounds half away from zero, as TFLite's ``QUANTIZE`` kernel does (numpy's ``round`` rounds half to even).
    Float tensors are returned as float32, unchanged.
    """
    dtype = numpy_dtype(tensor.dtype)
    if dtype.kind == "f" or tensor.quantization is None:
        return np.asarray(x, dtype=dtype)
    scale, zero_point = tensor.quantization.scales[0], tensor.quantization.zero_points[0]
    scaled = np.asarray(x, dtype=np.float64) / scale
    rounded = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    info = np.iinfo(dtype)
    return np.clip(rounded + zero_point, info.min, info.max).astype(dtype)


def dequantize_values(q: np.ndarray, tensor: TensorInfo) -> np.ndarray:
    """Real values of an integer output tensor: ``scale * (q - zero_point)``; float tensors pass through."""
    if tensor.quantization is None or np.asarray(q).dtype.kind == "f":
        return np.asarray(q, dtype=np.float32)
    scale, zero_point = tensor.quantization.scales[0], tensor.quantization.zero_points[0]
    return ((np.asarray(q, dtype=np.float64) - zero_point) * scale).astype(np.float32)


def run_tflite(model: bytes, inputs: np.ndarray) -> np.ndarray:
    """Run a single-input, single-output model on TensorFlow Lite, one sample at a time.

    :param model: the ``.tflite`` bytes.
    :param inputs: samples already in the input tensor's dtype, shape ``[N, *input_shape[1:]]``.
    :returns: the raw outputs, shape ``[N, *output_shape[1:]]``.
    """
    return run_tflite_tensors(model, [inputs])[0]


def run_tflite_tensors(model: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Run a model with any number of inputs and outputs on TensorFlow Lite's reference kernels, one
    sample at a time (state tensors reset before each when the model asks for it).

    :param inputs: one array per input tensor (model order), each ``[N, *shape[1:]]`` in its dtype.
    :returns: one array per output tensor (model order), each ``[N, *shape[1:]]``.
    """
    from edgekit.loading import import_tensorflow

    tf = import_tensorflow()
    with warnings.catch_warnings():
        # tf.lite.Interpreter announces its move to LiteRT; it is still the reference here.
        warnings.simplefilter("ignore")
        try:
            interpreter = tf.lite.Interpreter(model_content=model, experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
            interpreter.allocate_tensors()
        except Exception as exc:  # noqa: BLE001
            raise InterpreterCrash(f"TensorFlow Lite cannot run the model: {exc}") from exc
    in_indices = [d["index"] for d in interpreter.get_input_details()]
    out_indices = [d["index"] for d in interpreter.get_output_details()]
    outputs: list[list[np.ndarray]] = [[] for _ in out_indices]
    reset_each_sample = resets_state_each_inference(model)  # a stateless recurrent model, as on the device
    for n in range(len(inputs[0])):
        if reset_each_sample:
            interpreter.reset_all_variables()
        for index, array in zip(in_indices, inputs):
            interpreter.set_tensor(index, array[n][np.newaxis])
        interpreter.invoke()
        for collected, index in zip(outputs, out_indices):
            collected.append(interpreter.get_tensor(index)[0].copy())
    return [np.stack(collected) for collected in outputs]


def run_tflm(model: bytes, inputs: np.ndarray, timeout_s: float = TFLM_TIMEOUT_S) -> np.ndarray:
    """Run a single-input, single-output model on the TFLM interpreter, in a child process.

    :param model: the ``.tflite`` bytes.
    :param inputs: samples already in the input tensor's dtype, shape ``[N, *input_shape[1:]]``.
    :returns: the raw outputs, shape ``[N, *output_shape[1:]]``.
    :raises InterpreterCrash: when TFLM refuses the model, aborts, or does not finish in time.
    """
    return run_tflm_tensors(model, [inputs], timeout_s)[0]


def run_tflm_tensors(model: bytes, inputs: list[np.ndarray], timeout_s: float = TFLM_TIMEOUT_S) -> list[np.ndarray]:
    """Run a model with any number of inputs and outputs on the TFLM interpreter, in a child process.

    :param inputs: one array per input tensor, each ``[N, *shape[1:]]`` in the tensor's dtype.
    :returns: one array per output tensor, each ``[N, *shape[1:]]``.
    :raises InterpreterCrash: when TFLM refuses the model, aborts, or does not finish in time.
    """
    tensors = {f"input_{i}": array for i, array in enumerate(inputs)}
    with _worker(model, tensors, [], timeout_s) as (data, _):
        return [data[f"output_{j}"] for j in range(len(data.files))]


def run_tflm_batch(cases: list[tuple[bytes, list[np.ndarray]]],
                   timeout_s: float = TFLM_TIMEOUT_S) -> list[list[np.ndarray]]:
    """Run many models on the TFLM interpreter in one child process (one start-up for all of them).

    :param cases: ``(model, inputs)`` pairs, inputs as for :func:`run_tflm_tensors`.
    :returns: per case, one array per output tensor.
    :raises InterpreterCrash: when TFLM refuses or aborts on any of the models.
    """
    arrays: dict[str, np.ndarray] = {"models": np.int64(len(cases))}
    for k, (model, inputs) in enumerate(cases):
        arrays[f"m{k}_model"] = np.frombuffer(model, dtype=np.uint8)
        arrays.update({f"m{k}_input_{i}": array for i, array in enumerate(inputs)})
    with _worker(None, arrays, [], timeout_s) as (data, _):
        return [[data[f"m{k}_output_{j}"] for j in range(sum(key.startswith(f"m{k}_output_") for key in data.files))]
                for k in range(len(cases))]


@dataclass(frozen=True)
class HostArena:
    """What the host's TFLM interpreter (64-bit) needs for a model, from its recording allocator.

    ``categories`` maps each recorded allocation type (``"TfLiteEvalTensor data"``, ``"NodeAndRegistration
    struct"``, ...) to ``(bytes used, allocation count)``.
    """

    smallest_bytes: int  # the smallest arena_size that allocates (to 16 bytes)
    total_bytes: int  # head + tail as recorded after AllocateTensors
    head_bytes: int
    tail_bytes: int
    categories: tuple[tuple[str, int, int], ...]

    def category(self, name: str) -> tuple[int, int]:
        """(bytes used, count) of one recorded category; (0, 0) when TFLM recorded none."""
        for key, used, count in self.categories:
            if key == name:
                return used, count
        return 0, 0


_ALLOCATION_TOTAL = re.compile(r"Arena allocation (total|head|tail) (\d+) bytes")
_ALLOCATION_CATEGORY = re.compile(r"'([^']+)' used (\d+) bytes .*? for (\d+) ")


def measure_tflm_arena(model: bytes, timeout_s: float = TFLM_TIMEOUT_S) -> HostArena:
    """The host TFLM interpreter's arena for ``model``: the smallest size that allocates and its breakdown.

    These are the 64-bit host's figures; :mod:`edgekit.arena` turns them into a 32-bit target's.
    """
    from edgekit.tflm_worker import ALLOCATIONS_MARKER

    with _worker(model, {}, ["--arena"], timeout_s) as (data, stderr):
        smallest = int(data["arena_bytes"])
    report = stderr.rsplit(ALLOCATIONS_MARKER, 1)[-1]
    totals = {kind: int(value) for kind, value in _ALLOCATION_TOTAL.findall(report)}
    if set(totals) != {"total", "head", "tail"}:
        raise InterpreterCrash("the TFLM interpreter did not report its arena allocations:\n" + report[-500:])
    categories = tuple((name, int(used), int(count)) for name, used, count in _ALLOCATION_CATEGORY.findall(report))
    return HostArena(smallest, totals["total"], totals["head"], totals["tail"], categories)


@contextmanager
def _worker(model: bytes | None, arrays: dict[str, np.ndarray], flags: list[str], timeout_s: float):
    """Run ``python -m edgekit.tflm_worker`` on a request file and yield its reply (an open npz); ``model``
    None for a batch request, whose models are in ``arrays``."""
    with tempfile.TemporaryDirectory(prefix="edgekit-tflm-") as tmp:
        request, reply = Path(tmp) / "request.npz", Path(tmp) / "reply.npz"
        if model is not None:
            arrays = {"model": np.frombuffer(model, dtype=np.uint8), **arrays}
        np.savez(request, **arrays)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "edgekit.tflm_worker", *flags, str(request), str(reply)],
                capture_output=True, text=True, timeout=timeout_s, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise InterpreterCrash(f"the TFLM interpreter did not finish within {timeout_s:.0f} s.") from exc
        if done.returncode != 0 or not reply.exists():
            raise InterpreterCrash(_describe_crash(done.returncode, done.stderr))
        with np.load(reply) as data:
            yield data, done.stderr


def _describe_crash(returncode: int, stderr: str) -> str:
    tail = "\n".join(line for line in stderr.strip().splitlines()[-6:] if line.strip())
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        what = f"the TFLM interpreter crashed ({name})"
    else:
        what = f"the TFLM interpreter failed (exit status {returncode})"
    return f"{what} while running the model" + (f":\n{tail}" if tail else ".")


def identical_samples(reference: np.ndarray, other: np.ndarray, step: float | None = None) -> np.ndarray:
    """Per sample, True when its outputs are identical (float outputs compared in steps of ``step``)."""
    if reference.shape != other.shape:
        return np.zeros(len(reference), dtype=bool)
    if reference.dtype.kind == "f":
        reference = np.round(reference.astype(np.float64) / (step or 1.0))
        other = np.round(other.astype(np.float64) / (step or 1.0))
    return np.all(reference.reshape(len(reference), -1) == other.reshape(len(other), -1), axis=1)


def compare_outputs(reference: np.ndarray, other: np.ndarray, step: float | None = None) -> tuple[float, int]:
    """Fraction of samples whose outputs are identical, and the largest difference in output LSBs.

    Integer outputs are compared as they are. Float outputs (a model with float I/O) are first divided
    by ``step``, the scale of the int8 value they were dequantized from, so the difference is in LSBs.
    """
    if reference.shape != other.shape:
        return 0.0, -1
    same = identical_samples(reference, other, step)
    if reference.dtype.kind == "f":
        reference = np.round(reference.astype(np.float64) / (step or 1.0))
        other = np.round(other.astype(np.float64) / (step or 1.0))
    diff = int(np.max(np.abs(reference.astype(np.int64) - other.astype(np.int64)))) if reference.size else 0
    return float(same.mean()) if len(same) else 1.0, diff


def output_step(info: ModelInfo, index: int = 0) -> float | None:
    """The integer step behind the model's output ``index``: its own scale, or that of the DEQUANTIZE
    feeding it."""
    out = info.output_tensors[index]
    if out.quantization is not None:
        return out.quantization.scales[0]
    for op in info.operators:
        if op.op == "DEQUANTIZE" and out.index in op.outputs and op.inputs and op.inputs[0] >= 0:
            source = info.tensors[op.inputs[0]]
            return source.quantization.scales[0] if source.quantization is not None else None
    return None
