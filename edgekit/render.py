"""Render a firmware project (the "render" stage): model + board + template -> a PlatformIO project folder.

Templates live in ``firmware_templates/<name>/``, one folder per TFLM library, each with a
``template.toml`` that says which library it pulls in, which API that library has, and which shared
folders (``common``, ``arduino``) it layers under its own files. Every file's path mirrors the output
tree; files ending in ``.j2`` are rendered with Jinja2 (one environment, ``StrictUndefined``, so a
missing value fails the render instead of producing broken C), others are copied. Rendering is
deterministic: no dates, no absolute paths except a ``--tflm-dir`` the user gave, sorted everything.

The output folder is never cleaned: edgekit writes only the files it renders and records them with
their hashes in ``.edgekit/manifest.json``. Re-rendering replaces those files, but a file the user has
edited since, or a file edgekit did not write, is only replaced with ``force``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import zlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError as JinjaTemplateError

import edgekit
from edgekit import cgen, tflm_ops
from edgekit.catalog import Board
from edgekit.platformio import platform_spec
from edgekit.compat import compatibility_problems
from edgekit.errors import InterpreterCrash, ModelError, RenderError, TemplateError
from edgekit.reader import ModelInfo, TensorInfo, numpy_dtype

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TEMPLATES_ROOT = Path(str(resources.files("edgekit.firmware_templates")))
MANIFEST = Path(".edgekit") / "manifest.json"

#: The one Jinja2 environment. StrictUndefined makes a typo in a template an error, not empty C.
_ENV = Environment(
    loader=FileSystemLoader(str(TEMPLATES_ROOT)),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,
)

#: TFLite tensor type -> (C type, protocol dtype code).
_C_TYPES = {
    "INT8": ("int8_t", 1),
    "UINT8": ("uint8_t", 2),
    "INT16": ("int16_t", 3),
    "INT32": ("int32_t", 4),
    "FLOAT32": ("float", 5),
}
_IO_TYPES = tuple(_C_TYPES)


@dataclass(frozen=True)
class FirmwareTemplate:
    """One firmware template: the TFLM library it builds with and that library's API."""

    name: str
    title: str
    library: str
    library_version: str
    checked_against: str  # repository @ commit whose headers the template was written against
    frameworks: tuple[str, ...]  # in order of preference; the first the board offers is used
    lib_deps: tuple[str, ...]
    build_flags: tuple[str, ...]
    build_unflags: tuple[str, ...]
    layers: tuple[tuple[str, tuple[str, ...]], ...]  # framework -> shared folders rendered under this template
    op_snapshot: str  # key into edgekit.tflm_ops snapshots
    arena: str  # "static" (.bss, counted by PlatformIO) or "heap" (allocated at boot)
    needs_tflm_dir: bool
    runtime: str  # "tflm", or "none" for firmware that runs no inference
    api: tuple[tuple[str, Any], ...]
    path: str = field(compare=False)


@dataclass(frozen=True)
class RenderOptions:
    """How to render (tool behaviour, not hardware): which template, arena size, TFLM tree, self-test."""

    template: str | None = None  # None: the board's default template
    arena_bytes: int = 0  # tensor arena compiled into the firmware; must be > 0
    tflm_dir: Path | None = None  # TFLM tree from create_tflm_tree.py, for the bare-metal template
    selftest_input: tuple[np.ndarray, ...] | None = None  # per input tensor, [samples, ...] in its dtype
    selftest_count: int = 1  # samples of the default pseudo-random self-test
    selftest_origin: str = ""  # says where the self-test input came from
    model_name: str = "model"  # usually the model file's stem; becomes C identifiers and comments
    force: bool = False  # replace files the user changed or that edgekit did not write
    optimize: str = "balanced"  # the edgekit runtime's memory plan goal (codegen.OPTIMIZE_GOALS)


@dataclass(frozen=True)
class RenderResult:
    """What was written: the project folder, its files, the template and the resolver's ops."""

    project_dir: Path
    files: tuple[str, ...]
    template: FirmwareTemplate
    ops: tuple[str, ...]
    selftest_checked: bool  # False when the host TFLM could not compute expected outputs


def list_templates() -> list[str]:
    """Names of the firmware templates edgekit ships (folders with a template.toml)."""
    return sorted(p.parent.name for p in TEMPLATES_ROOT.glob("*/template.toml"))


def load_template(name: str) -> FirmwareTemplate:
    """The firmware template called ``name``, or a TemplateError listing the known ones."""
    path = TEMPLATES_ROOT / name / "template.toml"
    if not path.is_file():
        raise TemplateError(f"unknown firmware template '{name}'", [f"known templates: {', '.join(list_templates())}"])
    with path.open("rb") as stream:
        raw = tomllib.load(stream)
    return FirmwareTemplate(
        name=name,
        title=raw["title"],
        library=raw["library"],
        library_version=raw["library_version"],
        checked_against=raw["checked_against"],
        frameworks=tuple(raw["frameworks"]),
        lib_deps=tuple(raw.get("lib_deps", ())),
        build_flags=tuple(raw.get("build_flags", ())),
        build_unflags=tuple(raw.get("build_unflags", ())),
        layers=tuple(sorted(
            (framework, tuple(raw.get("layers_by_framework", {}).get(framework, raw.get("layers", ["model"]))))
            for framework in raw["frameworks"] or [""]
        )),
        op_snapshot=raw["op_snapshot"],
        arena=raw["arena"],
        needs_tflm_dir=raw.get("needs_tflm_dir", False),
        runtime=raw.get("runtime", "tflm"),
        api=tuple(sorted(raw.get("api", {}).items())),
        path=str(path.parent),
    )


def choose_template(board: Board, name: str | None) -> FirmwareTemplate:
    """The template to render for ``board``: ``name`` if given (it must suit the board), else its default."""
    if not board.templates:
        raise TemplateError(
            f"no TFLM firmware template builds on {board.id} ({board.name}) in this edgekit version",
            ["`edgekit check` still sizes models for it", "choose a board from `edgekit boards` with a template"],
        )
    chosen = name or board.default_template
    template = load_template(chosen)
    if chosen not in board.templates:
        raise TemplateError(
            f"template '{chosen}' does not build on board '{board.id}' ({board.name})",
            [f"templates for {board.id}: {', '.join(board.templates)}"],
        )
    return template


def choose_framework(board: Board, template: FirmwareTemplate) -> str:
    """The first of the template's frameworks that PlatformIO offers for the board ("" for none: bare metal
    on a platform that needs no framework)."""
    if not template.frameworks:
        return ""
    for framework in template.frameworks:
        if framework in board.frameworks:
            return framework
    raise TemplateError(
        f"template '{template.name}' needs the {' or '.join(template.frameworks)} framework, which PlatformIO does "
        f"not offer for {board.id} (it offers {', '.join(board.frameworks)})",
        [f"templates for {board.id}: {', '.join(board.templates)}"],
    )


def model_problems(info: ModelInfo, template: FirmwareTemplate, library: tflm_ops.LibrarySnapshot,
                   board: Board | None = None) -> list[str]:
    """Why the template's runtime cannot run the model, one line each with its fix (empty: it can).

    An op the edgekit runtime lacks is named once, with what runs it instead on ``board`` (see
    :func:`tflm_advice`), or, when TFLM has no kernel for it either, with the one fix left.
    """
    problems = compatibility_problems(info, io_type=None)
    for tensor in (*info.input_tensors, *info.output_tensors):
        if tensor.dtype not in _IO_TYPES:
            problems.append(
                f"{'input' if tensor.index in info.inputs else 'output'} tensor '{tensor.name}' is {tensor.dtype}; "
                "edgekit's firmware takes int8, uint8, int16, int32 or float32 inputs and outputs. Fix: "
                "re-quantize with `edgekit quantize --io-type int8`."
            )
    if template.runtime != "edgekit":
        problems.extend(tflm_ops.op_problems(info, library))
        return problems
    from edgekit.codegen import unsupported_ops

    missing = [op for op in unsupported_ops(info) if not op.startswith("CUSTOM:")]  # custom: compat says it
    # the versions of the ops the runtime has still matter (a newer version may mean new parameters)
    problems.extend(p for p in tflm_ops.op_problems(info, library) if not any(f"op {op} " in p for op in missing))
    # an op no engine runs (a custom op, or one TFLM has no kernel for) makes switching engines pointless
    stuck = any(op.startswith("CUSTOM:") or op not in tflm_ops.RESOLVER_METHODS for op in info.ops)
    for op in missing:
        if op not in tflm_ops.RESOLVER_METHODS:
            problems.append(f"op {op} runs on neither engine: the edgekit runtime does not implement it and TFLM "
                            "has no kernel for it. Fix: replace the layer that produces it with ops that run "
                            "(`edgekit inspect MODEL` lists what each engine runs).")
        elif stuck:
            problems.append(f"op {op} is not in the edgekit runtime (TFLM has it, but cannot run this model either, "
                            "for the op(s) above).")
        else:
            problems.append(f"op {op} is not in the edgekit runtime; TFLM runs it. Fix: {tflm_advice(board)}.")
    return problems


def tflm_advice(board: Board | None) -> str:
    """How to run a model on TFLM instead of the edgekit runtime on ``board``: never advice that leads back
    to the runtime (a board without a TFLM template is sent to one that has one)."""
    tree = ("--runtime tflm --tflm-dir TREE (TREE: the output of tflite-micro's "
            "tensorflow/lite/micro/tools/project_generation/create_tflm_tree.py)")
    if board is None:
        return f"build with TFLM: --runtime tflm on a real board; on an emulated board {tree}"
    templates = [load_template(name) for name in board.templates]
    tflm = [t for t in templates if t.runtime == "tflm"]
    if not tflm:
        return (f"{board.id} runs the edgekit runtime only; build for qemu_m4 with {tree}, or for a real board "
                "with --runtime tflm")
    if all(t.needs_tflm_dir for t in tflm):
        return f"build with TFLM compiled from your own tree: {tree}"
    return "build with TFLM: --runtime tflm"


def refusal_with_advice(exc: ModelError, board: Board) -> ModelError:
    """A runtime handler's refusal ("...; use --runtime tflm") with the advice that works on ``board``."""
    text = str(exc).removeprefix("Model: ")
    marker = "use --runtime tflm"
    if marker not in text:
        return exc
    return ModelError(exc.path, text.replace(marker, tflm_advice(board), 1).removeprefix(f"Model '{exc.path}': "))


def check_model(info: ModelInfo, template: FirmwareTemplate, library: tflm_ops.LibrarySnapshot,
                board: Board | None = None) -> None:
    """Refuse a model the template's runtime cannot run, naming the op, version or tensor and the fix."""
    problems = model_problems(info, template, library, board)
    if problems:
        raise ModelError(None, f"cannot render it for {template.title}:\n" + "\n".join(f"  - {p}" for p in problems))


def _tensor_context(info: ModelInfo, tensor: TensorInfo, role: str, position: int) -> dict[str, Any]:
    ctype, code = _C_TYPES[tensor.dtype]
    quantized = tensor.quantization is not None and tensor.dtype != "FLOAT32"
    dtype = numpy_dtype(tensor.dtype)
    limits = np.iinfo(dtype) if dtype.kind in "iu" else None
    return {
        "role": role,
        "position": position,
        "prefix": f"{role}{position}",
        "macro": f"{role.upper()}{position}",
        "comment": cgen.c_comment(tensor.name),
        "dtype": tensor.dtype.lower(),
        "ctype": ctype,
        "dtype_code": code,
        "shape_text": "[" + ", ".join(str(d) for d in tensor.shape) + "]",
        "shape": list(tensor.shape),
        "elements": tensor.num_elements,
        "bytes": tensor.nbytes,
        "quantized": quantized,
        "scale": cgen.c_float(tensor.quantization.scales[0]) if quantized else "1.0f",
        "zero_point": tensor.quantization.zero_points[0] if quantized else 0,
        "qmin": int(limits.min) if limits is not None else 0,
        "qmax": int(limits.max) if limits is not None else 0,
    }


def default_selftest_input(info: ModelInfo, count: int = 1) -> tuple[np.ndarray, ...]:
    """``count`` fixed pseudo-random samples per input tensor (seed 0, the type's full range), so the
    self-test exercises every kernel rather than only the biases an all-zero input would reach."""
    rng = np.random.default_rng(0)
    samples = []
    for tensor in info.input_tensors:
        dtype = numpy_dtype(tensor.dtype)
        shape = (count, *tensor.shape[1:]) if tensor.shape else (count,)
        if dtype.kind == "f":
            samples.append(rng.uniform(-1.0, 1.0, size=shape).astype(dtype))
        else:
            limits = np.iinfo(dtype)
            samples.append(rng.integers(limits.min, limits.max, size=shape, endpoint=True).astype(dtype))
    return tuple(samples)


def selftest_input_from_data(source: str, info: ModelInfo, count: int = 1) -> tuple[np.ndarray, ...]:
    """The first ``count`` samples of a data source (one array per input: ``x``, or ``x_0``, ``x_1``, ...),
    each in its input tensor's dtype (quantized when the tensor is), for the firmware's boot self-test."""
    from edgekit.datasets import fit_to_inputs, load_dataset
    from edgekit.host import quantize_values

    tensors = info.input_tensors
    data = fit_to_inputs(load_dataset(source, input_shape=tensors[0].shape), [t.shape for t in tensors],
                         "self-test").take(count)
    return tuple(quantize_values(x, tensor) for x, tensor in zip(data.inputs, tensors))


def _selftest_context(model: bytes, info: ModelInfo, options: RenderOptions) -> tuple[dict[str, Any], bool]:
    """Input bytes and the host TFLM's outputs for them; outputs are zeros and unchecked if TFLM refuses."""
    from edgekit import host

    inputs = options.selftest_input or default_selftest_input(info, options.selftest_count)
    count = len(inputs[0])
    origin = options.selftest_origin or f"{count} fixed pseudo-random sample(s), seed 0"
    try:
        outputs = host.run_tflm_tensors(model, [np.asarray(x) for x in inputs])
        # sample by sample, each with all of its output tensors in order
        expected = b"".join(np.ascontiguousarray(o[n]).tobytes() for n in range(count) for o in outputs)
        checked = True
    except InterpreterCrash as exc:
        print(f"warning: the host TFLM interpreter could not run the model ({exc}); the firmware's self-test "
              "will print its outputs without checking them", file=sys.stderr)
        expected = bytes(count * sum(t.nbytes for t in info.output_tensors))
        checked = False
    input_bytes = b"".join(np.ascontiguousarray(x[n]).tobytes() for n in range(count) for x in inputs)
    return {
        "origin": cgen.c_comment(origin),
        "tflm_version": _tflm_version(),
        "input": cgen.bytes_to_c_initializer(input_bytes, per_line=16, indent="  "),
        "expected": cgen.bytes_to_c_initializer(expected, per_line=16, indent="  "),
        "checked": checked,
        "samples": count,
    }, checked


def _runtime_context(model: bytes, info: ModelInfo, board: Board, optimize: str) -> dict[str, Any]:
    from edgekit.codegen import runtime_context

    try:
        return runtime_context(model, info, optimize=optimize, dsp=board.dsp)
    except ModelError as exc:  # a parameter the runtime does not run: say what runs it on this board
        raise refusal_with_advice(exc, board) from None



def _tflm_version() -> str:
    from importlib.metadata import version

    return version("tflite-micro")


def _tflm_tree_context(template: FirmwareTemplate, tflm_dir: Path | None) -> dict[str, Any] | None:
    if not template.needs_tflm_dir:
        return None
    if tflm_dir is None:
        raise TemplateError(
            f"template '{template.name}' compiles TFLM from a source tree, and none was given",
            ["generate one with tflite-micro's tensorflow/lite/micro/tools/project_generation/create_tflm_tree.py "
             "(TARGET=cortex_m_generic OPTIMIZED_KERNEL_DIR=cmsis_nn) and pass it with --tflm-dir",
             "or choose a board whose template pulls TFLM from the PlatformIO registry"],
        )
    root = Path(tflm_dir).expanduser().resolve()
    marker = root / "tensorflow" / "lite" / "micro" / "micro_interpreter.h"
    if not marker.is_file():
        raise TemplateError(
            f"--tflm-dir '{tflm_dir}' is not a TFLM tree: {marker.relative_to(root)} is missing",
            ["point --tflm-dir at the output folder of create_tflm_tree.py (it holds tensorflow/ and third_party/)"],
        )
    third_party = root / "third_party"
    if any(char.isspace() for char in str(root)):
        raise TemplateError(f"--tflm-dir '{root}' contains white space, which PlatformIO build flags cannot hold",
                            ["move or link the tree to a path without spaces"])
    # The include folders of tflite-micro's project_generation Makefile, where the tree has them.
    include_dirs = [root]
    for extra in ("gemmlowp", "flatbuffers/include", "kissfft", "kissfft/tools", "ruy", "cmsis", "cmsis_nn",
                  "cmsis_nn/Include", "cmsis/CMSIS/Core/Include"):
        if (third_party / extra).is_dir():
            include_dirs.append(third_party / extra)
    if (third_party / "eyalroz_printf").is_dir():
        include_dirs.append(third_party)
    callback = root / "tensorflow" / "lite" / "micro" / "cortex_m_generic" / "debug_log_callback.h"
    cmsis_nn = (third_party / "cmsis_nn").is_dir()
    return {"root": root.as_posix(), "include_dirs": [p.as_posix() for p in include_dirs],
            "cmsis_nn": cmsis_nn, "debug_log_callback": callback.is_file(),
            "defines": tflm_tree_defines(root, cmsis_nn)}


# The defines of tflite-micro's tools/project_generation/Makefile (checked at 90b983c2b3f1), used when a tree
# has no copy of that Makefile at its root. BUILD_TYPE=cmsis_nn adds the second list.
PROJECT_GENERATION_DEFINES = ("TF_LITE_STATIC_MEMORY",)
PROJECT_GENERATION_CMSIS_NN_DEFINES = ("TF_LITE_MCU_DEBUG_LOG", "PROJECT_GENERATION", "CMSIS_NN")


def tflm_tree_defines(root: Path, cmsis_nn: bool) -> list[str]:
    """The -D flags a TFLM tree is meant to be compiled with, plus ``NDEBUG``.

    Read from the tree's own Makefile (create_tflm_tree.py users copy project_generation/Makefile to the root)
    where there is one; its ``BUILD_TYPE=cmsis_nn`` block counts when the tree holds CMSIS-NN. Without
    PROJECT_GENERATION, cortex_m_generic/micro_time.cc does not compile ("'DWT' was not declared"); without
    NDEBUG, TFLM's debug checks stay on and inference runs several times slower (the release build types of
    TFLM's main Makefile add it).
    """
    makefile = root / "Makefile"
    if makefile.is_file():
        defines = _makefile_defines(makefile.read_text(encoding="utf-8", errors="replace"), cmsis_nn)
    else:
        defines = list(PROJECT_GENERATION_DEFINES) + (list(PROJECT_GENERATION_CMSIS_NN_DEFINES) if cmsis_nn else [])
    # Every tree this template compiles runs on a bare-metal Cortex-M: cortex_m_generic/micro_time.cc needs
    # PROJECT_GENERATION, and MicroPrintf reaches the serial port only with TF_LITE_MCU_DEBUG_LOG.
    return [*dict.fromkeys([*defines, "TF_LITE_STATIC_MEMORY", "TF_LITE_MCU_DEBUG_LOG", "PROJECT_GENERATION",
                            "NDEBUG"])]


def _makefile_defines(text: str, cmsis_nn: bool) -> list[str]:
    """Every ``-DNAME`` of a Makefile outside ``ifeq`` blocks, and inside ``ifeq ($(BUILD_TYPE), cmsis_nn)``
    when ``cmsis_nn``; other conditional blocks (other build types, TENSORFLOW_ROOT) are left out."""
    defines: list[str] = []
    blocks: list[bool] = []  # for each open if-block: whether its lines count
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith(("ifeq", "ifneq", "ifdef", "ifndef")):
            wanted = line.replace(" ", "") == "ifeq($(BUILD_TYPE),cmsis_nn)" and cmsis_nn
            blocks.append(wanted)
        elif line.startswith("else"):
            if blocks:
                blocks[-1] = False
        elif line.startswith("endif"):
            if blocks:
                blocks.pop()
        elif all(blocks):
            defines += [token[2:] for token in line.split() if token.startswith("-D") and len(token) > 2]
    return [*dict.fromkeys(defines)]


def render_files(model: bytes, info: ModelInfo, board: Board, options: RenderOptions) -> tuple[dict[str, str], RenderResult]:
    """Every file of the project as text, keyed by its path in the project (nothing is written).

    :raises ModelError: when the template's TFLM library cannot run the model.
    :raises TemplateError: for an unknown template, one that does not suit the board, or a missing TFLM tree.
    """
    template = choose_template(board, options.template)
    framework = choose_framework(board, template)
    tflm_tree = _tflm_tree_context(template, options.tflm_dir)
    if tflm_tree is not None:
        library = tflm_ops.snapshot_from_tree(Path(tflm_tree["root"]))
    else:
        library = tflm_ops.snapshot(template.op_snapshot)
    check_model(info, template, library, board)
    if options.arena_bytes <= 0 and template.runtime != "none":
        raise RenderError(f"the tensor arena size must be a positive number of bytes, not {options.arena_bytes}")
    ops = [
        {"name": op, "version": version, "method": tflm_ops.RESOLVER_METHODS[op]}
        for op, version in info.op_versions
    ]
    selftest, checked = _selftest_context(model, info, options)
    display_name = cgen.c_comment(options.model_name)
    context = {
        "banner": (f"// Generated by edgekit {edgekit.__version__} from {display_name} "
                   f"(sha256 {info.sha256[:16]}) for {board.id} with {template.name}. Do not edit."),
        "edgekit_version": edgekit.__version__,
        "model": {
            "name": display_name,
            "name_literal": cgen.c_string(options.model_name),
            "symbol": cgen.c_identifier(options.model_name),
            "comment": display_name,
            "size": len(model),
            "sha256": info.sha256,
            "sha256_prefix": [int(info.sha256[i:i + 2], 16) for i in range(0, 16, 2)],
            "initializer": cgen.bytes_to_c_initializer(model),
            "crc32": f"0x{zlib.crc32(model):08x}u",
            "reset_each_inference": info.resets_state_each_inference,
        },
        "ops": ops,
        "inputs": [_tensor_context(info, t, "input", i) for i, t in enumerate(info.input_tensors)],
        "outputs": [_tensor_context(info, t, "output", i) for i, t in enumerate(info.output_tensors)],
        "arena_bytes": options.arena_bytes,
        "selftest": selftest,
        "board": board,
        "template": template,
        "api": {**dict(template.api),
                "debug_log_callback": bool(tflm_tree and tflm_tree["debug_log_callback"])},
        "framework": framework,
        "platform_spec": platform_spec(board.platform, board.platform_version),
        "library": {"title": library.title},
        "tflm_tree": tflm_tree,
        "runtime": _runtime_context(model, info, board, options.optimize) if template.runtime == "edgekit" else None,
        "build_flags": list(template.build_flags),
        # Arduino cores set their own FPU flags; bare frameworks leave them out (see the board files), and
        # build_flags never reach the linker, so an extra script adds them to compile and link alike.
        "fpu_flags": list(board.cortex_m_flags) if framework not in ("arduino", "") else [],
    }
    files: dict[str, str] = {}
    for layer in (*dict(template.layers)[framework], template.name):
        layer_root = TEMPLATES_ROOT / layer
        for source in sorted(p for p in layer_root.rglob("*") if p.is_file()):
            relative = source.relative_to(layer_root).as_posix()
            if relative == "template.toml" or "__pycache__" in relative or relative.endswith(".pyc"):
                continue
            if layer == "runtime" and relative.startswith("kernels/"):
                continue  # the kernel library: only the families the model uses, added below
            if relative.endswith(".j2"):
                target = relative[:-3]
                try:
                    files[target] = _ENV.get_template(f"{layer}/{relative}").render(context)
                except JinjaTemplateError as exc:
                    raise TemplateError(f"template file {layer}/{relative} failed to render: {exc}",
                                        ["this is a bug in the template; re-install edgekit or report it"]) from exc
            else:
                files[relative] = source.read_text(encoding="utf-8")
    if context["runtime"] is not None:
        from edgekit.codegen import kernel_sources

        files.update({f"src/{name}": text for name, text in kernel_sources(context["runtime"]["families"]).items()})
    _check_resolver(files, info)
    result = RenderResult(project_dir=Path(), files=tuple(sorted(files)), template=template,
                          ops=tuple(op["name"] for op in ops), selftest_checked=checked)
    return files, result


def _check_resolver(files: dict[str, str], info: ModelInfo) -> None:
    """Invariant between the read and render stages: the resolver registers each of the model's ops once."""
    if "src/model_resolver.h" not in files:  # a template without TFLM registers no ops
        return
    text = files["src/model_resolver.h"]
    methods = re.findall(r"resolver\.(\w+)\(\)", text)
    expected = sorted(tflm_ops.RESOLVER_METHODS[op] for op in info.ops)
    if sorted(methods) != expected:
        raise TemplateError(f"the rendered op resolver registers {sorted(methods)}, the model needs {expected}",
                            ["this is a bug in a firmware template; please report it"])


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_manifest(project: Path) -> dict[str, str]:
    path = project / MANIFEST
    if not path.is_file():
        return {}
    try:
        return dict(json.loads(path.read_text(encoding="utf-8"))["files"])
    except (ValueError, KeyError, TypeError):
        return {}


def _check_overwrites(project: Path, files: dict[str, str], force: bool) -> None:
    """Refuse to replace a user's file: one edgekit did not write here, or one edited since it did."""
    if project.exists() and not project.is_dir():
        raise RenderError(f"output '{project}' exists and is not a folder", ["choose another path with -o"])
    if force or not project.exists():
        return
    if not project.is_dir():
        raise RenderError(f"output '{project}' exists and is not a folder", ["choose another path with -o"])
    written = _read_manifest(project)
    conflicts = []
    for relative in files:
        target = project / relative
        if not target.exists():
            continue
        recorded = written.get(relative)
        if recorded is None:
            conflicts.append(f"{relative} (not written by edgekit)")
        elif _sha256(target.read_text(encoding="utf-8", errors="replace")) != recorded:
            conflicts.append(f"{relative} (changed since edgekit wrote it)")
    if conflicts:
        listed = "\n".join(f"  - {c}" for c in conflicts[:10])
        raise RenderError(
            f"output folder '{project}' holds files edgekit would replace:\n{listed}",
            ["pass --force to replace them (other files in the folder are never touched)",
             "or render into another folder with -o"],
        )


def render_project(model: bytes, info: ModelInfo, board: Board, project_dir: str | Path,
                   options: RenderOptions) -> RenderResult:
    """Render the PlatformIO project for ``board`` into ``project_dir``.

    Files are rendered in memory first and written only when all of them rendered, each through a
    temporary file and a rename, so a failure never leaves a half-written project. Files edgekit did not
    write are never touched; see the module docstring for when existing files are replaced.
    """
    project = Path(project_dir)
    files, result = render_files(model, info, board, options)
    _check_overwrites(project, files, options.force)
    manifest = {relative: _sha256(text) for relative, text in files.items()}
    previous = _read_manifest(project)
    try:
        project.mkdir(parents=True, exist_ok=True)
        for relative, text in sorted(files.items()):
            _write_atomic(project / relative, text)
    except OSError as exc:
        raise RenderError(f"cannot write the project in '{project}': {exc.strerror or exc}",
                          ["choose a folder you can write to with -o"]) from None
    # Files an earlier render wrote that this one does not (another template): removed when unchanged,
    # since a stale source would be compiled too; kept, with a note, when the user edited them.
    kept = []
    for relative in sorted(set(previous) - set(manifest)):
        path = project / relative
        if not path.is_file():
            continue
        if _sha256(path.read_text(encoding="utf-8", errors="replace")) == previous[relative]:
            path.unlink()
        else:
            kept.append(relative)
    if kept:
        print(f"note: {len(kept)} file(s) from an earlier render were edited and are left in place, but the new "
              "template does not use them: " + ", ".join(kept[:5]), file=sys.stderr)
    _write_atomic(project / MANIFEST, json.dumps({
        "edgekit": edgekit.__version__, "template": result.template.name, "board": board.id,
        "model_sha256": info.sha256, "files": manifest,
    }, indent=2, sort_keys=True) + "\n")
    return RenderResult(project_dir=project, files=result.files, template=result.template, ops=result.ops,
                        selftest_checked=result.selftest_checked)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        # mkstemp creates 0600; a project's files get the usual mode (0666 less the umask)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
