"""UNIDIRECTIONAL_SEQUENCE_LSTM (``ek_lstm.c``): TFLM's integer path, int8 activations and weights, int16
cell state, int32 biases; the hidden and cell states are variable tensors."""

from __future__ import annotations

import math

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import c_array, name_of, optional_input, quant, quantize_multiplier, refuse

#: TFLM's input positions (lstm_shared.h): gate name -> (input weights, recurrent weights, bias).
GATES = {"input_gate": (1, 5, 12), "forget_gate": (2, 6, 13), "cell_gate": (3, 7, 14), "output_gate": (4, 8, 15)}
HIDDEN_STATE, CELL_STATE = 18, 19
#: Peephole (9-11), projection (16-17) and layer normalisation (20-23) inputs, which TFLM's kernel refuses.
ABSENT = (9, 10, 11, 16, 17, 20, 21, 22, 23)
#: The gates' fully connected outputs are Q3.12 and their activations' outputs Q0.15 (TFLM's fixed choice).
GATE_INPUT_SCALE, GATE_OUTPUT_SCALE = 2.0 ** -12, 2.0 ** -15
#: The cell gate's activation: the schema's TANH (it has no SIGMOID, the other one TFLM's kernel takes).
TANH = 4


def _gate(op, ctx: Context, prefix: str, name: str, x, hidden) -> tuple[str, list[str], int]:
    """One gate's params initializer and arrays: the two layers' multipliers, and their biases with the
    input offsets folded in (sum w * (x - zp) = sum w * x - zp * sum w)."""
    w_in, w_rec, bias = GATES[name]
    arrays, inits = [], []
    if ctx.tensor(op.inputs[bias]).dtype != "INT32":
        raise refuse(op, f"has {ctx.tensor(op.inputs[bias]).dtype} gate biases; the int8 LSTM takes int32")
    for tensor_index, source in ((op.inputs[w_in], x), (op.inputs[w_rec], hidden)):
        weights = ctx.tensor(tensor_index)
        if weights.dtype != "INT8" or weights.quantization is None or weights.quantization.per_channel:
            raise refuse(op, f"has {weights.dtype} or per-channel gate weights; the edgekit runtime runs "
                         "per-tensor int8 weights, as TFLM's LSTM")
        if weights.quantization.zero_points[0] != 0:
            raise refuse(op, "has gate weights with a zero point; TFLM's LSTM needs symmetric weights")
        product = float(np.float32(np.float32(quant(source)[0]) * np.float32(weights.quantization.scales[0])))
        inits.append(quantize_multiplier(product / GATE_INPUT_SCALE))
    _, zp_x = quant(x)
    _, zp_h = quant(hidden)
    w = ctx.constant(op.inputs[w_in]).astype(np.int64)
    r = ctx.constant(op.inputs[w_rec]).astype(np.int64)
    b = ctx.constant(op.inputs[bias]).astype(np.int64)
    input_bias = (b - zp_x * w.sum(axis=1)).astype(np.int32)
    recurrent_bias = (-zp_h * r.sum(axis=1)).astype(np.int32)
    arrays.append(c_array(f"{prefix}_{name}_ib", "int32_t", input_bias))
    arrays.append(c_array(f"{prefix}_{name}_rb", "int32_t", recurrent_bias))
    (m1, s1), (m2, s2) = inits
    init = (f"{{{ctx.ref(op.inputs[w_in])}, {ctx.ref(op.inputs[w_rec])}, {prefix}_{name}_ib, {prefix}_{name}_rb, "
            f"{m1}, {s1}, {m2}, {s2}}}")
    return init, arrays, 8 * w.shape[0]


def _mul(a: float, b: float, out: float) -> tuple[int, int]:
    """TFLM's CreateInterGateMulParams: the float32 scales multiplied and divided in double."""
    return quantize_multiplier(float(np.float32(a)) * float(np.float32(b)) / float(np.float32(out)))


@handler("UNIDIRECTIONAL_SEQUENCE_LSTM", code_bytes=2104)  # with the 512 B sigmoid table
def lstm(op, ctx: Context) -> OpCall:
    """TFLM's ``PrepareGateParametersInteger`` and ``CreateLstmCellStateInfo`` ahead of time."""
    t = ctx.info.tensors
    if len(op.inputs) != 24:
        raise refuse(op, f"has {len(op.inputs)} inputs where TFLM's LSTM takes 24")
    x, out = t[op.inputs[0]], t[op.outputs[0]]
    hidden, cell = t[op.inputs[HIDDEN_STATE]], t[op.inputs[CELL_STATE]]
    if x.dtype != "INT8" or hidden.dtype != "INT8" or out.dtype != "INT8" or cell.dtype != "INT16":
        raise refuse(op, f"is {x.dtype} with a {cell.dtype} cell state; the edgekit runtime runs int8 LSTMs "
                     "with an int16 cell state")
    if not (hidden.is_variable and cell.is_variable):
        raise refuse(op, "keeps its hidden or cell state in a tensor that is not variable")
    present = [i for i in ABSENT if optional_input(op, i) is not None]
    if present or any(optional_input(op, i) is None for g in GATES.values() for i in g):
        raise refuse(op, "uses peepholes, projection, layer normalisation or a coupled input gate, which "
                     "TFLM's LSTM kernel does not run")
    if len(x.shape) != 3:
        raise refuse(op, f"has a {len(x.shape)}-D input; the LSTM takes [batch, time, input]")
    time_major = bool(op.option("timeMajor", False))
    steps, batches = (x.shape[0], x.shape[1]) if time_major else (x.shape[1], x.shape[0])
    input_size, state_size = x.shape[2], hidden.shape[-1]
    activation = int(op.option("fusedActivationFunction"))
    if activation != TANH:
        raise refuse(op, f"has cell gate activation {activation}; TFLM's integer LSTM runs tanh (4)")
    prefix = f"k_op{op.index}"
    gates, arrays, table_bytes = {}, [], 0
    for name in GATES:
        gates[name], gate_arrays, size = _gate(op, ctx, prefix, name, x, hidden)
        arrays += gate_arrays
        table_bytes += size
    s_cell, _ = quant(cell)
    s_hidden, zp_hidden = quant(hidden)
    forget = _mul(GATE_OUTPUT_SCALE, s_cell, s_cell)
    update = _mul(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, s_cell)
    to_hidden = _mul(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, s_hidden)
    clip = float(op.option("cellClip", 0.0))
    # TFLM: clip / scale in double, bounded to int16, then truncated by the cast
    quantized_clip = int(math.trunc(min(max(clip / float(np.float32(s_cell)), -32768.0), 32767.0))) if clip > 0 else 0
    # tanh of the cell state: its scale 2^power brought to tanh's Q3.12 input (lstm_eval.cc Tanh)
    power = int(math.copysign(math.floor(abs(math.log2(float(np.float32(s_cell)))) + 0.5),
                              math.log2(float(np.float32(s_cell)))))
    left_shift = 15 + power - 3
    tanh_multiplier, tanh_shift = (3, -left_shift) if left_shift < 0 else (3 << left_shift, 0)
    params = (f"{{{batches}, {steps}, {input_size}, {state_size}, {int(time_major)}, "
              f"{gates['forget_gate']}, {gates['input_gate']}, {gates['cell_gate']}, {gates['output_gate']}, "
              f"{forget[0]}, {forget[1]}, {update[0]}, {update[1]}, "
              f"{to_hidden[0]}, {to_hidden[1]}, {zp_hidden}, {quantized_clip}, {tanh_multiplier}, {tanh_shift}}}")
    call = (f"ek_lstm_s8_s16(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.inputs[HIDDEN_STATE])}, "
            f"{ctx.ref(op.inputs[CELL_STATE])}, {ctx.ref(op.outputs[0])});")
    return OpCall(name_of(op), "ek_lstm_params", params, call, tuple(arrays), table_bytes, ("ek_lstm",))
