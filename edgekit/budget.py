"""Will it fit? Flash and RAM of a model's firmware against a board (the "budget" stage).

Each rule is a small function whose docstring states it; :func:`check_budget` runs them all and returns a
:class:`BudgetReport`. Before a build the figures are estimates (the arena from the real TFLM allocator,
code from measured kernel sizes); after a build :func:`budget_from_elf` reads the same report from the
ELF with each platform's section rules. Unlike PlatformIO, which only warns when RAM overflows, a RAM
overflow fails here too: a static TFLM arena lands in ``.bss`` and would otherwise pass with a warning.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from edgekit.arena import ArenaEstimate, MemoryPlan, align, best_plan, estimate_tflm_arena
from edgekit.catalog import Board
from edgekit.errors import BudgetError, ModelError
from edgekit.reader import ModelInfo
from edgekit import tflm_ops
from edgekit.render import FirmwareTemplate, choose_template

_COSTS = json.loads(resources.files("edgekit").joinpath("data/flash_costs.json").read_text(encoding="utf-8"))

#: Kept free in the arena beyond the estimate: TFLM's temporary allocations while preparing kernels,
#: and the difference between TFLM versions. The larger of the two.
ARENA_MARGIN_BYTES = 1024
ARENA_MARGIN_FRACTION = 0.03
#: Static RAM of TFLM's own objects outside the arena (interpreter, allocator handle) and of edgekit's
#: application (parser state, log line buffer); the resolver adds RESOLVER_BYTES_PER_OP per op.
RUNTIME_STATIC_RAM = 512
RESOLVER_BYTES_PER_OP = 40
#: What a board without a firmware template is sized for: TFLM at HEAD with reference kernels, a static
#: arena and no framework (bare metal).
GENERIC_TFLM = FirmwareTemplate(
    name="tflm", title="TFLM with reference kernels, bare metal", library="tensorflow/tflite-micro",
    library_version="HEAD", checked_against="", frameworks=(), lib_deps=(), build_flags=(), build_unflags=(),
    layers=(), op_snapshot="tflm-tree", arena="static", needs_tflm_dir=False, runtime="tflm", api=(), path="",
)
#: Code and RAM of a firmware without an inference runtime (the edgekit_probe template), measured: built for
#: qemu_m4 with arm-none-eabi-gcc 12.2 -Os it is 7,732 B of flash with a 2,704 B model, and 116 B of RAM.
PROBE_CODE_BYTES = 5_028
PROBE_RAM_BYTES = 116
#: edgekit's runtime, measured on qemu_m4 (arm-none-eabi-gcc 12.2, -O2, Cortex-M4F, DSP path): each
#: kernel's code is registered with its handler (edgekit.runtime_ops, ``code_bytes``); below are the helpers
#: that several kernels share, counted once when any op that calls them is in the model, and what every
#: firmware carries besides (start-up, newlib's printf, the application with its protocol and self-test).
#: Fitted on the vww_96_int8, kws_ref_model and ad01_int8 ELFs.
EDGEKIT_HELPER_BYTES = (
    # gemmlowp's fixed-point exp and 1/(1+x) (ek_fixedpoint.c)
    (888, frozenset({"SOFTMAX", "LOGISTIC", "TANH", "LOG_SOFTMAX"})),
    # the strided copy behind the data-movement ops (ek_copy.c)
    (756, frozenset({"TRANSPOSE", "SLICE", "STRIDED_SLICE", "BROADCAST_TO", "SPLIT", "SPLIT_V", "UNPACK", "PAD",
                     "PADV2", "MIRROR_PAD", "DEPTH_TO_SPACE", "SPACE_TO_DEPTH", "BATCH_TO_SPACE_ND",
                     "SPACE_TO_BATCH_ND"})),
    (84, frozenset({"CONCATENATION", "PACK"})),  # chunked byte copies (ek_concatenation.c)
)
EDGEKIT_FIRMWARE_BYTES = 8_900
EDGEKIT_FIRMWARE_RAM_BYTES = 168
#: Per operator call: its line in ek_model_invoke and its const parameter block.
EDGEKIT_BYTES_PER_CALL = 106
#: ek_conv_in_place.c, linked when a convolution runs over its own input (arm-none-eabi-gcc 12.2 -O2,
#: Cortex-M4F: ek_conv_in_place_s8 450 B, ek_conv_band_s8 114 B and ek_conv_band_params 76 B of .text;
#: fused convolutions link the band functions alone, counted with their drivers, runtime_ops/conv_dense.py
#: and conv_chain.py).
EDGEKIT_IN_PLACE_BYTES = 640


@dataclass(frozen=True)
class RuntimeFirmwareCost:
    """What an edgekit-runtime firmware carries besides the model's constants and kernels, per target."""

    flash: int  # start-up, C library, application, protocol
    ram: int
    per_call: int  # one call in ek_model_invoke and its parameter block
    source: str


_RUNTIME_FIRMWARE = {
    "default": RuntimeFirmwareCost(EDGEKIT_FIRMWARE_BYTES, EDGEKIT_FIRMWARE_RAM_BYTES, EDGEKIT_BYTES_PER_CALL,
                                   "measured on qemu_m4 builds of the edgekit runtime (Cortex-M4, newlib nano)"),
    # RV32IMC with picolibc: fitted on the qemu_rv32 ELFs of hello_world, ad01, kws and vww (riscv64-unknown-elf-gcc
    # 12.2 -O2); the kernels' own code is within a few percent of the Cortex-M4 figures.
    "riscv32": RuntimeFirmwareCost(19_300, 48, 90, "measured on qemu_rv32 builds of the edgekit runtime (RV32IMC, "
                                                   "picolibc)"),
}


def runtime_firmware_cost(board: Board) -> RuntimeFirmwareCost:
    """The edgekit runtime's firmware cost for ``board``'s instruction set (Cortex-M figures elsewhere)."""
    return _RUNTIME_FIRMWARE.get(board.arch, _RUNTIME_FIRMWARE["default"])


def edgekit_kernel_bytes(ops: tuple[str, ...], calls: tuple[str, ...] = (), arch: str = "default") -> int:
    """Code of the edgekit kernels (and their shared helpers) that a model with ``ops`` links; for an op with
    several kernels, those that the generated ``calls`` (statements) name, whichever op's call names them
    (a depthwise convolution of one channel runs CONV_2D's kernel); ``arch`` picks the figures of the
    board's instruction set where they differ from the Cortex-M4's."""
    import re

    from edgekit import runtime_ops

    runtime_ops.load()
    used = set(ops)
    kernels = {pattern: sizes for entries in runtime_ops.KERNEL_CODE_BYTES.values() for pattern, sizes in entries}
    named = {pattern for pattern in kernels if any(re.search(pattern, call) for call in calls)}
    named -= {pattern for pattern in named if runtime_ops.KERNEL_INCLUDED_IN.get(pattern) in named}
    chosen = sum(kernels[pattern].get(arch, kernels[pattern]["default"]) for pattern in named)
    own = runtime_ops.ARCH_CODE_BYTES.get(arch, {})
    return (sum(own.get(op, runtime_ops.CODE_BYTES.get(op, 0)) for op in used) + chosen
            + sum(size for size, callers in EDGEKIT_HELPER_BYTES if used & callers))


#: Templates whose kernels come from CMSIS-NN on Arm cores, and the optimized library on ESP32.
_CMSIS_NN_TEMPLATES = {"tflm_chirale", "tflm_arduino", "tflm_baremetal"}


@dataclass(frozen=True)
class Part:
    """One contribution to flash or RAM, and where its figure comes from."""

    label: str
    bytes: int
    source: str
    unknown: bool = False  # a part whose size no one has published for this board: not in the total, and said so


@dataclass(frozen=True)
class Usage:
    """Bytes used of one memory against its limit, with the parts that make it up."""

    used: int
    limit: int
    parts: tuple[Part, ...]

    @property
    def percent(self) -> float:
        """Use as a percentage of the limit."""
        return 100.0 * self.used / self.limit if self.limit else float("inf")

    @property
    def headroom(self) -> int:
        """Bytes left (negative when over)."""
        return self.limit - self.used

    @property
    def unknown(self) -> tuple[str, ...]:
        """Labels of the parts whose size is unknown: ``used`` is then a lower bound, never the whole."""
        return tuple(p.label for p in self.parts if p.unknown)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one budget rule."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class BudgetReport:
    """Flash and RAM of a model's firmware on a board, whether it fits, and what to try when it does not."""

    board: str
    template: str
    runtime: str
    measured: bool  # False: estimated before the build; True: read from the built ELF
    model_bytes: int
    arena_bytes: int  # the arena compiled into the firmware
    arena_estimate: int  # what TFLM will report as arena_used_bytes() on the device
    flash: Usage
    ram: Usage
    checks: tuple[CheckResult, ...]
    hints: tuple[str, ...] = field(default=())

    @property
    def fits(self) -> bool:
        """True when every rule passed."""
        return all(check.ok for check in self.checks)

    def as_dict(self) -> dict:
        """The report as plain data (the JSON of ``edgekit check --json``)."""
        def usage(u: Usage) -> dict:
            return {"used": u.used, "limit": u.limit, "percent": round(u.percent, 1), "headroom": u.headroom,
                    "complete": not u.unknown, "unknown": list(u.unknown),
                    "parts": [{"label": p.label, "bytes": None if p.unknown else p.bytes, "source": p.source}
                              for p in u.parts]}

        return {
            "board": self.board, "template": self.template, "runtime": self.runtime, "measured": self.measured,
            "fits": self.fits, "model_bytes": self.model_bytes, "arena_bytes": self.arena_bytes,
            "arena_estimate": self.arena_estimate, "flash": usage(self.flash), "ram": usage(self.ram),
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
            "hints": list(self.hints),
        }


# --- the parts ------------------------------------------------------------------------------------------

def optimized_kernel_scratch(info: ModelInfo) -> int:
    """Arena bytes optimized kernels (CMSIS-NN, ESP-NN) request beyond the reference kernels: the largest
    im2col buffer of a non-1x1 convolution (2 columns of int16, CMSIS-NN's arm_convolve_s8 buffer size)
    plus 32 B more op data per convolution or fully connected layer (performance.md 3.5: +48 to +656 B)."""
    im2col = 0
    layers = 0
    for op in info.operators:
        if op.op in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            layers += 1
        if op.op == "CONV_2D" and len(op.inputs) > 1 and op.inputs[1] >= 0:
            shape = info.tensors[op.inputs[1]].shape  # [out, kh, kw, in]
            if len(shape) == 4 and (shape[1] > 1 or shape[2] > 1):
                im2col = max(im2col, 2 * 2 * shape[1] * shape[2] * shape[3])
    return align(im2col) + 32 * layers


def arena_to_compile(estimate: ArenaEstimate, info: ModelInfo, template: FirmwareTemplate) -> int:
    """The arena size to compile in: TFLM's estimated need, optimized kernels' scratch, and the margin."""
    scratch = optimized_kernel_scratch(info) if template.name in _CMSIS_NN_TEMPLATES | {"tflm_espidf"} else 0
    need = estimate.bytes + scratch
    return align(need + max(ARENA_MARGIN_BYTES, int(need * ARENA_MARGIN_FRACTION)))


def flash_parts(info: ModelInfo, model: bytes, board: Board, template: FirmwareTemplate,
                selftest_samples: int = 1, optimize: str = "balanced") -> list[Part]:
    """Model, runtime code, the model's kernels, the self-test samples and the board's framework baseline,
    each with its source (``optimize``: the edgekit runtime's goal, whose constants differ under flash)."""
    parts = _flash_parts(info, model, board, template, optimize)
    io_bytes = sum(t.nbytes for t in info.input_tensors + info.output_tensors)
    parts.insert(-1, Part(f"{selftest_samples} self-test sample(s)", selftest_samples * io_bytes,
                          "inputs and the host TFLM's outputs, embedded for the boot self-test"))
    return parts


_GENERATED: dict[str, dict] = {}


def generated_runtime(model: bytes, info: ModelInfo, optimize: str = "balanced", dsp: bool = False) -> dict:
    """edgekit's generated runtime for ``model`` (codegen.runtime_context, its memory plan for the
    ``optimize`` goal on a core with or without the DSP extension), made once per model, goal and kind of
    core: ``check --all-boards`` sizes it for every board.

    :raises ModelError: when the generator refuses an op or a parameter of the model.
    """
    from edgekit.codegen import runtime_context

    key = f"{info.sha256}:{optimize}:{dsp}"
    if key not in _GENERATED:
        _GENERATED[key] = runtime_context(model, info, optimize=optimize, dsp=dsp)
    return _GENERATED[key]


def _flash_parts(info: ModelInfo, model: bytes, board: Board, template: FirmwareTemplate,
                 optimize: str = "balanced") -> list[Part]:
    model_bytes = len(model)
    if template.runtime == "edgekit":
        # The flatbuffer itself is not referenced by this firmware and is dropped by --gc-sections.
        try:
            generated = generated_runtime(model, info, optimize, board.dsp)
        except ModelError:  # the runtime check says why; the model's constants stand in for the sizes
            return [Part("model constants (the edgekit runtime cannot run this model)", info.constant_bytes,
                         "the model's weights and biases"), _framework_part("flash", board, template)]
        cost = runtime_firmware_cost(board)
        return [Part("weights, biases, multipliers and shifts", generated["constant_bytes"],
                     "edgekit's generator: the model's constants as const arrays"),
                Part(f"{len(generated['calls'])} kernel calls", cost.per_call * len(generated["calls"]),
                     f"measured: a call in ek_model_invoke and its parameter block, about {cost.per_call} B"),
                Part(f"edgekit kernels for {', '.join(info.ops)}", edgekit_kernel_bytes(info.ops, tuple(c["statement"] for c in generated["calls"]), board.arch)
                     + (EDGEKIT_IN_PLACE_BYTES if any("ek_conv_in_place_s8(" in c["statement"]
                                                      for c in generated["calls"]) else 0),
                     "measured per kernel family (firmware_templates/runtime/kernels) with -O2 (Cortex-M4)"),
                Part("firmware (start-up, C library, application, protocol)", cost.flash, cost.source),
                _framework_part("flash", board, template)]
    if template.runtime == "none":
        return [Part("model flatbuffer", model_bytes, "the .tflite file, compiled in as a const array"),
                Part("firmware without inference (model check)", PROBE_CODE_BYTES,
                     "edgekit_probe measured on qemu_m4, arm-none-eabi-gcc 12.2 -Os"),
                _framework_part("flash", board, template)]
    cmsis = template.name in _CMSIS_NN_TEMPLATES and board.arch.startswith("armv")
    table = _COSTS["cmsis_nn_glue"] if cmsis else _COSTS["reference_kernels"]
    where = "" if board.arch.startswith("armv") else f" (Cortex-M4 figures; none published for {board.arch})"
    parts = [
        Part("model flatbuffer", model_bytes, "the .tflite file, compiled in as a const array"),
        Part("TFLM framework", _COSTS["framework"], _COSTS["framework_source"] + where),
        Part("kernel support code", _COSTS["first_kernel_shared"], _COSTS["first_kernel_shared_source"] + where),
        Part(f"{len(info.ops)} op registrations", _COSTS["per_op"] * len(info.ops), _COSTS["per_op_source"] + where),
    ]
    for op in info.ops:
        size = table.get(op, _COSTS["unlisted_kernel"])
        source = _COSTS["kernels_source"] if op in table else _COSTS["unlisted_kernel_source"]
        parts.append(Part(f"kernel {op}{' (CMSIS-NN)' if cmsis else ''}", size, source + where))
    if cmsis:
        key = "FULLY_CONNECTED_ONLY" if set(info.ops) <= {"FULLY_CONNECTED", "RESHAPE", "QUANTIZE", "DEQUANTIZE"} else "OTHERWISE"
        parts.append(Part("CMSIS-NN library", _COSTS["cmsis_nn_library"][key], _COSTS["cmsis_nn_library_source"]))
    parts.append(_framework_part("flash", board, template))
    return parts


def ram_parts(info: ModelInfo, arena: int, board: Board, template: FirmwareTemplate) -> list[Part]:
    """Arena, TFLM's objects, edgekit's application and the board's framework RAM."""
    if template.runtime == "none":
        return [Part("firmware without inference (model check)", PROBE_RAM_BYTES,
                     "edgekit_probe measured on qemu_m4: no arena, no interpreter"), _framework_part("ram", board, template)]
    # A multi-input model's run frame is received into a buffer of its own before being copied into place.
    static_io = sum(t.nbytes for t in info.input_tensors) \
        if len(info.inputs) > 1 else 0
    if template.runtime == "edgekit":
        return [Part("tensor arena", arena, "edgekit's own activation plan (exact; static .bss)"),
                Part("firmware (start-up, application, protocol parser)", runtime_firmware_cost(board).ram + static_io,
                     runtime_firmware_cost(board).source), _framework_part("ram", board, template)]
    parts = [
        Part("tensor arena", arena, "TFLM's allocator on the host, converted to 32-bit, plus kernel scratch and "
             f"margin{'; allocated from the heap at boot' if template.arena == 'heap' else '; static (.bss)'}"),
        Part("TFLM objects and edgekit app", RUNTIME_STATIC_RAM + RESOLVER_BYTES_PER_OP * len(info.ops) + static_io,
             "interpreter, op resolver (about 40 B per op), protocol parser and buffers"),
    ]
    parts.append(_framework_part("ram", board, template))
    return parts


def _framework_part(memory: str, board: Board, template: FirmwareTemplate) -> Part:
    """The board framework's own flash or RAM in a minimal program, or a zero part that says it is unknown."""
    from edgekit.render import choose_framework

    if not template.frameworks:
        return Part("no framework (bare metal)", 0, "the generic TFLM sizing assumes no framework code")
    framework = choose_framework(board, template)
    key = f"memory.framework_{memory}"
    value = dict(board.framework_flash if memory == "flash" else board.framework_ram).get(framework)
    if value is None:
        return Part(f"{framework} framework (size unknown for this board)", 0,
                    f"add {key}.{framework} to the board file to count it", unknown=True)
    return Part(f"{framework} framework, minimal program", value, board.source(f"{key}.{framework}"))


# --- the rules -------------------------------------------------------------------------------------------

def check_runtime_runs(info: ModelInfo, template: FirmwareTemplate, library, board: Board | None = None) -> CheckResult:
    """The model must be one the template's runtime can run (full integer, supported I/O, known ops and versions)."""
    from edgekit.render import model_problems

    problems = model_problems(info, template, library, board)
    return CheckResult("runtime", not problems, "; ".join(problems) or f"{template.library} runs every op")


def _usage_detail(usage: Usage) -> str:
    detail = f"{usage.used:,} of {usage.limit:,} B"
    if usage.headroom < 0:
        detail += f": {-usage.headroom:,} B ({-usage.headroom / usage.limit:.1%}) over"
    elif usage.unknown:
        detail += (f", plus {' and '.join(usage.unknown)}: it fits only if that takes at most "
                   f"{usage.headroom:,} B")
    return detail


def check_flash_fits(flash: Usage, board: Board) -> CheckResult:
    """Model + runtime + framework must fit in the flash an application may use ({board.usable_flash} B on
    ESP32: the app partition, not the chip). A part of unknown size is named, never counted as zero."""
    return CheckResult("flash", flash.headroom >= 0, _usage_detail(flash))


def check_ram_fits(ram: Usage) -> CheckResult:
    """Arena + runtime objects + framework RAM must fit in RAM (a failure, where PlatformIO only warns)."""
    return CheckResult("ram", ram.headroom >= 0, _usage_detail(ram))


def flash_limit(board: Board, template: FirmwareTemplate) -> int:
    """The flash an application built with ``template`` may use on ``board``: the framework's partition on
    ESP32 (ESP-IDF's default factory app is 1 MB, Arduino's app0 1.25 MB), else the board's usable flash."""
    from edgekit.render import choose_framework

    return board.flash_for(choose_framework(board, template)) if template.frameworks else board.usable_flash


def ram_limit(board: Board, template: FirmwareTemplate) -> int:
    """The RAM a firmware built with ``template`` may use on ``board``: with a static arena, RAM capped by
    the largest static .data + .bss the linker accepts (160 KB on the classic ESP32); with an arena from the
    heap, all of RAM plus PSRAM (the arena must also fit the heap's largest block: check_heap_block)."""
    if template.arena == "heap":
        return board.ram_bytes + board.psram
    return min(board.ram_bytes, board.static_ram_limit)


def check_static_ram(ram: Usage, board: Board, template: FirmwareTemplate) -> CheckResult:
    """A static arena must stay under the largest static .data + .bss the linker accepts (about 160 KB of
    DRAM on the classic ESP32, whatever its 320 KB of RAM)."""
    if template.arena != "static":
        return CheckResult("static ram", True, "the arena is taken from the heap at boot")
    static = sum(p.bytes for p in ram.parts)
    ok = static <= board.static_ram_limit
    return CheckResult("static ram", ok, f"{static:,} of {board.static_ram_limit:,} B of static RAM")


def check_heap_block(arena: int, board: Board, template: FirmwareTemplate) -> CheckResult:
    """An arena taken from the heap must fit the largest block the heap can give (about 160 KB on the classic
    ESP32), unless the board has PSRAM to put it in."""
    if template.arena != "heap":
        return CheckResult("heap block", True, "the arena is static")
    limit = max(board.largest_heap_block, board.psram)
    return CheckResult("heap block", arena <= limit, f"a {arena:,} B arena from a heap whose largest block is "
                       f"about {limit:,} B{' (PSRAM)' if board.psram else ''}")


def _hints(report_checks: list[CheckResult], board: Board, template: FirmwareTemplate, info: ModelInfo,
           plan_saving: int, offline_plan: bool, optimize: str = "balanced") -> list[str]:
    failed = {c.name for c in report_checks if not c.ok}
    hints = []
    if "flash" in failed and template.runtime == "edgekit" and optimize != "flash":
        hints.append("pack the dense and 1x1 layers' weights in 4 to 6 bits (--optimize flash: lossless, a quarter "
                     "to a third less on trained layers, at some speed)")
    if failed & {"ram", "static ram", "heap block"}:
        if plan_saving > 0 and not offline_plan:
            hints.append(f"use the offline memory plan (--offline-plan): it saves {plan_saving:,} B of arena")
        if board.psram:
            hints.append(f"put the arena in PSRAM ({board.psram:,} B on this board) with the ESP-IDF template")
        if template.arena == "static" and "static ram" in failed:
            hints.append("allocate the arena from the heap instead of statically")
    if "flash" in failed and board.platform == "espressif32":
        if "espidf" in template.frameworks:
            hints.append("give the app a larger partition: a custom partition table (board_build.partitions = "
                         "partitions.csv in platformio.ini) with a bigger factory app")
        else:
            hints.append("use a larger app partition: board_build.partitions = huge_app.csv gives 3,145,728 B on "
                         "4 MB parts (no OTA)")
    if failed & {"flash", "ram", "static ram", "heap block"}:
        hints.append("choose a board with more memory (`edgekit check MODEL --all-boards`)")
        hints.append("make the model smaller (fewer filters or layers, a lower input resolution)")
    if "runtime" in failed:
        hints.append("re-quantize to full int8 with `edgekit quantize`, or replace the unsupported ops")
        from edgekit.render import load_template

        other = "tflm" if template.runtime == "edgekit" else "edgekit"
        # an op neither engine has (a custom op) is not fixed by switching engines: no advice to switch
        neither = any("custom op '" in c.detail for c in report_checks if c.name == "runtime")
        if not neither and any(load_template(name).runtime == other for name in board.templates):
            hints.append(f"or try the other engine: `edgekit check MODEL --board {board.id} --runtime {other}`")
        hints.append("`edgekit check MODEL --all-boards` shows both engines' verdicts for every board")
    return hints


def check_budget(model: bytes, info: ModelInfo, board: Board, template: str | None = None,
                 offline_plan: bool = False, arena: ArenaEstimate | None = None,
                 selftest_samples: int = 1, plan: MemoryPlan | None = None, optimize: str = "balanced") -> BudgetReport:
    """Flash and RAM of ``model``'s TFLM firmware on ``board``, before anything is built.

    :param template: firmware template (default: the board's).
    :param offline_plan: size the arena for the model with edgekit's offline memory plan written in.
    :param arena: a ready arena estimate (saves measuring it again).
    :param selftest_samples: self-test samples the firmware embeds (inputs and expected outputs in flash).
    :param plan: a ready activation plan (:func:`edgekit.arena.best_plan` of ``info``; saves searching again).
    :param optimize: the edgekit runtime's memory plan goal (codegen.OPTIMIZE_GOALS; its arena differs).
    """
    chosen = choose_template(board, template) if board.templates or template else GENERIC_TFLM
    library = tflm_ops.snapshot(chosen.op_snapshot) if not chosen.needs_tflm_dir else tflm_ops.snapshot("tflm-tree")
    runs = check_runtime_runs(info, chosen, library, board)
    if runs.ok and chosen.runtime == "edgekit":
        try:  # the generator refuses parameters (not just ops) that the runtime does not run
            generated_runtime(model, info, optimize, board.dsp)
        except ModelError as exc:
            from edgekit.render import refusal_with_advice

            runs = CheckResult("runtime", False, str(refusal_with_advice(exc, board)).removeprefix("Model: "))
    plan_saving = 0
    if runs.ok and chosen.runtime == "edgekit":
        # the generator's own arena (its plan with in-place outputs and the state tensors after it): exact,
        # what the firmware compiles in and reports, with no interpreter structures and no margin needed
        compiled = estimate = generated_runtime(model, info, optimize, board.dsp)["arena_bytes"]
    elif runs.ok and chosen.runtime != "none":
        plan = plan or best_plan(info)
        plan_saving = plan.saving
        if arena is None:
            if offline_plan and plan.saving > 0:
                from edgekit.arena import with_offline_plan

                arena = estimate_tflm_arena(with_offline_plan(model, plan))
            else:
                arena = estimate_tflm_arena(model)
        compiled = arena_to_compile(arena, info, chosen)
        estimate = arena.bytes
    else:
        compiled = estimate = 0
    flash_list = flash_parts(info, model, board, chosen, selftest_samples, optimize)
    flash = Usage(sum(p.bytes for p in flash_list), flash_limit(board, chosen), tuple(flash_list))
    ram_list = ram_parts(info, compiled, board, chosen)
    ram = Usage(sum(p.bytes for p in ram_list), ram_limit(board, chosen), tuple(ram_list))
    checks = [runs, check_flash_fits(flash, board), check_ram_fits(ram), check_static_ram(ram, board, chosen),
              check_heap_block(compiled, board, chosen)]
    return BudgetReport(
        board=board.id, template=chosen.name, runtime=chosen.runtime, measured=False, model_bytes=len(model),
        arena_bytes=compiled, arena_estimate=estimate, flash=flash, ram=ram, checks=tuple(checks),
        hints=tuple(_hints(checks, board, chosen, info, plan_saving, offline_plan, optimize)),
    )


# --- after the build: the ELF ----------------------------------------------------------------------------

#: Section-name rules per PlatformIO platform (platformio.md 3.3): which sections count as flash and RAM.
SECTION_RULES: dict[str, tuple[str, str]] = {
    "espressif32": (r"^(?:\.iram0\.text|\.iram0\.vectors|\.dram0\.data|\.flash\.text|\.flash\.rodata)$",
                    r"^(?:\.dram0\.data|\.dram0\.bss|\.noinit)$"),
    "teensy": (r"^(?:\.text|\.text\.progmem|\.text\.itcm|\.data|\.text\.csf)$",
               r"^(?:\.usbdescriptortable|\.dmabuffers|\.usbbuffers|\.data|\.bss|\.noinit|\.text\.itcm|\.text\.itcm\.padding)$"),
    # edgekit's own platforms: the Arm rules plus the QEMU platform's vector table section
    "edgekit-qemu": (r"^(?:\.isr_vector|\.text|\.data|\.rodata|\.text\.align|\.ARM\.exidx)$", r"^(?:\.data|\.bss|\.noinit)$"),
    "edgekit-host": (r"^(?:\.text|\.data|\.rodata)$", r"^(?:\.data|\.bss)$"),
    # RISC-V: the platform's linker script folds the small-data sections into these
    "edgekit-qemu-riscv": (r"^(?:\.text|\.data|\.rodata|\.init_array)$", r"^(?:\.data|\.bss)$"),
    # nordicnrf52, raspberrypi, ststm32
    "default": (r"^(?:\.text|\.data|\.rodata|\.text\.align|\.ARM\.exidx)$", r"^(?:\.data|\.bss|\.noinit)$"),
}


def elf_sections(path: str | Path) -> dict[str, int]:
    """Section name -> size of every allocated section of an ELF file (pyelftools)."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    try:
        with open(path, "rb") as stream:
            elf = ELFFile(stream)
            return {s.name: s["sh_size"] for s in elf.iter_sections() if s["sh_flags"] & 0x2}  # SHF_ALLOC
    except (OSError, ELFError) as exc:
        raise BudgetError(f"cannot read the firmware ELF '{path}': {exc}") from None


def budget_from_elf(path: str | Path, board: Board, before: BudgetReport | None = None) -> BudgetReport:
    """The budget of a built firmware, from its ELF, with the board platform's section rules.

    RAM over the board's limit fails (PlatformIO only warns). ``before`` (the estimate) supplies the model
    and arena figures and the template name for the report.
    """
    sections = elf_sections(path)
    flash_rule, ram_rule = SECTION_RULES.get(board.platform, SECTION_RULES["default"])
    flash_parts_ = tuple(Part(name, size, "ELF section") for name, size in sorted(sections.items())
                         if re.match(flash_rule, name))
    ram_parts_ = tuple(Part(name, size, "ELF section") for name, size in sorted(sections.items())
                       if re.match(ram_rule, name))
    limit = flash_limit(board, _template_of(before)) if before else board.usable_flash  # the estimate's limit
    flash = Usage(sum(p.bytes for p in flash_parts_), limit, flash_parts_)
    ram = Usage(sum(p.bytes for p in ram_parts_), min(board.ram_bytes, board.static_ram_limit), ram_parts_)
    checks = (check_flash_fits(flash, board), check_ram_fits(ram))
    return BudgetReport(
        board=board.id, template=before.template if before else "", runtime=before.runtime if before else "tflm",
        measured=True, model_bytes=before.model_bytes if before else 0,
        arena_bytes=before.arena_bytes if before else 0, arena_estimate=before.arena_estimate if before else 0,
        flash=flash, ram=ram, checks=checks,
        hints=tuple(_hints(list(checks), board, _template_of(before), None, 0, False)) if before else (),
    )


def _template_of(report: BudgetReport) -> FirmwareTemplate:
    from edgekit.render import load_template

    return GENERIC_TFLM if report.template == GENERIC_TFLM.name else load_template(report.template)
