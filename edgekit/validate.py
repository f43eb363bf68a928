"""Prove a build on the device: send test inputs over edgekit's serial protocol, and compare what the
device returns with the host.

The references are the ``tflite-micro`` interpreter on the same int8 inputs (the outputs must be
identical, byte for byte) and, for accuracy, the float model the int8 one was quantized from (when the
build knows it, or ``float_model`` names it). A real board is reached on its USB serial port; an emulated
board (QEMU, host) is started here serving the protocol on a pty, through the same pyserial code.

The result is written to ``BUILD_DIR/validation.json``, which the build's ``report.html`` shows.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from edgekit import host, protocol
from edgekit.catalog import Board, load_board
from edgekit.datasets import Dataset
from edgekit.errors import DataError, DeviceError
from edgekit.files import write_atomic
from edgekit.reader import ModelInfo, numpy_dtype, read_model_file

VALIDATION_FILE = "validation.json"
QUANTIZATION_FILE = "quantization.json"


@dataclass(frozen=True)
class Accuracy:
    """One quality figure (accuracy, or mse for regression) on the same samples, three ways."""

    name: str
    device: float
    host_int8: float
    float_model: float | None


@dataclass(frozen=True)
class OutputResult:
    """One output tensor's figures: how many samples it matched the host TFLM on, by how much it differed,
    and its quality against that output's labels (when the test data has them)."""

    index: int
    name: str
    dtype: str
    identical: int
    max_abs_diff: int
    accuracy: Accuracy | None


@dataclass(frozen=True)
class ValidationReport:
    """What ``edgekit validate`` measured: exactness, quality, the device's own latency, link health."""

    board: str
    port: str
    emulated: bool
    model_sha256: str
    samples: int
    identical: int
    max_abs_diff: int  # largest output difference in LSB (0 when identical)
    mismatched_samples: tuple[int, ...]  # the first few sample indices whose outputs differ
    accuracy: Accuracy | None
    latency_us_mean: float
    latency_us_min: int
    latency_us_max: int
    latency_note: str
    device_arena_bytes: int
    retries: int
    damaged_replies: int
    device_crc_errors: int
    resets: int
    seconds: float
    test_data: str
    float_model: str | None = None
    notes: tuple[str, ...] = field(default=())
    outputs: tuple[OutputResult, ...] = field(default=())  # per output tensor, in the model's order

    @property
    def exact_match_rate(self) -> float:
        """Fraction of samples whose every output byte equals the host TFLM's."""
        return self.identical / self.samples if self.samples else 0.0

    def as_dict(self) -> dict:
        """The JSON form written to validation.json and printed by ``--json``."""
        return {**asdict(self), "exact_match_rate": self.exact_match_rate}


def prepare_inputs(info: ModelInfo, test_data: str, count: int) -> tuple[Dataset, list[np.ndarray]]:
    """The first ``count`` test samples: real values per input with their labels (for the float model and
    accuracy), and per input the values the device gets, in the input tensor's type (quantized with its
    scale and zero point for a quantized integer input, as the host TFLM gets them; as they are for
    float32, and for an integer input without quantization, whose values must then be whole numbers in
    the type's range)."""
    from edgekit.datasets import fit_to_inputs, load_dataset

    tensors = info.input_tensors
    data = fit_to_inputs(load_dataset(test_data, input_shape=tensors[0].shape), [t.shape for t in tensors],
                         "test", len(info.outputs)).take(count)
    device = []
    for i, (x, tensor) in enumerate(zip(data.inputs, tensors)):
        dtype = numpy_dtype(tensor.dtype)
        if dtype.kind in "iu" and tensor.quantization is None:
            limits = np.iinfo(dtype)
            if np.any(np.mod(x, 1) != 0) or x.min() < limits.min or x.max() > limits.max:
                name = f"x_{i}" if len(tensors) > 1 else "x"
                raise DataError(test_data, f"input {name} feeds the {tensor.dtype.lower()} tensor '{tensor.name}', "
                                           "which has no quantization, so its values must be whole numbers from "
                                           f"{limits.min} to {limits.max}.")
        device.append(host.quantize_values(x, tensor))
    return data, device


@contextlib.contextmanager
def open_device(board: Board, firmware: Path, port: str | None, reply_timeout_s: float,
                on_text: Callable[[str], None]) -> Iterator[tuple[object, str]]:
    """A :class:`~edgekit.protocol.Device` for ``board``, ready for frames, and the port it is on.

    An emulated board is started here serving the protocol (unless ``port`` names one already running);
    a real board is opened on ``port`` or the one USB serial port plugged in.
    """
    from edgekit import emulator, platformio, protocol

    with contextlib.ExitStack() as stack:
        if emulator.is_emulated(board) and port is None:
            served = stack.enter_context(emulator.serve_firmware(firmware, board))
            chosen, boot_s = served.port, 120.0  # the boot self-test runs every embedded sample first
        else:
            served, chosen, boot_s = None, platformio.find_port(port), 10.0
        link = protocol.open_serial(chosen, board.monitor_speed)
        stack.callback(link.close)
        device = protocol.Device(link, reply_timeout_s=reply_timeout_s, on_text=on_text, boot_timeout_s=boot_s)
        if served is not None:
            served.start()
            if not device.wait_ready(boot_s):
                raise DeviceError(f"the emulated {board.id} did not say it was ready within {boot_s:.0f} s",
                                  [f"its last line: {device.lines[-1] if device.lines else '(none)'}",
                                   "rebuild the firmware with this edgekit: older builds do not serve the protocol"])
        else:
            # Opening the port resets many boards (ESP32, Nano 33 BLE): give the boot a moment, but a
            # board that was already running answers the info request below anyway.
            device.wait_ready(3.0)
        try:
            yield device, chosen
        except DeviceError:
            if served is None:
                raise
            status = served.exit_status()
            deadline = time.monotonic() + 2.0  # the pty closes a moment before the emulator can be reaped
            while status is None and time.monotonic() < deadline:
                time.sleep(0.02)
                status = served.exit_status()
            if status is None:
                raise
            # the link closed because the emulator ended (killed, or out of memory): say that, not "unplugged"
            how = f"killed by {signal.Signals(-status).name}" if status < 0 else f"exit status {status}"
            raise DeviceError(f"the emulator running {board.id} stopped during validation ({how}); nothing was "
                              "written", ["run the command again", "if it stops again, boot the firmware with "
                                          f"`edgekit flash --board {board.id}` to see its own output"]) from None


def validate(build_dir: str | Path, board_name: str, test_data: str, count: int = 100, port: str | None = None,
             float_model: str | None = None, reply_timeout_s: float = 10.0,
             progress: Callable[[str], None] = lambda line: None,
             on_text: Callable[[str], None] = lambda line: None) -> ValidationReport:
    """Run ``count`` test samples on the device built in ``build_dir`` and compare with the host.

    :raises EdgekitError: for a missing build, unreadable test data, a device that cannot be reached, that
        stops answering, keeps damaging frames, resets repeatedly, or runs another model.
    """
    from edgekit.pipeline import load_last_build

    started = time.monotonic()
    board = load_board(board_name)
    folder = Path(build_dir)
    summary = load_last_build(folder)
    if summary["board"] != board.id:
        raise DeviceError(f"{folder} holds a build for {summary['board']}, not {board.id}",
                          [f"pass --board {summary['board']}, or --build-dir of the {board.id} build"])
    model, info = read_model_file(Path(summary["model"]))
    digest = hashlib.sha256(model).digest()
    sha256 = digest.hex()
    data, x_device = prepare_inputs(info, test_data, count)
    samples = len(data)
    notes: list[str] = []
    if samples < count:  # --n larger than the data: run what there is, and say so everywhere
        notes.append(f"{count} samples were asked for, but {test_data} holds {samples}: {samples} validated")
        progress(f"note: {notes[-1]}")
    progress(f"host: running {samples} samples on the tflite-micro interpreter")
    reference = host.run_tflm_tensors(model, x_device)
    float_path = float_model or _float_model_of(folder)

    outputs = info.output_tensors
    sizes = [t.nbytes for t in outputs]
    device_outputs = [np.empty_like(r) for r in reference]
    latencies: list[int] = []
    with open_device(board, Path(summary["firmware"]), port, reply_timeout_s, on_text) as (device, chosen):
        info_reply = device.info()
        _check_same_model(info_reply, digest, sizes, [t.nbytes for t in info.input_tensors], folder, board)
        progress(f"device: {board.id} on {chosen} runs this model (sha256 {sha256[:16]}); sending {samples} samples")
        for index in range(samples):
            # a run request carries every input's bytes in input order; the reply every output's
            latency, reply = device.run(protocol.join_inputs([np.ascontiguousarray(x[index]).tobytes()
                                                              for x in x_device]), sum(sizes))
            latencies.append(latency)
            for j, (tensor, piece) in enumerate(zip(outputs, protocol.split_outputs(reply, sizes))):
                device_outputs[j][index] = np.frombuffer(piece, numpy_dtype(tensor.dtype)).reshape(
                    device_outputs[j].shape[1:])
            if (index + 1) % max(1, samples // 10) == 0 or index + 1 == samples:
                progress(f"device: {index + 1}/{samples} samples")
        stats = device.stats

    # identical means byte for byte (a float output too); the difference is counted in output steps
    same = np.ones(samples, dtype=bool)
    per_output_same, per_output_diff = [], []
    for j, (ref, got) in enumerate(zip(reference, device_outputs)):
        matched = np.all(ref.reshape(samples, -1).view(np.uint8) == got.reshape(samples, -1).view(np.uint8), axis=1)
        same &= matched
        per_output_same.append(int(matched.sum()))
        per_output_diff.append(host.compare_outputs(ref, got, host.output_step(info, j))[1])
    accuracies = _accuracies(data, reference, device_outputs, outputs, float_path, notes)
    if all(y is None for y in data.labels):
        if float_path:
            notes.append("the test data has no labels (y): accuracy was not measured")
    elif len(outputs) > 1 and len(data.labels) == 1:
        notes.append("the test data has one label array (y): it scores output 0 only; give y_0, y_1, ... to "
                     "score every output")
    output_results = tuple(
        OutputResult(index=j, name=tensor.name, dtype=tensor.dtype.lower(), identical=per_output_same[j],
                     max_abs_diff=per_output_diff[j], accuracy=accuracies[j])
        for j, tensor in enumerate(outputs))
    from edgekit.emulator import is_emulated

    emulated = is_emulated(board) and port is None
    note = ("emulated: QEMU counts 1 µs per 1,000 instructions (-icount shift=0), not a real core's speed"
            if emulated and board.platform == "edgekit-qemu" else
            "emulated: the core's retired-instruction counter (RDINSTRET), 1 µs per 1,000 instructions"
            if emulated and board.platform == "edgekit-qemu-riscv" else
            "the host computer's clock" if board.platform == "edgekit-host" else
            "measured on the device around the inference call")
    report = ValidationReport(
        board=board.id, port=chosen, emulated=emulated, model_sha256=sha256, samples=samples,
        identical=int(same.sum()), max_abs_diff=max(per_output_diff),
        mismatched_samples=tuple(int(i) for i in np.flatnonzero(~same)[:10]),
        accuracy=next((a for a in accuracies if a is not None), None),
        latency_us_mean=float(np.mean(latencies)), latency_us_min=int(min(latencies)),
        latency_us_max=int(max(latencies)), latency_note=note, device_arena_bytes=info_reply.arena_used,
        retries=stats.retries, damaged_replies=stats.damaged_replies, device_crc_errors=stats.device_crc_errors,
        resets=stats.resets, seconds=time.monotonic() - started, test_data=str(test_data),
        float_model=str(float_path) if float_path else None, notes=tuple(notes), outputs=output_results)
    write_atomic(folder / VALIDATION_FILE, json.dumps(report.as_dict(), indent=2) + "\n")
    return report


def _float_model_of(folder: Path) -> str | None:
    """The float model this build was quantized from, when its quantization report names one that exists."""
    record = folder / QUANTIZATION_FILE
    if not record.is_file():
        return None
    try:
        data = json.loads(record.read_text())
    except (OSError, ValueError):
        return None  # a damaged report only costs the float figure
    source = data.get("source_path") or data.get("source")
    return source if source and Path(source).exists() and not source.endswith(".tflite") else None


def _check_same_model(reply, digest: bytes, output_sizes: list[int], input_sizes: list[int], folder: Path,
                      board: Board) -> None:
    expected = digest[:8]
    flash = f"flash this build: edgekit flash --board {board.id} --build-dir {folder}"
    if reply.sha256_prefix != expected:
        raise DeviceError(f"the device runs another model (sha256 {reply.sha256_prefix.hex()}...) than "
                          f"{folder / 'model.tflite'} (sha256 {expected.hex()}...)", [flash])
    device_inputs, device_outputs = [t.size for t in reply.inputs], [t.size for t in reply.outputs]
    if device_inputs != input_sizes or device_outputs != output_sizes:
        raise DeviceError(f"the device's tensors (input bytes {device_inputs}, output bytes {device_outputs}) differ "
                          f"from the model's ({input_sizes}, {output_sizes})", [flash])


def _accuracies(data: Dataset, host_raw: list[np.ndarray], device_raw: list[np.ndarray], tensors,
                float_path: str | None, notes: list[str]) -> list[Accuracy | None]:
    """Per output, its quality on the device, on the host TFLM and (when the float model is known and
    runs) in float, against that output's labels; None for an output without labels."""
    from edgekit.quantization import score

    labelled = [j for j, y in enumerate(data.labels) if y is not None and j < len(tensors)]
    results: list[Accuracy | None] = [None] * len(tensors)
    if not labelled:
        return results
    float_out = None
    if float_path:
        try:
            from edgekit.loading import load_model

            loaded = load_model(float_path)
            batch = loaded.batch_size or 256
            parts = [[np.asarray(o) for o in loaded.call_many([x[i:i + batch].astype(np.float32) for x in data.inputs])]
                     for i in range(0, len(data), batch)]
            float_out = [np.concatenate([p[j] for p in parts]) for j in range(len(parts[0]))]
        except Exception as exc:  # noqa: BLE001 - the float figure is extra; the device check stands without it
            notes.append(f"the float model {float_path} could not be run ({type(exc).__name__}: "
                         f"{(str(exc).splitlines() or [''])[0][:160]})")
    else:
        notes.append("no float model known (pass --float-model): float accuracy not measured")
    for j in labelled:
        y, tensor = data.labels[j], tensors[j]
        name, device_score = score(y, host.dequantize_values(device_raw[j], tensor))
        _, host_score = score(y, host.dequantize_values(host_raw[j], tensor))
        float_score = score(y, float_out[j])[1] if float_out is not None and j < len(float_out) else None
        results[j] = Accuracy(name, device_score, host_score, float_score)
    return results
