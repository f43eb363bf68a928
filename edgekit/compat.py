"""Checks that a model read by :mod:`edgekit.reader` is something a microcontroller can run.

The first rule is the one users trip over most: a model must be *full integer*. A float model needs
float kernels, and a dynamic-range ("hybrid") model, int8 weights with float activations, does not run
on TensorFlow Lite Micro at all. Both convert without complaint, so edgekit proves the result instead
of trusting the converter flags.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from edgekit.errors import ModelError
from edgekit.reader import FLOAT_TYPES, ModelInfo, OperatorInfo

IO_TYPES = ("int8", "uint8", "float32")

_FIX_QUANTIZE = (
    "quantize the float model (Keras, SavedModel) with: edgekit quantize MODEL --rep-data DATA -o model_int8.tflite"
)
_FIX_BUILD = "or build from the float Keras/SavedModel directly: edgekit build MODEL --rep-data DATA --board BOARD"
_FIX_CONVERTER = (
    "if you convert it yourself, set converter.optimizations = [tf.lite.Optimize.DEFAULT], a "
    "representative_dataset, and target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]"
)


@dataclass(frozen=True)
class FloatOp:
    """An operator that would run a float kernel, and why edgekit thinks so."""

    operator: OperatorInfo
    hybrid: bool  # int8 constant weights feeding a float computation (dynamic-range quantization)


def float_ops(info: ModelInfo) -> list[FloatOp]:
    """List the operators that compute in floating point.

    QUANTIZE on a graph input and DEQUANTIZE on a graph output are allowed: they are how a full-integer
    model offers float I/O. Every other operator with a float activation (a non-constant input or an
    output) runs a float kernel.
    """
    graph_inputs, graph_outputs = set(info.inputs), set(info.outputs)
    found = []
    for op in info.operators:
        inputs = [info.tensors[i] for i in op.inputs if i >= 0]
        outputs = [info.tensors[i] for i in op.outputs]
        float_activations = [t for t in inputs + outputs if t.dtype in FLOAT_TYPES and not t.is_constant]
        if not float_activations:
            if op.op == "DEQUANTIZE" and inputs and inputs[0].is_constant:
                # Constant weights stored compressed (float16 or int8) and expanded at run time for a float op.
                found.append(FloatOp(op, hybrid=False))
            continue
        if op.op == "QUANTIZE" and all(t.index in graph_inputs for t in inputs):
            continue
        if op.op == "DEQUANTIZE" and all(t.index in graph_outputs for t in outputs):
            continue
        if op.op == "DEQUANTIZE" and inputs and inputs[0].is_constant:
            found.append(FloatOp(op, hybrid=False))
            continue
        hybrid = any(t.is_constant and t.dtype in ("INT8", "UINT8", "INT4") for t in inputs)
        found.append(FloatOp(op, hybrid=hybrid))
    return found


def check_full_integer(info: ModelInfo, io_type: str | None = "int8", source: str | None = None) -> None:
    """Prove that a model is full integer with inputs and outputs of ``io_type``.

    :param info: the model, as read by :func:`edgekit.reader.read_model`.
    :param io_type: ``"int8"``, ``"uint8"`` or ``"float32"``; ``None`` accepts any integer-model I/O.
    :param source: a name for messages (usually the file path).
    :raises ModelError: naming the float or hybrid ops, or the I/O tensors of the wrong type, with the fix.
    """
    offenders = float_ops(info)
    if offenders:
        counts = Counter(f.operator.op for f in offenders)
        listed = ", ".join(f"{op} x{n}" if n > 1 else op for op, n in sorted(counts.items()))
        if any(f.hybrid for f in offenders):
            kind = (
                "is a dynamic-range (hybrid) model: its weights are int8 but it computes in float "
                f"({listed}). TensorFlow Lite Micro does not run hybrid models."
            )
        elif len(offenders) == len(info.operators):
            kind = (f"is a float model, not a full-integer model: all {len(offenders)} ops compute in float "
                    f"({listed}). Microcontroller targets need a full-int8 model.")
        else:
            kind = (
                f"is not a full-integer model: {len(offenders)} of {len(info.operators)} ops compute in "
                f"float ({listed}). Microcontroller targets need int8 kernels."
            )
        raise ModelError(source, kind, [_FIX_QUANTIZE, _FIX_BUILD, _FIX_CONVERTER])

    if io_type is None:
        return
    if io_type not in IO_TYPES:
        raise ValueError(f"io_type must be one of {IO_TYPES}, not {io_type!r}")
    wanted = io_type.upper()
    wrong = [t for t in info.input_tensors + info.output_tensors if t.dtype != wanted]
    if wrong:
        listed = ", ".join(f"'{t.name}' is {t.dtype}" for t in wrong)
        raise ModelError(
            source,
            f"inputs and outputs must be {wanted}, but {listed}.",
            [
                f"re-quantize with --io-type {io_type}, or accept the model's own type with --io-type "
                f"{wrong[0].dtype.lower()}" if wrong[0].dtype.lower() in IO_TYPES else "",
                f"when converting yourself, set inference_input_type / inference_output_type = tf.{io_type}",
            ],
        )


def compatibility_problems(info: ModelInfo, io_type: str | None = "int8") -> list[str]:
    """Everything that keeps a model from running on TensorFlow Lite Micro as an int8 model, with fixes.

    An empty list means no problem was found. Checked: one subgraph, no custom ops, full integer
    kernels, and I/O of ``io_type``.
    """
    problems = []
    if info.subgraph_count > 1:
        problems.append(
            f"the model has {info.subgraph_count} subgraphs (control flow such as While/If, or an un-unrolled "
            "RNN); TFLM runs one. Fix: unroll recurrent layers (unroll=True) or remove the control flow."
        )
    for op in info.ops:
        if op.startswith("CUSTOM:"):
            problems.append(
                f"custom op '{op[7:]}' is not a TFLite builtin; TFLM runs it only if you register a kernel for it. "
                "Fix: replace the layer that produced it with builtin ops."
            )
    try:
        check_full_integer(info, io_type)
    except ModelError as exc:
        problems.append(str(exc).removeprefix("Model: "))
    return problems
