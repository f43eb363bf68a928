"""``edgekit monitor``: the board's serial output at its baud rate (an emulated board is booted)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("monitor")
@click.option("--board", "-b", required=True, help="Board id or alias.")
@click.option("--port", "-p", help="Serial port (default: the one USB serial device plugged in).")
@click.option("--build-dir", type=click.Path(path_type=Path), help="Output folder of `edgekit build` (emulated boards).")
@click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds an emulated board may run.")
def command(board: str, port: str | None, build_dir: Path | None, timeout: float) -> None:
    """Show BOARD's serial output at the baud rate its board file gives (PlatformIO's monitor; Ctrl+C quits).
    For an emulated board the last build is booted and its output shown until it exits."""
    from edgekit import emulator, platformio
    from edgekit.catalog import load_board
    from edgekit.pipeline import default_output_dir, load_last_build

    target = load_board(board)
    if emulator.is_emulated(target):
        summary = load_last_build(build_dir or default_output_dir(target))
        run = emulator.run_firmware(Path(summary["firmware"]), target, timeout, on_line=click.echo)
        raise click.exceptions.Exit(run.status)
    raise click.exceptions.Exit(platformio.monitor(platformio.find_port(port), target.monitor_speed))
