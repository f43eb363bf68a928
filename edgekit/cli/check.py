"""``edgekit check``: will a .tflite model fit a board? Flash and RAM bars, before anything is built.

With ``--all-boards`` every board is shown with each engine's verdict side by side: TFLM and edgekit's own
runtime (a board without a template for an engine says so, an engine that cannot run the model says why).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import click

from edgekit.catalog import OPTIMIZE_GOALS, OPTIMIZE_HELP, RUNTIMES
from edgekit.cli import MODEL_PATH

ENGINE_TITLES = {"tflm": "TFLM", "edgekit": "edgekit runtime"}


def bar(label: str, percent: float, used: int, limit: int, lower_bound: bool = False) -> str:
    """A PlatformIO-style usage line: ``RAM:   [====      ]  41.2% (used N bytes from M bytes)``; with
    ``lower_bound`` (a part of unknown size left out) it says "at least"."""
    filled = min(10, max(0, round(percent / 10)))
    at_least = "at least " if lower_bound else ""
    return (f"{label:<6} [{'=' * filled}{' ' * (10 - filled)}] {percent:5.1f}% (used {at_least}{used:,} bytes from "
            f"{limit:,} bytes)")


def _headline(report) -> str:
    if not report.fits:
        return "DOES NOT FIT"
    unknown = report.flash.unknown + report.ram.unknown
    return f"fits as far as known ({' and '.join(dict.fromkeys(unknown))} not counted)" if unknown else "fits"


def _print_report(report) -> None:
    click.echo(f"{report.board}: {_headline(report)} ({report.template}, estimated before the build)")
    click.echo(bar("RAM:", report.ram.percent, report.ram.used, report.ram.limit, bool(report.ram.unknown)))
    click.echo(bar("Flash:", report.flash.percent, report.flash.used, report.flash.limit, bool(report.flash.unknown)))
    for usage, name in ((report.flash, "flash"), (report.ram, "RAM")):
        if usage.unknown and report.fits:
            click.echo(f"note: {name} fits only if the {' and '.join(usage.unknown)} takes at most "
                       f"{usage.headroom:,} B")
    click.echo(f"arena: {report.arena_bytes:,} B compiled in (the engine will use about {report.arena_estimate:,} B); "
               f"model: {report.model_bytes:,} B")
    for usage, name in ((report.flash, "flash"), (report.ram, "RAM")):
        click.echo(f"{name} parts:")
        for part in usage.parts:
            size = f"{'unknown':>10}" if part.unknown else f"{part.bytes:>10,}"  # never shown as 0 B
            click.echo(f"  {size}  {part.label}")
    for check in report.checks:
        if not check.ok:
            click.echo(f"problem: {check.name}: {check.detail}", err=True)
    if report.hints:
        click.echo("Things to try:", err=True)
        for hint in report.hints:
            click.echo(f"  - {hint}", err=True)


@dataclass(frozen=True)
class Verdict:
    """One engine on one board: its budget report, or why there is none (no template for that engine)."""

    board: str
    runtime: str
    report: object | None
    reason: str = ""

    @property
    def fits(self) -> bool:
        """True when the engine has a template for the board and the model fits it."""
        return self.report is not None and self.report.fits

    def cell(self) -> str:
        """The verdict in a few words, for the --all-boards table."""
        if self.report is None:
            return self.reason
        runtime_check = next(c for c in self.report.checks if c.name == "runtime")
        if not runtime_check.ok:
            ops = re.findall(r"\bop (\w+) is not (?:supported by|in) the edgekit runtime", runtime_check.detail)
            if ops:
                return f"cannot run {', '.join(dict.fromkeys(ops))}"
            first = runtime_check.detail.split(";")[0].split(". ")[0]
            return "cannot run: " + (first if len(first) <= 44 else first[:43] + "…")
        verdict = "no" if not self.report.fits else "fits?" if self.report.flash.unknown else "fits"
        at_least = ">=" if self.report.flash.unknown else "  "
        return f"{verdict:<5} flash{at_least}{self.report.flash.percent:5.1f}% RAM {self.report.ram.percent:5.1f}%"

    def as_dict(self) -> dict:
        """The JSON of this verdict: the budget report, or the board, runtime and reason."""
        if self.report is not None:
            return self.report.as_dict()
        return {"board": self.board, "runtime": self.runtime, "template": None, "fits": False, "reason": self.reason}


def _verdict(data: bytes, info, board, runtime: str | None, template: str | None, offline_plan: bool, arena,
             strict: bool, plan=None, optimize: str = "balanced") -> Verdict:
    """The budget of ``runtime``'s template on ``board`` (the board's default when None). ``strict``: a board
    without such a template is an error (one board asked for) rather than a verdict (a row of the table).
    ``arena`` and ``plan``, found once per model, are reused for every board; ``optimize``: the edgekit
    runtime's goal."""
    from edgekit.budget import check_budget
    from edgekit.errors import TemplateError
    from edgekit.pipeline import choose_runtime_template

    chosen = None
    if board.templates or template:
        try:
            chosen = choose_runtime_template(board, runtime, template).name
        except TemplateError:
            if strict:
                raise
            return Verdict(board.id, runtime or "", None, f"no {runtime} template")
    elif runtime == "edgekit":  # a board without templates is sized for generic TFLM only
        if strict:
            raise TemplateError(f"no edgekit firmware template for {board.id}", ["use --runtime tflm"])
        return Verdict(board.id, runtime, None, "no edgekit template")
    report = check_budget(data, info, board, chosen, offline_plan, arena if runtime != "edgekit" else None, plan=plan,
                          optimize=optimize)
    return Verdict(board.id, report.runtime, report)


@click.command("check")
@click.argument("models", nargs=-1, required=True, type=MODEL_PATH)
@click.option("--board", "-b", help="Board id or alias (see `edgekit boards`).")
@click.option("--all-boards", is_flag=True, help="Check every board edgekit knows, with each engine side by side.")
@click.option("--runtime", type=click.Choice(RUNTIMES),
              help="Inference engine to size for (default: the board's; with --all-boards: both).")
@click.option("--template", "-t", help="Firmware template (default: the board's own).")
@click.option("--offline-plan", is_flag=True, help="Size the arena with edgekit's offline memory plan in the model.")
@click.option("--optimize", type=click.Choice(OPTIMIZE_GOALS), default="balanced", show_default=True,
              help=OPTIMIZE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report(s) as JSON.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Models checked in parallel (several MODELs; "
              "default: one per core).")
def command(models: tuple[Path, ...], board: str | None, all_boards: bool, runtime: str | None, template: str | None,
            offline_plan: bool, optimize: str, as_json: bool, jobs: int | None) -> None:
    """Check that MODEL (a .tflite) fits BOARD's flash and RAM with its firmware.

    Exits 0 when it fits (with --all-boards: when it fits at least one board with one engine) and 1 when
    not, with what to try. Several MODELs are checked in parallel (edgekit.matrix), each model's figures
    cached by its hash.
    """
    if len(models) > 1:  # many models: edgekit.matrix
        from edgekit.cli.matrix import check_many

        if runtime:
            raise click.UsageError("--runtime sizes one MODEL; several MODELs are checked with each board's own engine")
        if optimize != "balanced":
            raise click.UsageError("--optimize sizes one MODEL; several MODELs are checked for the balanced goal")
        return check_many(models, board, all_boards, template, offline_plan, as_json, jobs)
    model = models[0]
    from edgekit.arena import best_plan, estimate_tflm_arena, with_offline_plan
    from edgekit.catalog import list_boards, load_board
    from edgekit.compat import check_full_integer, compatibility_problems
    from edgekit.reader import read_model_file

    if bool(board) == all_boards:
        raise click.UsageError("give either --board BOARD or --all-boards")
    if all_boards and template:
        raise click.UsageError("--template names one board's template; give it with --board, not --all-boards")
    data, info = read_model_file(model)
    check_full_integer(info, io_type=None, source=str(model))  # a float model has no int8 budget to give
    arena = plan = None
    if not compatibility_problems(info, io_type=None):
        plan = best_plan(info)
        arena = estimate_tflm_arena(with_offline_plan(data, plan) if offline_plan and plan.saving > 0 else data)
    if not all_boards:
        verdict = _verdict(data, info, load_board(board), runtime, template, offline_plan, arena, strict=True, plan=plan,
                           optimize=optimize)
        if as_json:
            click.echo(json.dumps(verdict.as_dict(), indent=2))
        else:
            _print_report(verdict.report)
        if not verdict.fits:
            raise click.exceptions.Exit(1)
        return
    engines = [runtime] if runtime else list(RUNTIMES)
    rows = [(target, [_verdict(data, info, target, engine, None, offline_plan, arena, strict=False, plan=plan,
                               optimize=optimize)
                      for engine in engines]) for target in list_boards()]
    if as_json:
        click.echo(json.dumps([v.as_dict() for _, verdicts in rows for v in verdicts], indent=2))
    else:
        click.echo(f"{'board':<22} " + " ".join(f"{ENGINE_TITLES[e]:<40}" for e in engines).rstrip())
        for target, verdicts in rows:
            click.echo(f"{target.id:<22} " + " ".join(f"{v.cell():<40}" for v in verdicts).rstrip())
    if not any(v.fits for _, verdicts in rows for v in verdicts):
        raise click.exceptions.Exit(1)
