"""Child-process entry point that runs a model on the TFLM interpreter from the ``tflite-micro`` package.

Started by :func:`edgekit.host.run_tflm` as ``python -m edgekit.tflm_worker REQUEST.npz REPLY.npz``. The
request holds the model bytes and the inputs; the reply holds the raw outputs. If TFLM aborts, only this
process dies and the parent reports it.
"""

from __future__ import annotations

import sys

import numpy as np

#: Host arena for running (not for sizing): generous, since the host only needs it to allocate.
_ARENA_FLOOR = 16 * 1024 * 1024


def main(argv: list[str]) -> int:
    """Run every input of the request through TFLM and write the outputs to the reply file."""
    request, reply = argv
    from tflite_micro.python.tflite_micro import runtime

    with np.load(request) as data:
        model = data["model"].tobytes()
        inputs = data["inputs"]
    interpreter = runtime.Interpreter.from_bytes(model, arena_size=max(_ARENA_FLOOR, 10 * len(model)))
    outputs = []
    for sample in inputs:
        interpreter.set_input(sample[np.newaxis], 0)
        interpreter.invoke()
        outputs.append(np.array(interpreter.get_output(0))[0])
    np.savez(reply, outputs=np.stack(outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
