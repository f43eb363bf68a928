"""Named metadata entries in a ``.tflite`` model: written by edgekit, read by every stage that runs it.

A TFLite model carries ``metadata``: (name, buffer) pairs that interpreters ignore unless they know the
name. edgekit uses two:

* ``OfflineMemoryAllocation`` (TFLM's own, written by :func:`edgekit.arena.with_offline_plan`): fixed arena
  offsets for the activations.
* ``edgekit.reset_state_each_inference`` (:data:`RESET_STATE`): the model's variable tensors hold the state
  of a *stateless* recurrent layer, and must be reset before every inference. TensorFlow's converter turns
  a Keras ``LSTM(stateful=False)`` into ``UNIDIRECTIONAL_SEQUENCE_LSTM`` whose hidden and cell state are
  variable tensors, and TFLite and TFLM keep those from one ``Invoke`` to the next: without a reset, the
  second sequence starts from the first one's final state and the outputs no longer match the Keras model.
  The host's TFLM runs, edgekit's runtime and the TFLM firmware templates all reset when the entry is there.
"""

from __future__ import annotations

import flatbuffers
import numpy as np

#: Metadata name: reset the variable tensors before every inference (a stateless recurrent model).
RESET_STATE = "edgekit.reset_state_each_inference"


def with_metadata(model: bytes, name: str, payload: bytes) -> bytes:
    """The model with one metadata entry ``name`` holding ``payload`` (replacing an entry of that name).

    Everything else is kept as it was; tensor data stays 16-byte aligned.
    """
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    tree = schema.ModelT.InitFromObj(schema.Model.GetRootAs(model, 0))
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(payload, dtype=np.uint8)
    tree.buffers.append(buffer)
    kept = [m for m in (tree.metadata or []) if _text(m.name) != name]
    entry = schema.MetadataT()
    entry.name = name.encode()
    entry.buffer = len(tree.buffers) - 1
    tree.metadata = [*kept, entry]
    builder = _AlignedBuilder(len(model) + len(payload) + 1024)
    builder.Finish(tree.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def metadata_names(model: bytes) -> tuple[str, ...]:
    """The names of the model's metadata entries, read without unpacking the rest of the model."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    root = schema.Model.GetRootAs(model, 0)
    return tuple(_text(root.Metadata(i).Name()) for i in range(root.MetadataLength()))


def resets_state_each_inference(model: bytes) -> bool:
    """True when the model's state must be reset before every inference (see :data:`RESET_STATE`)."""
    return RESET_STATE in metadata_names(model)


class _AlignedBuilder(flatbuffers.Builder):
    """Writes every byte vector (tensor data) 16-byte aligned, as TFLite's converter does, so int32 biases
    and CMSIS-NN's word loads stay aligned in the repacked model."""

    def CreateNumpyVector(self, x):  # noqa: N802 - flatbuffers' own name
        if x.dtype.itemsize == 1 and x.size >= 16:
            self.StartVector(1, x.size, 16)
            payload = x.tobytes(order="C")
            self.head = self.head - len(payload)
            self.Bytes[self.head:self.head + len(payload)] = payload
            self.vectorNumElems = x.size
            return self.EndVector()
        return super().CreateNumpyVector(x)


def _text(value: bytes | str | None) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else (value or "")
