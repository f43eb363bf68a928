"""BATCH_MATMUL (``ek_batch_matmul.c``)."""

from __future__ import annotations

import numpy as np

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import c_array, c_list, name_of, quant, quantize_multiplier, refuse

BATCH_DIMS = 3  # TFLM runs ranks 2 to 5: up to three batch dimensions


def _batch_strides(batch: list[int], matrix: int) -> list[int]:
    """Elements between consecutive matrices along each batch dimension; 0 where the operand has size 1
    and is repeated (broadcast), as TFLM's extent() gives."""
    strides, step = [], matrix
    for size in reversed(batch):
        strides.append(step if size != 1 else 0)
        step *= size
    return strides[::-1]


def _operand(ctx: Context, index: int, name: str, summed_last: bool, others: int,
             depth: int) -> tuple[str, int, int, str | None]:
    """One operand as the kernel reads it: its C reference, the stride between its rows (LHS) or columns
    (RHS), the stride along the summed dimension, and a const array when it is a constant, laid out again
    with the summed dimension last (contiguous)."""
    if ctx.is_constant(index):
        values = ctx.constant(index)
        values = values if summed_last else np.swapaxes(values, -1, -2)
        return name, depth, 1, c_array(name, "int8_t", values)
    if summed_last:
        return ctx.ref(index), depth, 1, None
    return ctx.ref(index), 1, others, None


@handler("BATCH_MATMUL", code_bytes=648)
def batch_matmul(op, ctx: Context) -> OpCall:
    """adj_x and adj_y become strides. A constant operand is laid out again here with the summed dimension
    contiguous, so the kernel's fast path takes it whatever its flags; TFLM's multiplier is the double
    product of the input scales over the output scale."""
    lhs, rhs, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1]), ctx.tensor(op.outputs[0])
    if lhs.dtype != "INT8" or rhs.dtype != "INT8" or out.dtype != "INT8":
        raise refuse(op, f"takes {lhs.dtype} x {rhs.dtype} to {out.dtype}; the edgekit runtime's BATCH_MATMUL is "
                     "int8")
    if not (2 <= len(lhs.shape) <= 5 and 2 <= len(rhs.shape) <= 5):
        raise refuse(op, "has an operand outside ranks 2 to 5, which TFLM refuses too")
    adj_x, adj_y = bool(op.option("adjX")), bool(op.option("adjY"))
    rows, depth = (lhs.shape[-1], lhs.shape[-2]) if adj_x else (lhs.shape[-2], lhs.shape[-1])
    cols = rhs.shape[-2] if adj_y else rhs.shape[-1]
    lhs_batch = [1] * (BATCH_DIMS + 2 - len(lhs.shape)) + list(lhs.shape[:-2])
    rhs_batch = [1] * (BATCH_DIMS + 2 - len(rhs.shape)) + list(rhs.shape[:-2])
    out_batch = [max(a, b) for a, b in zip(lhs_batch, rhs_batch)]
    prefix = f"k_op{op.index}"
    lhs_ref, lhs_row, lhs_depth, lhs_array = _operand(ctx, op.inputs[0], f"{prefix}_lhs", not adj_x, rows, depth)
    rhs_ref, rhs_col, rhs_depth, rhs_array = _operand(ctx, op.inputs[1], f"{prefix}_rhs", adj_y, cols, depth)
    arrays = tuple(a for a in (lhs_array, rhs_array) if a)
    table = sum(t.num_elements for i, t in ((op.inputs[0], lhs), (op.inputs[1], rhs)) if ctx.is_constant(i))
    (s_l, zp_l), (s_r, zp_r), (s_out, zp_out) = quant(lhs), quant(rhs), quant(out)
    # TFLM's GetQuantizedConvolutionMultipler: the two scales' product in double (as the dense layer's)
    multiplier, shift = quantize_multiplier(float(s_l) * float(s_r) / float(s_out))
    params = (f"{{{c_list(out_batch)}, {c_list(_batch_strides(lhs_batch, rows * depth))}, "
              f"{c_list(_batch_strides(rhs_batch, depth * cols))}, {rows}, {cols}, {depth}, "
              f"{lhs_row}, {lhs_depth}, {rhs_col}, {rhs_depth}, {-zp_l}, {-zp_r}, {zp_out}, {multiplier}, {shift}}}")
    return OpCall(name_of(op), "ek_batch_matmul_params", params,
                  f"ek_batch_matmul_s8(P, {lhs_ref}, {rhs_ref}, {ctx.ref(op.outputs[0])});", arrays, table,
                  ("ek_batch_matmul",))
