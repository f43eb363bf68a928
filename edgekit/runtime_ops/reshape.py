"""RESHAPE, SQUEEZE and EXPAND_DIMS: the same bytes under another shape (no kernel)."""

from __future__ import annotations

from edgekit.runtime_ops import Context, OpCall, handler
from edgekit.runtime_ops.fixedpoint import name_of


@handler("RESHAPE", "SQUEEZE", "EXPAND_DIMS", code_bytes=0)
def reshape(op, ctx: Context) -> OpCall:
    """Nothing when the arena plan made the output share the input's bytes, a memmove otherwise."""
    source, target = ctx.ref(op.inputs[0]), ctx.ref(op.outputs[0])
    if source == target:
        return OpCall(name_of(op), "", "", "/* the output shares the input's bytes: nothing to do */", ())
    return OpCall(name_of(op), "", "", f"memmove({target}, {source}, {ctx.tensor(op.inputs[0]).nbytes});", ())
