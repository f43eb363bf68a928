"""The build driver: quantize (when given a float model), read, check the budget, render, build with
PlatformIO, and check the budget again on the built firmware. One progress line per stage; the full
PlatformIO log and a JSON summary stay in the output folder.

Output folder layout::

    OUT/.edgekit-build   marks the folder as edgekit's (a folder with other files is refused)
    OUT/model.tflite     the int8 model that was built (quantized here when the input was a float model)
    OUT/project/         the rendered PlatformIO project
    OUT/build.log        PlatformIO's whole output
    OUT/build.json       stages, times, budgets before and after the build, the firmware's path
    OUT/quantization.json  the quantization report (quantized here, or MODEL.quant.json of `edgekit quantize`)
    OUT/report.html      the build's report page (:mod:`edgekit.htmlreport`); validation adds to it
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from edgekit.budget import BudgetReport, budget_from_elf, check_budget
from edgekit.catalog import RUNTIMES, Board, load_board
from edgekit.compat import check_full_integer
from edgekit.errors import DISK_FULL_ERRNOS, BudgetError, EdgekitError, RenderError, TemplateError, WriteError
from edgekit.files import write_atomic
from edgekit.reader import read_model, read_model_file

MARKER = ".edgekit-build"


@dataclass(frozen=True)
class BuildOptions:
    """How to build (tool behaviour): runtime, template, quantization data, arena and plan, overwrites."""

    runtime: str | None = None  # None: the board's default template decides
    template: str | None = None
    selftest_count: int = 1
    rep_data: str | None = None  # representative data, needed when the model is not a .tflite yet
    offline_plan: bool = False
    arena_bytes: int | None = None
    tflm_dir: Path | None = None
    selftest_data: str | None = None
    force: bool = False
    optimize: str = "balanced"  # the edgekit runtime's memory plan goal (codegen.OPTIMIZE_GOALS)


@dataclass(frozen=True)
class Stage:
    """One pipeline stage and how long it took."""

    name: str
    seconds: float
    detail: str


@dataclass(frozen=True)
class BuildResult:
    """What a build produced: the firmware, the project, the budgets before and after, the stage times."""

    board: str
    output_dir: Path
    project_dir: Path
    firmware: Path
    model: Path
    template: str
    source: Path  # the model the user gave (float or int8)
    before: BudgetReport
    after: BudgetReport
    stages: tuple[Stage, ...] = field(default=())

    def as_dict(self) -> dict:
        """The summary written to build.json and printed by ``edgekit build --json``."""
        return {
            "board": self.board, "output_dir": str(self.output_dir), "project_dir": str(self.project_dir),
            "firmware": str(self.firmware), "model": str(self.model), "source": str(self.source),
            "template": self.template,
            "stages": [{"name": s.name, "seconds": round(s.seconds, 2), "detail": s.detail} for s in self.stages],
            "estimate": self.before.as_dict(), "measured": self.after.as_dict(),
        }


def default_output_dir(board: Board) -> Path:
    """Where ``edgekit build`` writes when no -o is given: ``edgekit-build/<board>`` in the current folder."""
    return Path("edgekit-build") / board.id


def load_last_build(output_dir: Path) -> dict:
    """The build.json of an earlier build, or a clear error when there is none."""
    summary = output_dir / "build.json"
    if not summary.is_file():
        raise RenderError(f"no build in {output_dir}", ["run `edgekit build MODEL --board BOARD` first, or give "
                                                        "--build-dir where it wrote"])
    try:
        data = json.loads(summary.read_text())
        missing = [key for key in ("board", "model", "firmware", "estimate", "measured") if key not in data]
    except (OSError, ValueError, TypeError) as exc:
        missing = [f"readable JSON ({exc})"]
    if missing:
        raise RenderError(f"{summary} is damaged: no {', '.join(missing)}", ["build again with `edgekit build`"])
    return data


MARKER_TEXT = "written by edgekit build; its files may be replaced by the next build\n"


@dataclass
class OutputClaim:
    """An output folder this process has made its own and holds locked until :meth:`release`.

    The lock is an ``flock`` on the folder's marker file: the kernel drops it when the process ends, however
    it ends, so a killed build never leaves a folder locked.
    """

    folder: Path
    created: bool
    handle: object

    def __enter__(self) -> "OutputClaim":
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()

    def release(self) -> None:
        """Unlock the folder (the marker stays, saying the folder is edgekit's)."""
        import fcntl

        try:
            self.handle.seek(0)
            self.handle.truncate()
            self.handle.write(MARKER_TEXT.encode())
        except (OSError, ValueError):
            pass  # the folder was removed or cannot be written: the lock goes with the file handle anyway
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _unwritable(output_dir: Path, exc: OSError) -> EdgekitError:
    if exc.errno in DISK_FULL_ERRNOS:
        return WriteError(output_dir / MARKER, exc)
    return RenderError(f"cannot write in the output folder '{output_dir}': {exc.strerror or exc}",
                       ["choose a folder you can write to with -o",
                        "if you own it, check its permissions and attributes (`ls -ld`, `lsattr -d`: "
                        "'i' means immutable, undone with `chattr -i`)"])


def _claim_output(output_dir: Path) -> OutputClaim:
    """Make ``output_dir`` edgekit's and lock it against a second build; refuse a folder that holds other
    files, one that cannot be written, and one another edgekit build is writing into (naming that build)."""
    import fcntl
    import os

    created = False
    if output_dir.exists() or output_dir.is_symlink():
        if not output_dir.is_dir():
            raise RenderError(f"output '{output_dir}' exists and is not a folder", ["choose another path with -o"])
    else:
        try:
            output_dir.mkdir(parents=True)
            created = True
        except FileExistsError:
            pass  # another build made it a moment ago: the lock below decides who writes into it
        except OSError as exc:
            raise RenderError(f"cannot create the output folder '{output_dir}': {exc.strerror or exc}",
                              ["choose a folder you can write to with -o"]) from None
    marker = output_dir / MARKER
    try:
        if any(p.name != MARKER for p in output_dir.iterdir()) and not marker.exists():
            raise RenderError(
                f"output folder '{output_dir}' holds files edgekit did not write; edgekit never deletes or replaces "
                "them", ["choose an empty or new folder with -o"])
        # unbuffered: a write that fails (a full disk) fails here, not later in close()
        handle = marker.open("a+b", buffering=0)
    except OSError as exc:
        if created:
            shutil.rmtree(output_dir, ignore_errors=True)  # leave no half-made folder behind
        raise _unwritable(output_dir, exc) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = next((line.strip() for line in handle.read().decode(errors="replace").splitlines()
                       if line.startswith("in use by")), "in use by another process")
        handle.close()
        raise RenderError(f"output folder '{output_dir}' is {holder}: another edgekit build is writing into it",
                          ["wait for that build to finish, then run this one again",
                           "or build into another folder with -o"]) from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write((MARKER_TEXT + f"in use by edgekit build (pid {os.getpid()}, started "
                                    f"{time.strftime('%Y-%m-%d %H:%M:%S')})\n").encode())
    except OSError as exc:
        handle.close()
        if created:
            shutil.rmtree(output_dir, ignore_errors=True)  # leave no half-made folder behind
        raise _unwritable(output_dir, exc) from None
    return OutputClaim(output_dir, created, handle)


def choose_runtime_template(board: Board, runtime: str | None, template: str | None):
    """The template for ``board``: ``template`` if given, else the board's first one with ``runtime``
    (the board's default when no runtime is asked for)."""
    from edgekit.render import choose_template, load_template

    if template or runtime is None:
        chosen = choose_template(board, template)
        if runtime is not None and chosen.runtime != runtime:
            raise TemplateError(f"template '{chosen.name}' runs the {chosen.runtime} runtime, not {runtime}")
        return chosen
    for name in board.templates:
        candidate = load_template(name)
        if candidate.runtime == runtime:
            return candidate
    if runtime == "tflm":
        from edgekit.render import tflm_advice

        raise TemplateError(f"no tflm firmware template for {board.id}", [tflm_advice(board)])
    raise TemplateError(f"no {runtime} firmware template for {board.id}",
                        [f"its templates: {', '.join(board.templates)}; pass --runtime tflm or leave --runtime out"])


def _quantize(model_path: Path, rep_data: str | None):
    if rep_data is None:
        raise TemplateError(
            f"'{model_path}' is not a .tflite model, so it must be quantized first, and no representative data "
            "was given", ["pass --rep-data DATA (100 or more typical inputs)", "or quantize it yourself with "
                          "`edgekit quantize` and build the .tflite"])
    from edgekit.quantization import quantize

    return quantize(str(model_path), rep_data, io_type="int8")


def _quantization_record(model_path: Path, data: bytes, quantized) -> bytes | None:
    """The quantization report for the build folder: from quantizing here, or the ``MODEL.quant.json``
    that ``edgekit quantize`` wrote beside the .tflite when it belongs to these very bytes."""
    from edgekit.quantization import quant_report_bytes, report_path_for

    if quantized is not None:
        return quant_report_bytes(quantized.report, quantized.tflite)
    beside = report_path_for(model_path)
    try:
        record = json.loads(beside.read_text())
    except (OSError, ValueError):
        return None
    return beside.read_bytes() if record.get("int8_sha256") == hashlib.sha256(data).hexdigest() else None


def _budget_failure(report: BudgetReport, when: str) -> BudgetError:
    failed = [f"{c.name}: {c.detail}" for c in report.checks if not c.ok]
    return BudgetError(f"the firmware does not fit {report.board} ({when}):\n" + "\n".join(f"  - {f}" for f in failed),
                       list(report.hints))


def build(model_path: str | Path, board_name: str, output_dir: str | Path | None = None,
          options: BuildOptions = BuildOptions(), progress: Callable[[str], None] = lambda line: None,
          pio_line: Callable[[str], None] | None = None) -> BuildResult:
    """Take ``model_path`` to a built firmware for ``board_name`` (see the module docstring).

    :param progress: receives one line per stage.
    :param pio_line: receives each line of PlatformIO's output as it comes (for -v).
    :raises EdgekitError: for bad input, a model that does not fit (before or after the build), or a build
        that fails; nothing the user wrote is deleted.
    """
    from edgekit import platformio
    from edgekit.arena import best_plan, with_offline_plan
    from edgekit.render import RenderOptions, render_project, selftest_input_from_data

    if options.runtime is not None and options.runtime not in RUNTIMES:
        raise TemplateError(f"unknown runtime '{options.runtime}'", [f"choose one of {', '.join(RUNTIMES)}"])
    board = load_board(board_name)
    template = choose_runtime_template(board, options.runtime, options.template)
    model_path = Path(model_path)
    out = (Path(output_dir) if output_dir else default_output_dir(board)).absolute()
    stages: list[Stage] = []
    total = 6

    def stage(number: int, name: str, detail: str, started: float) -> None:
        stages.append(Stage(name, time.monotonic() - started, detail))
        progress(f"[{number}/{total}] {name:<9} {detail} ({stages[-1].seconds:.1f} s)")

    started = time.monotonic()
    quantized = None
    if model_path.suffix.lower() == ".tflite":
        data, info = read_model_file(model_path)
        check_full_integer(info, io_type=None, source=str(model_path))
        stage(1, "quantize", "skipped: already a .tflite", started)
    else:
        if not model_path.exists():
            from edgekit.errors import ModelError

            raise ModelError(model_path, "does not exist.")
        quantized = _quantize(model_path, options.rep_data)
        data = quantized.tflite
        info = read_model(data, str(model_path))
        stage(1, "quantize", f"full int8, {len(data):,} B", started)

    given = data  # the int8 model as given or quantized, before any offline plan is written into it
    started = time.monotonic()
    stage(2, "read", f"{len(info.operators)} ops ({', '.join(info.ops)}), {info.total_macs:,} MACs", started)

    started = time.monotonic()
    before = check_budget(data, info, board, template.name, options.offline_plan,
                          selftest_samples=options.selftest_count, optimize=options.optimize)
    if not before.fits:
        raise _budget_failure(before, "estimated before the build")
    plan_note = ""
    if options.offline_plan:
        plan = best_plan(info)
        if plan.saving > 0:  # the firmware gets the model with the plan that the budget was sized for
            data = with_offline_plan(data, plan)
            info = read_model(data, str(model_path))
            plan_note = f", offline plan saves {plan.saving:,} B"
    stage(3, "budget", f"fits: flash {before.flash.percent:.1f}%, RAM {before.ram.percent:.1f}% (estimate){plan_note}",
          started)

    with _claim_output(out) as claim:  # locked until the build ends, however it ends
        started = time.monotonic()
        try:
            selftest = (selftest_input_from_data(options.selftest_data, info, options.selftest_count)
                        if options.selftest_data else None)
            rendered = render_project(data, info, board, out / "project", RenderOptions(
                template=template.name, arena_bytes=options.arena_bytes or before.arena_bytes,
                tflm_dir=options.tflm_dir,
                selftest_input=selftest, selftest_count=options.selftest_count,
                selftest_origin=f"the first sample(s) of {options.selftest_data}" if selftest else "",
                model_name=model_path.stem, force=options.force, optimize=options.optimize))
        except Exception:
            if claim.created:
                shutil.rmtree(out, ignore_errors=True)
            raise
        stage(4, "render", f"{len(rendered.files)} files, template {template.name}", started)

        started = time.monotonic()
        firmware, _ = platformio.build_project(out / "project", board.platform, out / "build.log", pio_line)
        stage(5, "build", f"pio run: {firmware.relative_to(out)}", started)

        started = time.monotonic()
        after = budget_from_elf(firmware, board, before)
        # Only a build that succeeded replaces the last one's records, so a failed build (a compile error, a
        # missing tool, a full disk, Ctrl-C) leaves them as they were.
        _replace_records(out, data, _quantization_record(model_path, given, quantized))
        result = BuildResult(board=board.id, output_dir=out, project_dir=out / "project", firmware=firmware,
                             model=out / "model.tflite", template=template.name, source=model_path.absolute(),
                             before=before, after=after,
                             stages=tuple(stages))
        if not after.fits:
            _write_summary(result)
            raise _budget_failure(after, "measured on the built firmware")
        stage(6, "size", f"fits: flash {after.flash.used:,} B ({after.flash.percent:.1f}%), RAM {after.ram.used:,} B "
              f"({after.ram.percent:.1f}%) from the ELF", started)
        result = BuildResult(**{**result.__dict__, "stages": tuple(stages)})
        _write_summary(result)
        return result


def _replace_records(out: Path, model: bytes, quantization: bytes | None) -> None:
    """The new build's model and quantization report; what the last build here measured (its summary,
    validation and report page) belongs to that build, so it goes."""
    write_atomic(out / "model.tflite", model)
    for stale in ("build.json", "quantization.json", "validation.json", "report.html"):
        (out / stale).unlink(missing_ok=True)
    if quantization is not None:
        write_atomic(out / "quantization.json", quantization)


def _write_summary(result: BuildResult) -> None:
    """build.json, and the report page drawn from it."""
    from edgekit.htmlreport import write_report

    write_atomic(result.output_dir / "build.json", json.dumps(result.as_dict(), indent=2) + "\n")
    write_report(result.output_dir)
