"""``edgekit check MODEL MODEL...``: many models against one board or all boards (see :mod:`edgekit.matrix`)."""

from __future__ import annotations

import json
from pathlib import Path

import click


def check_many(models: tuple[Path, ...], board: str | None, all_boards: bool, template: str | None,
               offline_plan: bool, as_json: bool, jobs: int | None) -> None:
    """Check every model against the chosen boards and print one line (or one JSON object) per model.

    Exits 1 when some model fits none of the boards or cannot be checked, naming those models.
    """
    from edgekit.catalog import list_boards, load_board
    from edgekit.matrix import check_models

    if bool(board) == all_boards:
        raise click.UsageError("give either --board BOARD or --all-boards")
    if all_boards and template:
        raise click.UsageError("--template names one board's template; give it with --board, not --all-boards")
    boards = [b.id for b in list_boards()] if all_boards else [load_board(board).id]
    verdicts = check_models([str(m) for m in models], boards, template, offline_plan,
                            jobs)
    if as_json:
        click.echo(json.dumps([{"model": v.model, "sha256": v.sha256, "fits_any": v.fits_any, "cached": v.cached,
                                "error": v.error, "reports": list(v.reports)} for v in verdicts], indent=2))
    else:
        click.echo(f"{'model':<40} fits on")
        for v in verdicts:
            if v.error:
                click.echo(f"{Path(v.model).name:<40} not checked: {v.error.splitlines()[0]}")
                continue
            fitting = [r["board"] for r in v.reports if r["fits"]]
            click.echo(f"{Path(v.model).name:<40} {len(fitting)}/{len(v.reports)}: {', '.join(fitting) or '-'}")
    for v in verdicts:
        if v.error:
            click.echo(f"{v.model}: {v.error}", err=True)
    misfits = [Path(v.model).name for v in verdicts if not v.fits_any]
    if misfits:
        click.echo(f"fits no board checked: {', '.join(misfits)}", err=True)
        raise click.exceptions.Exit(1)
