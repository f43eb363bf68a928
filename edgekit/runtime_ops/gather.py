"""GATHER and GATHER_ND (``ek_gather.c``): copies at indices that may be computed at run time, so the
kernel reads them; everything about the shapes is worked out here (TFLM's gather.cc, gather_nd.cc).
An index outside the input stops the kernel and makes ``ek_model_invoke`` return non-zero."""

from __future__ import annotations

from math import prod

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import c_list, name_of, refuse
from edgekit.runtime_ops.shape_ops import expect_shape, positive_axis
from edgekit.runtime_ops.strided_copy import element_bytes

#: Index dimensions GATHER_ND takes (TFLM's MAX_INDICES_ND).
MAX_INDICES_ND = 5


def _int32_indices(op, ctx: Context, index: int) -> None:
    if ctx.tensor(index).dtype != "INT32":
        raise refuse(op, f"has {ctx.tensor(index).dtype} indices; TFLM (and the edgekit runtime) take int32 indices")


@handler("GATHER", code_bytes=184)
def gather(op, ctx: Context) -> OpCall:
    """Along ``axis``, after ``batch_dims`` dimensions that the input and the indices share."""
    x, coords = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1])
    _int32_indices(op, ctx, op.inputs[1])
    axis = positive_axis(op, int(op.option("axis")), len(x.shape))
    batch_dims = int(op.option("batchDims"))
    batch_dims = batch_dims + len(coords.shape) if batch_dims < 0 else batch_dims
    if not 0 <= batch_dims <= axis or batch_dims > len(coords.shape) \
            or x.shape[:batch_dims] != coords.shape[:batch_dims]:
        raise refuse(op, f"has batch_dims {op.option('batchDims')} that the input {list(x.shape)} and indices "
                     f"{list(coords.shape)} do not share before axis {axis}")
    expect_shape(op, ctx, [*x.shape[:axis], *coords.shape[batch_dims:], *x.shape[axis + 1:]])
    element = element_bytes(op, ctx, op.inputs[0])
    params = (f"{{{prod(x.shape[:batch_dims])}, {prod(x.shape[batch_dims:axis])}, "
              f"{prod(coords.shape[batch_dims:])}, {x.shape[axis]}, {prod(x.shape[axis + 1:]) * element}}}")
    return OpCall(name_of(op), "ek_gather_params", params,
                  f"if (ek_gather(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.inputs[1])}, "
                  f"{ctx.ref(op.outputs[0])}) != 0) return 1;", (), 0, ("ek_gather",))


@handler("GATHER_ND", code_bytes=132)
def gather_nd(op, ctx: Context) -> OpCall:
    """Each row of the indices' last dimension picks a slice of the input's remaining dimensions."""
    x, indices = ctx.tensor(op.inputs[0]), ctx.tensor(op.inputs[1])
    _int32_indices(op, ctx, op.inputs[1])
    if not x.shape or not indices.shape:
        raise refuse(op, "needs an input and indices of at least one dimension")
    nd = indices.shape[-1]
    if nd > len(x.shape) or nd > MAX_INDICES_ND:
        raise refuse(op, f"indexes {nd} dimensions of a tensor of rank {len(x.shape)} (TFLM: at most "
                     f"{MAX_INDICES_ND} and the rank)")
    expect_shape(op, ctx, [*indices.shape[:-1], *x.shape[nd:]])
    strides = [prod(x.shape[j + 1:]) for j in range(nd)]
    params = (f"{{{prod(indices.shape[:-1])}, {nd}, {prod(x.shape[nd:])}, {prod(x.shape)}, "
              f"{element_bytes(op, ctx, op.inputs[0])}, {c_list(strides + [0] * (MAX_INDICES_ND - nd))}}}")
    return OpCall(name_of(op), "ek_gather_nd_params", params,
                  f"if (ek_gather_nd(P, {ctx.ref(op.inputs[0])}, {ctx.ref(op.inputs[1])}, "
                  f"{ctx.ref(op.outputs[0])}) != 0) return 1;", (), 0, ("ek_gather",))
