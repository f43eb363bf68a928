"""edgekit's own runtime, generated ahead of time: ``ModelInfo`` -> C99 that calls the int8 kernel library.

Everything TFLM works out at run time is worked out here, in Python, with TFLM's own formulas
(shared/research/performance.md section 4): per-channel multipliers and shifts from the scales in double
precision (``QuantizeMultiplier``), activation clamps (``CalculateActivationRangeQuantized``), padding,
softmax's fixed-point scaling, ADD's rescaling. They become ``const`` arrays that stay in flash. Tensors live
at offsets of one arena planned here (:mod:`edgekit.arena`), and ``ek_model_invoke`` is straight-line code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edgekit import cgen, runtime_ops
from edgekit.arena import MemoryPlan, activation_buffers, alias_root, align, best_plan, variable_region
from edgekit.catalog import OPTIMIZE_GOALS
from edgekit.errors import ModelError
from edgekit.reader import ModelInfo, numpy_dtype
from edgekit.runtime_ops import C_TYPES, OpCall, conv, conv_add, conv_chain, packed_weights
from edgekit.runtime_ops.conv_add import ConvAdd
from edgekit.runtime_ops.conv_chain import ConvChain, choose_fusions, conv_chains
from edgekit.runtime_ops.conv_dense import dense_fusions

# re-exported: the arithmetic set-up tests and other modules use
from edgekit.runtime_ops.fixedpoint import activation_range, c_array, padding, quantize_multiplier, round_half_away

__all__ = ["GeneratedModel", "activation_range", "generate", "in_place_convolutions", "inplace_aliases",
           "kernel_sources", "padding",
           "quantize_multiplier", "render_runtime_sources", "round_half_away", "runtime_context",
           "unsupported_ops"]

#: Elementwise kernels that may write their output over an input of the same size: each output byte is
#: written after the input bytes at the same index are read, and no later index reads it.
IN_PLACE_OPS = frozenset({"ADD", "MUL", "LOGISTIC", "TANH", "RELU", "RELU6", "RELU_N1_TO_1", "RELU_0_TO_1",
                          "LEAKY_RELU", "PRELU", "HARD_SWISH", "ELU", "ABS", "NEG", "RSQRT", "LOG_SOFTMAX",
                          "L2_NORMALIZATION", "QUANTIZE", "SUB", "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM",
                          "DIV", "EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL",
                          "SELECT_V2"})
#: Ops whose output is their first input's bytes under another shape: the output shares them, no copy.
SAME_BYTES_OPS = frozenset({"RESHAPE", "SQUEEZE", "EXPAND_DIMS"})


def inplace_aliases(info: ModelInfo, exclude: frozenset[int] = frozenset()) -> dict[int, int]:
    """Tensors that share another tensor's arena bytes, mapped to that tensor: the output of a RESHAPE,
    SQUEEZE or EXPAND_DIMS is its first input (the same bytes, so no copy), and an elementwise op writes
    over an input of its output's size that nothing reads afterwards. Graph inputs are never written over
    (the caller may still need them) and graph outputs never lent out. The ops in ``exclude`` (ADDs run
    fused, runtime_ops/conv_add.py, placed by the plan instead) write over nothing."""
    last_use = {b.tensor: b.last for b in activation_buffers(info)}
    owner: dict[int, int] = {}
    members: dict[int, set[int]] = {}

    def root(index: int) -> int:
        return owner.get(index, index)

    def join(tensor: int, into: int) -> None:
        owner[tensor] = into
        members.setdefault(into, {into}).add(tensor)

    graph_inputs, graph_outputs = set(info.inputs), set(info.outputs)
    for op in info.operators:
        if not op.outputs or op.outputs[0] not in last_use:
            continue
        out = op.outputs[0]
        candidates = [i for i in op.inputs if i >= 0 and i in last_use]
        if op.op in SAME_BYTES_OPS and candidates and candidates[0] == op.inputs[0]:
            join(out, root(candidates[0]))
            continue
        if op.op not in IN_PLACE_OPS or op.index in exclude:
            continue
        size = info.tensors[out].nbytes
        for index in candidates:
            group = members.get(root(index), {root(index)})
            tensor = info.tensors[index]
            if (tensor.nbytes == size
                    and not group & (graph_inputs | graph_outputs)
                    and max(last_use[m] for m in group) == op.index):
                join(out, root(index))
                break
    return owner


def in_place_convolutions(info: ModelInfo, aliases: dict[int, int]) -> dict[int, tuple[int, tuple[int, ...]]]:
    """Convolutions the runtime can run with the output over the input (``ek_conv_in_place_s8``): output
    tensor -> (input tensor, the input's starts minus the output's it may take, in bytes), for
    :func:`best_plan`'s ``overlaps``. Only where nothing reads the input's bytes after the convolution
    (under any alias) and it is no graph output. A graph input qualifies: the caller writes it before each invoke, and the plan
    already gives its bytes to later tensors once its last reader has run, as TFLM's does."""
    last_use = {b.tensor: b.last for b in activation_buffers(info)}
    groups: dict[int, set[int]] = {}
    for tensor in last_use:
        groups.setdefault(alias_root(aliases, tensor), set()).add(tensor)
    group_of = {t: members for members in groups.values() for t in members}
    overlaps = {}
    for op in info.operators:
        if op.op not in ("CONV_2D", "DEPTHWISE_CONV_2D") or not op.outputs:
            continue
        inp, out = op.inputs[0], op.outputs[0]
        if inp not in last_use or out not in last_use or op.inputs[1] in last_use:
            continue
        group = group_of[inp]
        if out in group or group & set(info.outputs) or max(last_use[t] for t in group) != op.index:
            continue
        layout = conv.in_place_layout(op, info)
        if layout is not None:
            overlaps[out] = (inp, layout)
    return overlaps


def unsupported_ops(info: ModelInfo) -> list[str]:
    """The model's ops the edgekit runtime does not implement."""
    return sorted(set(info.ops) - runtime_ops.supported_ops())


@dataclass(frozen=True)
class GeneratedModel:
    """The C of one model for edgekit's runtime, and what the budget needs to know about it."""

    calls: tuple[OpCall, ...]
    constants: tuple[str, ...]  # weight and bias arrays
    arena_bytes: int
    offsets: tuple[tuple[int, int], ...]  # tensor -> arena offset
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    constant_bytes: int
    families: tuple[str, ...]  # kernel sources (ek_<family>.c) the calls need
    # (offset, bytes, byte value): variable tensors that start at a non-zero byte, set before the first run
    state_fills: tuple[tuple[int, int, int], ...] = ()
    state_region: tuple[int, int] = (0, 0)  # (offset, bytes) of the variable tensors, which ek_model_reset clears
    # tensors a fused convolution keeps smaller than themselves (a band, a window of rows): tensor -> bytes
    fused_sizes: tuple[tuple[int, int], ...] = ()
    plan_head: int = 0  # bytes of the activations' plan (the arena without the variable tensors)


def _constant_data(model: bytes) -> dict[int, bytes]:
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    tree = schema.Model.GetRootAs(model, 0)
    graph = tree.Subgraphs(0)
    data = {}
    for index in range(graph.TensorsLength()):
        buffer = tree.Buffers(graph.Tensors(index).Buffer())
        if buffer is not None and buffer.DataLength() > 0:
            data[index] = buffer.DataAsNumpy().tobytes()
    return data


#: How convolutions may write over their input (:func:`generate`'s ``in_place``).
IN_PLACE_MODES = ("auto", "none", "above", "below")
#: The memory plan's goals (catalog.OPTIMIZE_GOALS, ``--optimize``): ``ram`` the smallest arena, every
#: in-place convolution that makes it smaller; ``speed`` none (every kernel in one call, the arena at the
#: whole-tensor plan); ``balanced`` the smallest arena whose in-place convolutions add at most
#: ``BALANCED_SHARE`` to the model's estimated instructions (runtime_ops/conv.py, in_place_cost), and on
#: cores with SMLAD the weights of dense layers and 1x1 convolutions in 4 to 6 bits as far as that adds at
#: most weight_packing.BALANCED_INSTRUCTION_SHARE to their estimated instructions; ``flash`` balanced's
#: plan, with those weights packed wherever a byte saved costs at most ten instructions, on any core
#: (weight_packing.py, runtime_ops/packed_weights.py).
BALANCED_SHARE = 0.01
#: Estimated Cortex-M4 instructions per MAC of the runtime's convolutions, for the balanced budget
#: (benchmarks/runtime.py: 2.3 to 3.2 on the reference models).
INSTRUCTIONS_PER_MAC = 3


def generate(model: bytes, info: ModelInfo, in_place: str = "auto", optimize: str = "balanced",
             dsp: bool = False) -> GeneratedModel:
    """C for ``ek_model_invoke`` and its constants.

    :param in_place: which convolutions run over their own input (:func:`in_place_convolutions`):
        ``auto`` as ``optimize`` asks, ``none`` none, ``above`` and ``below`` every one that can, with
        the input above (bands from the top) or below the output (bands from the bottom), to test the
        kernels' band paths. Chained convolutions (runtime_ops/conv_chain.py) run with ``auto`` only;
        a convolution fused with its dense layer (runtime_ops/conv_dense.py) runs in bands whatever this
        says, unless ``optimize`` is ``speed``.
    :param optimize: one of ``OPTIMIZE_GOALS``.
    :param dsp: the target core has the Arm DSP extension (SMLAD), where 4-bit weights cost what int8 ones
        do: ``balanced`` then packs dense weights too, where each byte saved costs few instructions
        (runtime_ops/packed_weights.py; ``flash`` packs them on any core).
    :raises ModelError: naming an op or a tensor type the edgekit runtime does not support.
    """
    if in_place not in IN_PLACE_MODES:
        raise ValueError(f"in_place must be one of {', '.join(IN_PLACE_MODES)}, not {in_place!r}")
    if optimize not in OPTIMIZE_GOALS:
        raise ValueError(f"optimize must be one of {', '.join(OPTIMIZE_GOALS)}, not {optimize!r}")
    if in_place == "auto" and optimize == "speed":
        in_place = "none"
    missing = unsupported_ops(info)
    if missing:
        raise ModelError(None, f"op {', '.join(missing)} is not supported by the edgekit runtime; use --runtime tflm")
    for tensor in info.tensors:
        if not tensor.is_constant and tensor.dtype not in C_TYPES:
            raise ModelError(None, f"tensor '{tensor.name}' is {tensor.dtype}, which the edgekit runtime does not "
                             "run; use --runtime tflm")
    key = (info.sha256, in_place, optimize, dsp)
    if key not in _GENERATED:
        while len(_GENERATED) >= GENERATED_KEPT:
            del _GENERATED[next(iter(_GENERATED))]  # the oldest
        _GENERATED[key] = _generate(model, info, in_place, optimize, dsp)
    return _GENERATED[key]


#: How many generated models :func:`generate` keeps: a build sizes, renders and reports one model; the
#: plan search behind each (fusions, overlaps) takes seconds on MobileNets.
GENERATED_KEPT = 8
_GENERATED: dict[tuple[str, str, str, bool], GeneratedModel] = {}


def _generate(model: bytes, info: ModelInfo, in_place: str, optimize: str, dsp: bool) -> GeneratedModel:
    """:func:`generate`'s work, for a model it has checked."""
    constants = _constant_data(model)
    aliases = inplace_aliases(info)
    # convolutions fused with their dense layer: a band and the accumulators in the output's bytes (under
    # every alias), and never in place (their band is not their output)
    fusions = dense_fusions(info, aliases, constants) if optimize != "speed" else {}
    fused_sizes = {t: f.scratch_bytes for f in fusions.values() for t in [f.tensor, *aliases]
                   if alias_root(aliases, t) == f.tensor}
    overlaps = in_place_convolutions(info, aliases) if in_place != "none" else {}
    overlaps = {out: value for out, value in overlaps.items() if out not in fused_sizes}
    producer = {op.outputs[0]: op.index for op in info.operators if op.outputs}
    if in_place in ("above", "below"):
        side = 0 if in_place == "above" else 1
        overlaps = {out: (inp, (shifts[side],)) for out, (inp, shifts) in overlaps.items()}
    costs = {(out, shift): conv.in_place_cost(info.operators[producer[out]], info, shift)
             for out, (_, shifts) in overlaps.items() for shift in shifts}
    budget = int(BALANCED_SHARE * INSTRUCTIONS_PER_MAC * info.total_macs) if optimize in ("balanced", "flash") \
        else None

    def plan_with(chosen: list, tries: int = 400) -> tuple[MemoryPlan, dict[int, int], dict[int, int]]:
        """The best plan with these fusions of convolutions (chains, runtime_ops/conv_chain.py, and ADDs
        run with the convolutions that make their operands, runtime_ops/conv_add.py), with the bytes each
        planned tensor takes and the aliases it was made with. No fused convolution runs in place."""
        adds = [f for f in chosen if isinstance(f, ConvAdd)]
        plan_aliases = inplace_aliases(info, frozenset(f.add for f in adds)) if adds else aliases
        fused = {info.operators[i].outputs[0] for f in chosen for i in f.ops}
        sizes, lasts, extra_overlaps = dict(fused_sizes), {}, {}
        for fusion in chosen:
            terms = conv_add.plan_terms if isinstance(fusion, ConvAdd) else conv_chain.plan_terms
            more_sizes, more_lasts, more_overlaps = terms(info, plan_aliases, fusion)
            sizes.update(more_sizes)
            extra_overlaps.update(more_overlaps)
            for tensor, op in more_lasts.items():
                lasts[tensor] = max(lasts.get(tensor, op), op)
        kept = {o: v for o, v in overlaps.items() if o not in fused}
        return best_plan(info, tries=tries, aliases=plan_aliases, overlaps={**kept, **extra_overlaps},
                         choose=in_place == "auto", overlap_costs=costs, cost_budget=budget,
                         sizes=sizes, lasts=lasts), sizes, plan_aliases

    # (in_place "auto" only: the other modes pin each kernel to one form, for tests)
    candidates = []
    if in_place == "auto":
        candidates = conv_chains(info, aliases, constants, set(fusions))
        adds_apart = inplace_aliases(info, frozenset(op.index for op in info.operators if op.op in ("ADD", "SUB")))
        candidates += conv_add.conv_adds(info, adds_apart, constants, set(fusions))
    plan, _, aliases = plan_with([])

    def largest_freed(fusion) -> int:
        """The largest tensor a fusion keeps from existing whole, or lends its bytes to the output."""
        kept = fusion.tensors if isinstance(fusion, ConvChain) else [info.operators[i].outputs[0] for i in fusion.ops]
        return max(info.tensors[t].nbytes for t in [*kept, *[t for t in [fusion.over] if t is not None]])

    def in_order(chosen: dict) -> list:
        return sorted(set(chosen.values()), key=lambda c: min(c.ops))

    # only tensors large enough to be part of the peak are worth fusing away: a quarter of it; the peak
    # moves as fusions take it down (MobileNetV2: from the first layers to the blocks after them), so the
    # others are let in against each smaller one
    # (the choice compares shorter searches: a few dozen orders find each plan's size nearly always)
    heads: dict[frozenset, int] = {}

    def head_with(fusions: list) -> int:
        key = frozenset(fusions)  # (each set is searched once, whatever the round or the order)
        if key not in heads:
            heads[key] = plan_with(sorted(key, key=lambda c: min(c.ops)), tries=40)[0].head
        return heads[key]

    pool, chosen, head = [], {}, plan.head
    while more := [c for c in candidates if c not in pool and 4 * largest_freed(c) >= head]:
        pool += more
        chosen = choose_fusions(pool, head_with)
        head = head_with(in_order(chosen)) if chosen else head
    fused = plan_with(in_order(chosen)) if chosen else None
    if fused is not None and fused[0].head < plan.head:  # (the full search confirms the smaller ones)
        plan, fused_sizes, aliases = fused
    else:
        chosen = {}
    chains = {i: f for i, f in chosen.items() if isinstance(f, ConvChain)}
    adds = {i: f for i, f in chosen.items() if isinstance(f, ConvAdd)}
    in_place_ops = frozenset(op.index for op in info.operators if op.outputs and op.inputs and op.index not in adds
                             and (op.outputs[0], op.inputs[0]) in set(plan.overlapping))
    # state tensors (SVDF, LSTM) after the planned activations, in bytes nothing else uses
    variables, arena_end = variable_region(info, plan.head)
    offsets = {**dict(plan.offsets), **variables}
    arrays: dict[int, str] = {}
    constant_defs: list[str] = []

    def tensor_ref(index: int) -> str:
        tensor = info.tensors[index]
        ctype = C_TYPES.get(tensor.dtype)
        if index in constants:
            if index not in arrays:
                name = f"k_t{index}"
                values = np.frombuffer(constants[index], dtype=numpy_dtype(tensor.dtype))
                if ctype is None or ctype == "float":
                    raise ModelError(None, f"constant tensor '{tensor.name}' is {tensor.dtype}; the edgekit "
                                     "runtime takes integer constants; use --runtime tflm")
                constant_defs.append(f"/* {cgen.c_comment(tensor.name)} */\n" + c_array(name, ctype, values))
                arrays[index] = name
            return arrays[index]
        return f"(({ctype}*)(ek_arena + {offsets[index]}))"

    # dense and 1x1 convolution weights in 4 to 6 bits (runtime_ops/packed_weights.py) for --optimize flash,
    # and for balanced on cores with SMLAD; for the layers no other kernel runs and that do not write over
    # their input
    fused = {*in_place_ops, *chains, *adds, *fusions, *(f.dense for f in fusions.values())}
    packs = optimize == "flash" or (optimize == "balanced" and dsp)
    packed = packed_weights.packed_layers(info, constants, fused, optimize) if packs else {}
    context = runtime_ops.Context(info=info, constants=constants, ref=tensor_ref, in_place=in_place_ops,
                                  dense_fusions=fusions, chains=chains, conv_adds=adds, packed_weights=packed)
    calls = [runtime_ops.HANDLERS[op.op](op, context) for op in info.operators]
    families = sorted({family for call in calls for family in call.families})
    # TFLM's ResetVariableTensors: int8 state starts at its zero point (real 0.0), any other type at 0,
    # which the zeroed static arena already holds
    fills = tuple((variables[i], info.tensors[i].nbytes, info.tensors[i].quantization.zero_points[0])
                  for i in sorted(variables)
                  if info.tensors[i].dtype == "INT8" and info.tensors[i].quantization is not None
                  and info.tensors[i].quantization.zero_points[0] != 0)
    return GeneratedModel(calls=tuple(calls), constants=tuple(constant_defs),
                          arena_bytes=max(arena_end, 16), offsets=tuple(sorted(offsets.items())),
                          inputs=info.inputs,
                          outputs=info.outputs, constant_bytes=sum(len(constants[i]) for i in arrays),
                          families=tuple(families), state_fills=fills,
                          state_region=(align(plan.head), arena_end - align(plan.head)),
                          fused_sizes=tuple(sorted(fused_sizes.items())), plan_head=plan.head)


def kernel_sources(families) -> dict[str, str]:
    """The kernel library files a firmware needs: every header (they document the whole API and cost no
    flash) and the C source of each family in ``families``, keyed by file name."""
    from edgekit.render import TEMPLATES_ROOT

    root = TEMPLATES_ROOT / "runtime" / "kernels"
    files = {path.name: path.read_text(encoding="utf-8") for path in sorted(root.glob("*.h"))}
    for family in sorted(set(families)):
        source = root / f"{family}.c"
        files[source.name] = source.read_text(encoding="utf-8")
    return files


def all_kernel_families() -> tuple[str, ...]:
    """Every kernel family the library has (tests compile all of them at once)."""
    from edgekit.render import TEMPLATES_ROOT

    return tuple(sorted(p.stem for p in (TEMPLATES_ROOT / "runtime" / "kernels").glob("*.c")))


def runtime_context(model: bytes, info: ModelInfo, in_place: str = "auto", optimize: str = "balanced",
                    dsp: bool = False) -> dict:
    """The values the runtime templates (firmware_templates/runtime) render: arena, constants, calls, and
    the kernel families to emit (``in_place``, ``optimize`` and ``dsp`` as for :func:`generate`)."""
    generated = generate(model, info, in_place, optimize, dsp)
    offsets = dict(generated.offsets)
    calls = []
    for number, call in enumerate(generated.calls):
        statement = call.call.replace("(P, ", f"(&k_p{number}, ", 1) if call.params_type else call.call
        # A table of pointers into the arena is not a constant when the caller gives the arena at run time
        # (EK_MODEL_EXTERNAL_ARENA): such tables, and the parameters that may point at them, are set up in
        # ek_model_invoke itself (a few stores per call) instead of at file scope.
        local = [a.removeprefix("static ") for a in call.arrays if "ek_arena" in a]
        calls.append({"comment": cgen.c_comment(call.comment), "params_type": call.params_type,
                      "params": call.params, "arrays": [a for a in call.arrays if "ek_arena" not in a],
                      "local": local, "statement": statement})
    return {
        "arena_bytes": generated.arena_bytes,
        "constant_bytes": generated.constant_bytes + sum(call.table_bytes for call in generated.calls),
        "constants": list(generated.constants),
        "calls": calls,
        "families": list(generated.families),
        "state_fills": [{"offset": o, "size": n, "value": v} for o, n, v in generated.state_fills],
        "state_offset": generated.state_region[0],
        "state_bytes": generated.state_region[1],
        # a stateless recurrent model (edgekit.model_metadata.RESET_STATE): fresh state for every inference
        "reset_each_inference": info.resets_state_each_inference and generated.state_region[1] > 0,
        "headers": sorted(name for name in kernel_sources(()) if name != "ek_common.h"),
        "input_offsets": [offsets[i] for i in info.inputs],
        "output_offsets": [offsets[i] for i in info.outputs],
    }


def render_runtime_sources(model: bytes, info: ModelInfo, banner: str, in_place: str = "auto",
                           optimize: str = "balanced", dsp: bool = False) -> dict[str, str]:
    """ek_model.{h,c}, ek_kernels.h and the kernel library files the model needs, as text keyed by file
    name (for tests and the templates; ``in_place``, ``optimize`` and ``dsp`` as for :func:`generate`)."""
    from edgekit.render import _ENV

    runtime = runtime_context(model, info, in_place, optimize, dsp)
    context = {"banner": banner, "runtime": runtime}
    files = {name: _ENV.get_template(f"runtime/src/{name}.j2").render(context)
             for name in ("ek_model.h", "ek_model.c", "ek_kernels.h")}
    files.update(kernel_sources(runtime["families"]))
    return files
