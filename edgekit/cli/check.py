"""``edgekit check``: will a .tflite model fit a board? Flash and RAM bars, before anything is built."""

from __future__ import annotations

import json
from pathlib import Path

import click


def bar(label: str, percent: float, used: int, limit: int) -> str:
    """A PlatformIO-style usage line: ``RAM:   [====      ]  41.2% (used N bytes from M bytes)``."""
    filled = min(10, max(0, round(percent / 10)))
    return f"{label:<6} [{'=' * filled}{' ' * (10 - filled)}] {percent:5.1f}% (used {used:,} bytes from {limit:,} bytes)"


def _print_report(report) -> None:
    click.echo(f"{report.board}: {'fits' if report.fits else 'DOES NOT FIT'} ({report.template}, estimated before "
               "the build)")
    click.echo(bar("RAM:", report.ram.percent, report.ram.used, report.ram.limit))
    click.echo(bar("Flash:", report.flash.percent, report.flash.used, report.flash.limit))
    click.echo(f"arena: {report.arena_bytes:,} B compiled in (TFLM will use about {report.arena_estimate:,} B); "
               f"model: {report.model_bytes:,} B")
    for usage, name in ((report.flash, "flash"), (report.ram, "RAM")):
        click.echo(f"{name} parts:")
        for part in usage.parts:
            click.echo(f"  {part.bytes:>10,}  {part.label}")
    for check in report.checks:
        if not check.ok:
            click.echo(f"problem: {check.name}: {check.detail}", err=True)
    if report.hints:
        click.echo("Things to try:", err=True)
        for hint in report.hints:
            click.echo(f"  - {hint}", err=True)


@click.command("check")
@click.argument("models", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--board", "-b", help="Board id or alias (see `edgekit boards`).")
@click.option("--all-boards", is_flag=True, help="Check every board edgekit knows.")
@click.option("--template", "-t", help="Firmware template (default: the board's own).")
@click.option("--offline-plan", is_flag=True, help="Size the arena with edgekit's offline memory plan in the model.")
@click.option("--json", "as_json", is_flag=True, help="Print the report(s) as JSON.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Models checked in parallel (several MODELs; "
              "default: one per core).")
def command(models: tuple[Path, ...], board: str | None, all_boards: bool, template: str | None, offline_plan: bool,
            as_json: bool, jobs: int | None) -> None:
    """Check that MODEL (a .tflite) fits BOARD's flash and RAM with its TFLM firmware.

    Exits 0 when it fits (with --all-boards: when it fits at least one board) and 1 when not, with what
    to try. Several MODELs are checked in parallel (edgekit.matrix), each model's figures cached by its hash.
    """
    if len(models) > 1:  # many models: edgekit.matrix
        from edgekit.cli.matrix import check_many

        return check_many(models, board, all_boards, template, offline_plan, as_json, jobs)
    model = models[0]
    from edgekit.arena import best_plan, estimate_tflm_arena, with_offline_plan
    from edgekit.budget import check_budget
    from edgekit.catalog import list_boards, load_board
    from edgekit.compat import compatibility_problems
    from edgekit.reader import read_model_file

    if bool(board) == all_boards:
        raise click.UsageError("give either --board BOARD or --all-boards")
    data, info = read_model_file(model)
    boards = list_boards() if all_boards else [load_board(board)]
    arena = None
    if not compatibility_problems(info, io_type=None):
        plan = best_plan(info)
        arena = estimate_tflm_arena(with_offline_plan(data, plan) if offline_plan and plan.saving > 0 else data)
    reports = [check_budget(data, info, target, template if not all_boards else None, offline_plan, arena)
               for target in boards]
    if as_json:
        payload = [r.as_dict() for r in reports]
        click.echo(json.dumps(payload if all_boards else payload[0], indent=2))
    elif all_boards:
        click.echo(f"{'board':<22} {'fits':<5} {'flash':>7} {'RAM':>7}  template")
        for r in reports:
            click.echo(f"{r.board:<22} {'yes' if r.fits else 'no':<5} {r.flash.percent:6.1f}% {r.ram.percent:6.1f}%  "
                       f"{r.template}")
    else:
        _print_report(reports[0])
    if not any(r.fits for r in reports):
        raise click.exceptions.Exit(1)
