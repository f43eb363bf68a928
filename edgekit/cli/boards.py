"""``edgekit boards``: the boards edgekit knows, with their flash, RAM and firmware templates.

The flash and RAM shown are the limits ``edgekit check`` uses with the board's default template; where
another template of the board has other limits (an ESP32's partition differs between ESP-IDF and Arduino,
a static arena is capped by the linker's static RAM ceiling while one from the heap is not), those are
listed beside it, so the two commands never disagree.
"""

from __future__ import annotations

import dataclasses
import json

import click


def template_limits(board) -> dict[str, tuple[int, int]]:
    """Template name -> (flash, RAM) limits that ``edgekit check`` uses for it on ``board``."""
    from edgekit.budget import GENERIC_TFLM, flash_limit, ram_limit
    from edgekit.render import load_template

    templates = [load_template(name) for name in board.templates] or [GENERIC_TFLM]
    return {t.name: (flash_limit(board, t), ram_limit(board, t)) for t in templates}


@click.command("boards")
@click.option("--json", "as_json", is_flag=True, help="Print every field of every board as JSON.")
def command(as_json: bool) -> None:
    """List the boards (shipped ones and those in EDGEKIT_BOARDS_PATH) with the flash and RAM `check` uses."""
    from edgekit.catalog import list_boards

    boards = list_boards()
    if as_json:
        click.echo(json.dumps([{**dataclasses.asdict(b), "limits": {
            name: {"flash": flash, "ram": ram} for name, (flash, ram) in template_limits(b).items()}}
            for b in boards], indent=2))
        return
    click.echo(f"{'board':<22} {'MCU':<15} {'core':<14} {'MHz':>4} {'flash':>13} {'RAM':>13} {'PSRAM':>9}  template "
               "(flash and RAM are its limits)")
    for b in boards:
        limits = template_limits(b)
        default = b.default_template or next(iter(limits))
        flash, ram = limits[default]
        others: dict[tuple[int, int], list[str]] = {}
        for name, pair in limits.items():
            if pair != (flash, ram):
                others.setdefault(pair, []).append(name)
        note = "; ".join(f"{', '.join(names)}: flash {f:,}, RAM {r:,}" for (f, r), names in others.items())
        click.echo(f"{b.id:<22} {b.mcu:<15} {b.core:<14} {b.f_cpu_mhz:>4} {flash:>13,} {ram:>13,} {b.psram:>9,}  "
                   f"{default}{f' (other templates: {note})' if note else ''}")
