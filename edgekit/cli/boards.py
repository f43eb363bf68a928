"""``edgekit boards``: the boards edgekit knows, with their flash, RAM and firmware templates."""

from __future__ import annotations

import dataclasses
import json

import click


@click.command("boards")
@click.option("--json", "as_json", is_flag=True, help="Print every field of every board as JSON.")
def command(as_json: bool) -> None:
    """List the boards (shipped ones and those in EDGEKIT_BOARDS_PATH) with usable flash and RAM."""
    from edgekit.catalog import list_boards

    boards = list_boards()
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(b) for b in boards], indent=2))
        return
    click.echo(f"{'board':<22} {'MCU':<15} {'core':<14} {'MHz':>4} {'flash':>10} {'RAM':>9} {'PSRAM':>9}  template")
    for b in boards:
        click.echo(f"{b.id:<22} {b.mcu:<15} {b.core:<14} {b.f_cpu_mhz:>4} {b.usable_flash:>10,} "
                   f"{min(b.ram_bytes, b.static_ram_limit):>9,} {b.psram:>9,}  {b.default_template}")
