"""The edgekit runtime's op handlers: one module per kernel family, each turning a model's operator into
one call of that family's C kernel (``firmware_templates/runtime/kernels/ek_<family>.c``).

A handler is registered with :func:`handler` for the builtin ops it runs. It receives the operator and a
:class:`Context` (tensors, constant data, the arena references of the generated C) and returns an
:class:`OpCall`: the kernel call, its ``const`` parameter block and tables, and the C families it needs,
so that the generator emits only the kernel sources a model uses. Everything TFLM computes at run time
(multipliers, shifts, clamps, padding) a handler computes here, with TFLM's formulas
(:mod:`edgekit.runtime_ops.fixedpoint`).

Every module in this package is imported once (:func:`load`), so a new family is a new module and a new
C source, and nothing else changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from edgekit.errors import ModelError
from edgekit.reader import ModelInfo, OperatorInfo, TensorInfo, numpy_dtype

#: C element type of a tensor type, for arena references and const arrays.
C_TYPES = {"INT8": "int8_t", "UINT8": "uint8_t", "INT16": "int16_t", "INT32": "int32_t", "INT64": "int64_t",
           "BOOL": "uint8_t", "FLOAT32": "float"}


@dataclass(frozen=True)
class OpCall:
    """One kernel call of the generated ``ek_model_invoke``: a params struct and the call itself."""

    comment: str
    params_type: str  # "" when the call takes no params struct
    params: str  # C initializer of the params struct
    call: str  # the call, with P standing for the params struct's address
    arrays: tuple[str, ...]  # const array definitions this call needs
    table_bytes: int = 0  # bytes of those arrays (per-channel multipliers and shifts, lookup tables)
    families: tuple[str, ...] = ()  # kernel sources (ek_<family>.c) the call needs


@dataclass
class Context:
    """What a handler may read: the model, its constant tensors, and C references to tensors."""

    info: ModelInfo
    constants: dict[int, bytes]
    ref: Callable[[int], str]  # a tensor's C expression: a const array or a typed pointer into the arena
    scratch: dict[int, int] = field(default_factory=dict)  # op index -> scratch bytes it asked for
    # convolutions (op indexes) whose output the planner placed over their input (runtime_ops/conv.py)
    in_place: frozenset[int] = frozenset()
    # convolutions run fused with the dense layer that reads them, by op index (runtime_ops/conv_dense.py)
    dense_fusions: dict = field(default_factory=dict)
    # pairs of convolutions run as one (runtime_ops/conv_chain.py), by the op index of either
    chains: dict = field(default_factory=dict)
    # ADDs run with the convolutions that make their operands (runtime_ops/conv_add.py), by any op's index
    conv_adds: dict = field(default_factory=dict)
    # the convolutions another op's call runs (a chain's first, a fused ADD's): kernel, sources, families
    chain_kernels: dict = field(default_factory=dict)
    # FULLY_CONNECTED weights in 4 to 6 bits (weight_packing.PackedWeights), by op index (--optimize flash)
    packed_weights: dict = field(default_factory=dict)

    def tensor(self, index: int) -> TensorInfo:
        """The tensor at ``index``."""
        return self.info.tensors[index]

    def constant(self, index: int) -> np.ndarray:
        """A constant tensor's values in its shape, or a :class:`ModelError` when it is computed at run time."""
        tensor = self.info.tensors[index]
        if index not in self.constants:
            raise ModelError(None, f"tensor '{tensor.name}' is computed at run time where the edgekit runtime "
                             "needs a constant; use --runtime tflm")
        values = np.frombuffer(self.constants[index], dtype=numpy_dtype(tensor.dtype))
        return values.reshape(tensor.shape) if tensor.shape else values

    def is_constant(self, index: int) -> bool:
        """True when tensor ``index`` has data in the model."""
        return index in self.constants


def tensor_readers(info: ModelInfo) -> dict[int, list[int]]:
    """Tensor -> the indexes of the ops that read it, in order."""
    readers: dict[int, list[int]] = {}
    for op in info.operators:
        for index in op.inputs:
            if index >= 0:
                readers.setdefault(index, []).append(op.index)
    return readers


Handler = Callable[[OperatorInfo, Context], OpCall]
#: Builtin op name -> its handler.
HANDLERS: dict[str, Handler] = {}
#: Builtin op name -> bytes of Cortex-M4 code its kernel adds (arm-none-eabi-gcc -O2, --gc-sections).
CODE_BYTES: dict[str, int] = {}
#: For ops with several kernels of which a model links only those its calls name: op (or a fused form's
#: name) -> (regular expression of a kernel's name in a generated call, bytes of that kernel and its
#: helpers per instruction set: "default" for the Cortex-M4, or a board's ``arch``). Each counts once when
#: any call names it.
KERNEL_CODE_BYTES: dict[str, tuple[tuple[str, dict[str, int]], ...]] = {}
#: A kernel pattern of KERNEL_CODE_BYTES whose code another one's includes (pattern -> that pattern): counted
#: only when the other is not.
KERNEL_INCLUDED_IN: dict[str, str] = {}
#: Where an op's kernel takes notably more code on another instruction set than on the Cortex-M4:
#: board arch -> op -> bytes (riscv64-unknown-elf-gcc 12.2 -O2 -march=rv32imc, .text of the kernel's object).
ARCH_CODE_BYTES: dict[str, dict[str, int]] = {"riscv32": {}}


def handler(*ops: str, code_bytes: int | dict[str, int]) -> Callable[[Handler], Handler]:
    """Registers a function as the handler of ``ops``; ``code_bytes`` is the flash its kernel code takes
    (one figure for all ops, or one per op), measured on a Cortex-M4 build, for the budget."""

    def register(function: Handler) -> Handler:
        for op in ops:
            if op in HANDLERS:
                raise RuntimeError(f"two handlers for {op}")
            HANDLERS[op] = function
            CODE_BYTES[op] = code_bytes[op] if isinstance(code_bytes, dict) else code_bytes
        return function

    return register


_LOADED = False


def load() -> None:
    """Imports every handler module of this package once, which registers their ops."""
    global _LOADED
    if _LOADED:
        return
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{module}")
    _LOADED = True


def supported_ops() -> frozenset[str]:
    """The builtin ops the edgekit runtime runs."""
    load()
    return frozenset(HANDLERS)
