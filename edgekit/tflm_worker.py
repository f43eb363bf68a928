"""Child-process entry point that runs a model on the TFLM interpreter from the ``tflite-micro`` package.

Started by :mod:`edgekit.host` as ``python -m edgekit.tflm_worker REQUEST.npz REPLY.npz``. The request
holds the model bytes and, for each input tensor ``i``, an array ``input_i`` of N samples; the reply holds
``output_j`` for each output tensor. A batch request holds ``models`` (a count) and ``m{k}_model``,
``m{k}_input_{i}`` for each model k; its reply ``m{k}_output_{j}``. With ``--arena`` first, the reply holds ``arena_bytes`` instead: the
smallest arena (to 16 bytes) in which the interpreter allocates. If TFLM aborts, only this process dies
and the parent reports it.
"""

from __future__ import annotations

import os
import sys

import numpy as np

#: Host arena for running (not for sizing): generous, since the host only needs it to allocate.
_ARENA_FLOOR = 16 * 1024 * 1024


#: Printed to stderr before the allocation breakdown.
ALLOCATIONS_MARKER = "EDGEKIT-ALLOCATIONS"

#: Largest arena tried when sizing (the biggest MCU RAM is far below it).
_ARENA_CEILING = 256 * 1024 * 1024
#: Host bytes TFLM's tail may take per tensor and per operator (TfLiteTensor, TfLiteEvalTensor, node and
#: registration structs, op data on a 64-bit host are each well under these), for the first upper bound.
_TAIL_PER_TENSOR = 256
_TAIL_PER_OP = 512


def arena_bounds(model: bytes) -> tuple[int, int]:
    """Bounds for the smallest arena, computed from the model: no arena is smaller than the activations
    alive together at the busiest op (TFLM plans them all in the head), and the sum of every activation
    tensor, with generous per-tensor and per-op tail structures and the quantization arrays, is enough on
    any model this side of TFLM's own scratch requests (the search doubles it when it is not)."""
    from edgekit.arena import activation_buffers, align
    from edgekit.reader import read_model

    info = read_model(model)
    buffers = activation_buffers(info)
    busiest = max((sum(b.size for b in buffers if b.first <= op.index <= b.last) for op in info.operators),
                  default=0)
    quantization = sum(8 * len(t.quantization.scales) + 32 for t in info.tensors if t.quantization)
    high = (sum(b.size for b in buffers) + quantization + _TAIL_PER_TENSOR * len(info.tensors)
            + _TAIL_PER_OP * len(info.operators) + 16 * 1024)
    return align(busiest), align(high)


def _allocates(model: bytes, size: int) -> bool:
    """True when the host TFLM interpreter allocates ``model`` in ``size`` bytes.

    Each trial runs in a forked child: on some arenas that are too small TFLM does not report the failure
    but crashes ("Failed to allocate tail memory", then SIGSEGV), and a crashed trial means "too small",
    not the end of the search.
    """
    from tflite_micro.python.tflite_micro import runtime

    def attempt() -> int:
        try:
            runtime.Interpreter.from_bytes(model, arena_size=size)
        except RuntimeError:  # TFLM reports a failed AllocateTensors as RuntimeError
            return 1
        return 0

    if not hasattr(os, "fork"):  # pragma: no cover - Windows: trials in this process, as before
        return attempt() == 0
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: its exit status is the answer; os._exit skips the parent's cleanup handlers
        code = 2
        try:
            code = attempt()
        finally:
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def smallest_arena(model: bytes) -> int:
    """The smallest ``arena_size``, a multiple of 16, with which the host TFLM interpreter allocates."""
    low, high = arena_bounds(model)
    low = max(0, low - 16)  # known not to allocate (or zero)
    while not _allocates(model, high):
        if high >= _ARENA_CEILING:
            # a model that fails in every arena may fail for another reason (TFLM aborts while preparing a
            # layer whose parameters it cannot compute): once more in this process, so that its crash and
            # its last words reach the parent, which reports them
            from tflite_micro.python.tflite_micro import runtime

            try:
                runtime.Interpreter.from_bytes(model, arena_size=_ARENA_CEILING)
            except RuntimeError:
                pass
            raise RuntimeError(f"the model does not allocate even in a {_ARENA_CEILING}-byte arena")
        low, high = high, min(high * 2, _ARENA_CEILING)
    while high - low > 16:
        middle = (low + high) // 2 // 16 * 16
        if _allocates(model, middle):
            high = middle
        else:
            low = middle
    return high


def main(argv: list[str]) -> int:
    """Run every sample of the request through TFLM (or size its arena) and write the reply file."""
    if argv and argv[0] == "--arena":
        request, reply = argv[1:]
        with np.load(request) as data:
            model = data["model"].tobytes()
        arena = smallest_arena(model)
        # The recording allocator's breakdown (head, tail, each category) goes to stderr after a marker,
        # where the parent reads it; everything printed before it is TFLM's noise from the search.
        from tflite_micro.python.tflite_micro import runtime

        interpreter = runtime.Interpreter.from_bytes(model, arena_size=arena)
        sys.stderr.write(f"\n{ALLOCATIONS_MARKER}\n")
        sys.stderr.flush()
        interpreter.print_allocations()
        np.savez(reply, arena_bytes=np.int64(arena))
        return 0
    request, reply = argv
    with np.load(request) as data:
        if "models" in data.files:  # a batch: model k is m{k}_model with inputs m{k}_input_{i}
            results = {}
            for k in range(int(data["models"])):
                prefix = f"m{k}_"
                inputs = [data[f"{prefix}input_{i}"]
                          for i in range(sum(key.startswith(f"{prefix}input_") for key in data.files))]
                for j, values in enumerate(_run(data[f"{prefix}model"].tobytes(), inputs)):
                    results[f"{prefix}output_{j}"] = values
            np.savez(reply, **results)
            return 0
        model = data["model"].tobytes()
        inputs = [data[f"input_{i}"] for i in range(sum(key.startswith("input_") for key in data.files))]
    np.savez(reply, **{f"output_{j}": values for j, values in enumerate(_run(model, inputs))})
    return 0


def _run(model: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Every sample of ``inputs`` (one array per input tensor) through a fresh interpreter, in order; the
    state tensors carry from one sample to the next unless the model asks for a reset before each."""
    from tflite_micro.python.tflite_micro import runtime

    from edgekit.model_metadata import resets_state_each_inference

    interpreter = runtime.Interpreter.from_bytes(model, arena_size=max(_ARENA_FLOOR, 10 * len(model)))
    # A stateless recurrent model's state tensors start from zero for every sample, as on the device.
    reset_each_sample = resets_state_each_inference(model)
    output_count = _output_count(interpreter)
    outputs: list[list[np.ndarray]] = [[] for _ in range(output_count)]
    # A sample is the tensor without its leading batch dimension of 1, or the whole tensor when that
    # dimension is not 1 (a model traced with another batch size).
    shapes = [tuple(interpreter.get_input_details(index)["shape"]) for index in range(len(inputs))]
    for sample in range(len(inputs[0])):
        if reset_each_sample:
            interpreter.reset()
        for index, tensor in enumerate(inputs):
            interpreter.set_input(np.reshape(tensor[sample], shapes[index]), index)
        interpreter.invoke()
        for index in range(output_count):
            value = np.array(interpreter.get_output(index))
            outputs[index].append(value[0] if value.ndim and value.shape[0] == 1 else value)
    return [np.stack(values) for values in outputs]


def _output_count(interpreter) -> int:
    """Number of output tensors (the Python wrapper has no getter for it, so probe until it refuses)."""
    count = 0
    while True:
        try:
            interpreter.get_output_details(count)
        except IndexError:
            return count
        count += 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
